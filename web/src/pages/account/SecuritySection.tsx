// The account's password and its second factor (TOTP): enrolment with a QR code, the recovery
// codes shown once, and turning it off. Secrets live in component state only while their dialog
// or form is open.

import { lazy, Suspense, useEffect, useState, type FormEvent } from "react";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { ApiError } from "../../lib/api";
import type { TotpEnrolment } from "../../lib/account";
import type { User } from "../../lib/dokkerr";
import { useAction, useFocusInvalid } from "../../lib/hooks";
import { saveBlob } from "../../lib/platform";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import "./AccountPage.css";

// The QR generator comes with the setup dialog only.
const TotpQr = lazy(() => import("./TotpQr").then((m) => ({ default: m.TotpQr })));

type PasswordField = "current" | "next" | "repeat";

/** Which field a refusal of POST /api/v1/me/password belongs to. */
const FIELD_OF_CODE: Record<string, PasswordField> = {
  invalid_current_password: "current",
  password_too_short: "next",
  password_too_long: "next",
  common_password: "next",
};

function PasswordForm() {
  const { account } = useServices();
  const [values, setValues] = useState<Record<PasswordField, string>>({ current: "", next: "", repeat: "" });
  const [problems, setProblems] = useState<Partial<Record<PasswordField, string>>>({});
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState(false);
  const focus = useFocusInvalid();

  const set = (key: PasswordField) => (value: string) => {
    setValues((current) => ({ ...current, [key]: value }));
    setProblems((current) => ({ ...current, [key]: undefined }));
  };

  const refuse = (next: Partial<Record<PasswordField, string>>) => {
    setProblems(next);
    focus.refused();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (!values.current) return refuse({ current: "Enter your current password." });
    if (!values.next) return refuse({ next: "Enter a new password." });
    if (values.next !== values.repeat) return refuse({ repeat: "The two new passwords differ." });
    await run(
      async () => {
        await account.changePassword(values.current, values.next);
        setValues({ current: "", next: "", repeat: "" });
        setProblems({});
        setDone(true);
      },
      (cause) => {
        // A problem with one field is shown by that field instead.
        const field = cause instanceof ApiError ? FIELD_OF_CODE[cause.code] : undefined;
        if (!field || !(cause instanceof ApiError)) return false;
        refuse({ [field]: `${cause.detail || cause.title} (${cause.code})` });
        return true;
      },
    );
  };

  return (
    <form ref={focus.ref} className="account-form" onSubmit={submit} aria-labelledby="password-heading" noValidate>
      <h2 id="password-heading">Password</h2>
      <p className="muted">Changing your password signs out all your other sessions; this one stays signed in.</p>
      <Field
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={values.current}
        onChange={(e) => set("current")(e.target.value)}
        error={problems.current}
      />
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        value={values.next}
        onChange={(e) => set("next")(e.target.value)}
        maxLength={1024}
        error={problems.next}
        // The problem takes the hint's place.
        hint={problems.next ? undefined : "At least 12 characters, and not a commonly used password."}
      />
      <Field
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        value={values.repeat}
        onChange={(e) => set("repeat")(e.target.value)}
        maxLength={1024}
        error={problems.repeat}
      />
      <ErrorNotice error={error} prefix="Could not change the password" />
      <InfoNotice>{done ? "Password changed. Your other sessions were signed out." : null}</InfoNotice>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Changing…" : "Change password"}
        </button>
      </div>
    </form>
  );
}

type Enrolment = { phase: "scan"; enrolment: TotpEnrolment } | { phase: "codes"; codes: string[] };

function RecoveryCodes({ codes }: { codes: string[] }) {
  const [copyState, setCopyState] = useState("");
  const text = `${codes.join("\n")}\n`;
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setCopyState("Copied.");
    } catch {
      setCopyState("Copying is not available here; select the codes and copy them.");
    }
  };
  return (
    <>
      <p className="notice notice-error">
        <strong>Save these recovery codes now: they will not be shown again.</strong> Each one signs you in once in place of an
        authenticator code, should you lose your device.
      </p>
      <ol className="recovery-codes mono" aria-label="Recovery codes">
        {codes.map((code, i) => (
          <li key={i}>{code}</li>
        ))}
      </ol>
      <div className="row-actions">
        <button type="button" className="button-secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button
          type="button"
          className="button-secondary"
          onClick={() => saveBlob(new Blob([text], { type: "text/plain" }), "dokkerr-recovery-codes.txt")}
        >
          Download
        </button>
        <span role="status" className="muted small">
          {copyState}
        </span>
      </div>
    </>
  );
}

