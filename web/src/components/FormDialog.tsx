// A dialog around one form: Cancel and the submit button sit in the dialog's actions and are tied
// to the form by its id, so Enter in a field submits as the button does.

import { useId, type ReactNode, type Ref } from "react";
import { Dialog } from "./Dialog";

export interface FormDialogProps {
  /** Shown unless false. */
  open?: boolean;
  title: string;
  submitLabel: string;
  /** The submit button's text while `busy`. */
  busyLabel: string;
  /** A request is running: both buttons are disabled. */
  busy: boolean;
  /** The submit button is disabled (nothing to send yet). */
  disabled?: boolean;
  danger?: boolean;
  wide?: boolean;
  onClose: () => void;
  /** Called on submit; the browser's own submit is prevented. */
  onSubmit: () => unknown;
  formClassName?: string;
  /** The dialog says what is wrong itself instead of the browser's checks. */
  noValidate?: boolean;
  formRef?: Ref<HTMLFormElement>;
  children: ReactNode;
}

export function FormDialog({
  open = true,
  title,
  submitLabel,
  busyLabel,
  busy,
  disabled,
  danger,
  wide,
  onClose,
  onSubmit,
  formClassName,
  noValidate,
  formRef,
  children,
}: FormDialogProps) {
  const formId = useId();
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      wide={wide}
      actions={
        <>
          <button type="button" className="button-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className={danger ? "button-danger" : undefined} disabled={busy || disabled}>
            {busy ? busyLabel : submitLabel}
          </button>
        </>
      }
    >
      <form
        id={formId}
        ref={formRef}
        className={formClassName}
        noValidate={noValidate}
        aria-busy={busy || undefined}
        onSubmit={(event) => {
          event.preventDefault();
          void onSubmit();
        }}
      >
        {children}
      </form>
    </Dialog>
  );
}
