// A secret shown once (a webhook URL, a signing secret): a notice saying so, the value in a
// read-only field that selects itself on focus, a Copy button with a note that says how it went,
// and whatever the page adds under it. The value lives only in the caller's state.

import { useEffect, useRef, useState, type ReactNode } from "react";
import { Field } from "./Field";

export function OneTimeSecret({
  className,
  notice,
  label,
  value,
  fieldClassName,
  noun,
  children,
}: {
  /** The panel's class. */
  className: string;
  /** What the notice above the field says. */
  notice: ReactNode;
  /** The field's label. */
  label: string;
  value: string;
  /** The field's class. */
  fieldClassName: string;
  /** What the value is called when copying is not available ("select the … and copy it"). */
  noun: string;
  /** Shown under the Copy button. */
  children?: ReactNode;
}) {
  const [copyNote, setCopyNote] = useState("");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(value);
      setCopyNote("Copied.");
    } catch {
      setCopyNote(`Copying is not available here; select the ${noun} and copy it.`);
    }
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopyNote(""), 5000);
  };

  return (
    <div className={className}>
      <p className="notice notice-error">{notice}</p>
      <Field
        label={label}
        value={value}
        readOnly
        className={fieldClassName}
        spellCheck={false}
        autoComplete="off"
        onFocus={(e) => e.currentTarget.select()}
      />
      <div className="row-actions">
        <button type="button" className="button-secondary" onClick={() => void copy()}>
          Copy
        </button>
        <span role="status" className="muted small">
          {copyNote}
        </span>
      </div>
      {children}
    </div>
  );
}