function EnrolDialog({ state, onConfirmed, onClose }: { state: Enrolment | null; onConfirmed: (codes: string[]) => void; onClose: () => void }) {
  const { account } = useServices();
  const [code, setCode] = useState("");
  const { busy, error, setError, run } = useAction();

  // A new enrolment starts with an empty code field.
  useEffect(() => {
    setCode("");
    setError(null);
  }, [state?.phase]);

  const confirm = async () => {
    const digits = code.replace(/\s+/g, "");
    if (!digits) return;
    await run(async () => {
      const answer = await account.confirmTotp(digits);
      setCode("");
      onConfirmed(answer.recovery_codes ?? []);
    });
  };

  if (state?.phase === "codes") {
    return (
      <Dialog
        open
        title="Your recovery codes"
        onClose={onClose}
        actions={
          <button type="button" onClick={onClose}>
            I have saved them
          </button>
        }
      >
        <RecoveryCodes codes={state.codes} />
      </Dialog>
    );
  }
  return (
    <FormDialog
      open={state !== null}
      title="Set up two-factor sign-in"
      submitLabel="Turn on"
      busyLabel="Checking…"
      busy={busy}
      disabled={!code.trim()}
      onClose={onClose}
      onSubmit={confirm}
      formClassName="account-form"
    >
      {state ? (
        <>
          <p>Scan this code with an authenticator app, then enter the 6-digit code it shows.</p>
          <Suspense fallback={<p role="status">Drawing the QR code…</p>}>
            <TotpQr value={state.enrolment.otpauth_uri} label="QR code for your authenticator app" />
          </Suspense>
          <p className="small">
            Or enter this key by hand: <span className="mono totp-secret">{state.enrolment.secret}</span>
          </p>
          <Field
            label="Code from the app"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            aria-invalid={error instanceof ApiError && error.code === "invalid_mfa_code" ? true : undefined}
          />
          <ErrorNotice error={error} prefix="Could not turn two-factor sign-in on" />
        </>
      ) : null}
    </FormDialog>
  );
}

function DisableForm({ onDisabled }: { onDisabled: () => void }) {
  const { account } = useServices();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const { busy, error, run } = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(
      async () => {
        await account.disableTotp(password, code.replace(/\s+/g, ""));
        setPassword("");
        setCode("");
        onDisabled();
      },
      () => setCode(""),
    );
  };

  return (
    <form className="account-form" onSubmit={submit} aria-label="Turn off two-factor sign-in">
      <p className="muted">Turning it off needs your password and a current code; your other sessions are signed out.</p>
      <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <Field
        label="Authenticator code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={12}
        required
      />
      <ErrorNotice error={error} prefix="Could not turn two-factor sign-in off" />
      <div className="form-actions">
        <button type="submit" className="button-danger" disabled={busy || !password || !code.trim()}>
          {busy ? "Turning off…" : "Turn off"}
        </button>
      </div>
    </form>
  );
}

function TwoFactor({ user }: { user: User }) {
  const { account } = useServices();
  const session = useSession();
  const [enabled, setEnabled] = useState(!!user.mfa_enabled);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const { busy: starting, error, run } = useAction();
  const [notice, setNotice] = useState("");

  useEffect(() => setEnabled(!!user.mfa_enabled), [user.mfa_enabled]);

  const start = async () => {
    setNotice("");
    await run(async () => setEnrolment({ phase: "scan", enrolment: await account.enrolTotp() }));
  };

  const confirmed = (codes: string[]) => {
    setEnabled(true);
    setEnrolment({ phase: "codes", codes });
    setNotice("Two-factor sign-in is on.");
    session.reload();
  };

  return (
    <section className="account-form" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-factor sign-in</h2>
      <p>
        Status: <strong>{enabled ? "on" : "off"}</strong>
      </p>
      <InfoNotice>{notice}</InfoNotice>
      <ErrorNotice error={error} prefix="Could not start the setup" />
      {enabled ? (
        <DisableForm
          onDisabled={() => {
            setEnabled(false);
            setNotice("Two-factor sign-in is off. Your other sessions were signed out.");
            session.reload();
          }}
        />
      ) : (
        <>
          <p className="muted">Sign-in then asks for a code from an authenticator app as well as your password.</p>
          <div>
            <button type="button" onClick={() => void start()} disabled={starting}>
              {starting ? "Starting…" : "Set up"}
            </button>
          </div>
        </>
      )}
      {/* Closing forgets the secret and the recovery codes. */}
      <EnrolDialog state={enrolment} onConfirmed={confirmed} onClose={() => setEnrolment(null)} />
    </section>
  );
}

export function SecuritySection({ user }: { user: User }) {
  return (
    <div className="account-sections">
      {user.auth_source === "oidc" ? (
        <section className="account-form" aria-labelledby="password-heading">
          <h2 id="password-heading">Password</h2>
          <p className="muted">This account signs in through single sign-on; its password is kept by the identity provider.</p>
        </section>
      ) : (
        <PasswordForm />
      )}
      <TwoFactor user={user} />
    </div>
  );
}
