// Inputs of the create form that carry their validation message: aria-invalid on the input,
// the message (or else the hint) tied to it by aria-describedby.

import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";

function describedBy(error: string | undefined, hint: ReactNode, base: string): string | undefined {
  const ids = [error ? `${base}-error` : "", hint ? `${base}-hint` : ""].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

function Messages({ base, error, hint }: { base: string; error?: string | undefined; hint?: ReactNode }) {
  return (
    <>
      {error ? (
        <p className="field-error" id={`${base}-error`}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p className="field-hint" id={`${base}-hint`}>
          {hint}
        </p>
      ) : null}
    </>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "onChange" | "value"> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  /** A row's compact field (label above, small). */
  compact?: boolean;
  /** The row field takes less width. */
  narrow?: boolean;
};

export function CheckedInput({ label, value, onValue, error, hint, compact, narrow, ...input }: InputProps) {
  const base = useId();
  return (
    <div className={compact ? `row-field${narrow ? " narrow" : ""}` : "field"}>
      <label htmlFor={base}>{label}</label>
      <input
        id={base}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(error, hint, base)}
        {...input}
      />
      <Messages base={base} error={error} hint={hint} />
    </div>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "onChange" | "value"> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  compact?: boolean;
  narrow?: boolean;
  children: ReactNode;
};

export function CheckedSelect({ label, value, onValue, error, hint, compact, narrow, children, ...select }: SelectProps) {
  const base = useId();
  return (
    <div className={compact ? `row-field${narrow ? " narrow" : ""}` : "field"}>
      <label htmlFor={base}>{label}</label>
      <select
        id={base}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(error, hint, base)}
        {...select}
      >
        {children}
      </select>
      <Messages base={base} error={error} hint={hint} />
    </div>
  );
}
