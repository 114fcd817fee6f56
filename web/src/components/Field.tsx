// Labelled form controls: the label, and under the control its problem and its hint, both tied
// to the control by aria-describedby (the problem first).

import { useId, type AriaAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import { ApiError, errorText } from "../lib/api";

interface FrameProps {
  label: string;
  /** What the control takes, under it. */
  hint?: ReactNode;
  /**
   * What is wrong with the value: a message, or an error (an ApiError shows its code). The control
   * is marked invalid.
   */
  error?: unknown;
  /** Announces the error as it appears (role="alert"): for a problem the server sent back. */
  alertError?: boolean;
  /** The wrapper's class; "field" unless given. */
  frameClassName?: string;
}

/** A problem with one field; the control names it with aria-describedby={id}. */
export function FieldError({ id, error, alert }: { id: string; error: unknown; alert?: boolean }) {
  if (!error) return null;
  return (
    <p id={id} className="field-error" role={alert ? "alert" : undefined}>
      {typeof error === "string" ? error : errorText(error)}
      {error instanceof ApiError ? <span className="notice-code"> (code: {error.code})</span> : null}
    </p>
  );
}

function Frame({ id, label, hint, error, alertError, frameClassName, children }: FrameProps & { id: string; children: ReactNode }) {
  return (
    <div className={frameClassName ?? "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldError id={`${id}-problem`} error={error} alert={alertError} />
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The control's id and ARIA attributes: invalid with a problem, described by the problem, the hint and its own. */
function controlAttributes(id: string, { hint, error }: FrameProps, own: AriaAttributes) {
  const describedBy = [error ? `${id}-problem` : "", hint ? `${id}-hint` : "", own["aria-describedby"] ?? ""].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : own["aria-invalid"], "aria-describedby": describedBy || undefined };
}

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id"> & FrameProps;

/** A text input with its own <label>, and an optional hint and problem. */
export function Field({ label, hint, error, alertError, frameClassName, ...input }: FieldProps) {
  const id = useId();
  const frame = { label, hint, error, alertError, frameClassName };
  return (
    <Frame id={id} {...frame}>
      <input {...input} {...controlAttributes(id, frame, input)} />
    </Frame>
  );
}

type SelectFieldProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, "id"> & FrameProps & { children: ReactNode };

/** A <select> with its own <label>, and an optional hint and problem. */
export function SelectField({ label, hint, error, alertError, frameClassName, children, ...select }: SelectFieldProps) {
  const id = useId();
  const frame = { label, hint, error, alertError, frameClassName };
  return (
    <Frame id={id} {...frame}>
      <select {...select} {...controlAttributes(id, frame, select)}>
        {children}
      </select>
    </Frame>
  );
}

export interface CheckFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  disabled?: boolean;
  /** The wrapper's class. */
  className: string;
}

/** A checkbox with its label and a hint tied to it. */
export function CheckField({ label, checked, onChange, hint, disabled, className }: CheckFieldProps) {
  const id = useId();
  return (
    <div className={className}>
      <label className="check-label">
        <input
          type="checkbox"
          checked={checked}
          disabled={disabled}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{label}</span>
      </label>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled multi-line editor in a monospace font, with its problem and hint tied to it. */
export function TextAreaField({
  label,
  value,
  onChange,
  rows = 3,
  error,
  hint,
  placeholder,
  maxLength,
  className = "",
  autoComplete = "off",
  alertError,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  rows?: number;
  error?: unknown;
  hint?: ReactNode;
  placeholder?: string;
  maxLength: number;
  className?: string;
  autoComplete?: string;
  /** Announces the problem as it appears: for one the server sent back. */
  alertError?: boolean;
}) {
  const id = useId();
  const describedBy = [error ? `${id}-problem` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className={`${className} mono`.trim()}
        rows={rows}
        value={value}
        maxLength={maxLength}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete={autoComplete}
        autoCapitalize="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldError id={`${id}-problem`} error={error} alert={alertError} />
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}
