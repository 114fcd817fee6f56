import { useRef, useState, useEffect, type FormEvent } from "react";
import { ErrorNotice, InfoNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { isApiError } from "../lib/api";
import { useAction } from "../lib/hooks";
import { useDokkerr } from "../lib/services";

type Step = "password" | "mfa";

/**
 * Sign-in: username and password, then — when the server answers
 * `mfa_required` — a second step asking for the TOTP code (or a recovery code).
 */
export function LoginPage({ notice }: { notice?: string | null }) {
  const dokkerr = useDokkerr();
  const [step, setStep] = useState<Step>("password");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const { busy, error, setError, run } = useAction();
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (step === "mfa") codeRef.current?.focus();
  }, [step, useRecovery]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(
      async () => {
        const trimmed = code.trim();
        await dokkerr.login({
          username,
          password,
          ...(step === "mfa" ? (useRecovery ? { recovery_code: trimmed } : { totp_code: trimmed.replace(/\s+/g, "") }) : {}),
        });
        // Signed in: the app switches to the shell; forget the password now.
        setPassword("");
        setCode("");
      },
      (cause) => {
        setCode("");
        // The second step is not a failure: it asks for the code.
        if (isApiError(cause) && cause.code === "mfa_required") {
          setStep("mfa");
          return true;
        }
        if (isApiError(cause) && cause.code === "invalid_credentials") setStep("password");
        return false;
      },
    );
  };

  const back = () => {
    setStep("password");
    setCode("");
    setPassword("");
    setError(null);
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Dokkerr</h1>
        <InfoNotice>{notice}</InfoNotice>
        {step === "password" ? (
          <>
            <Field
              label="Username"
              name="username"
              autoComplete="username"
              required
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </>
        ) : (
          <>
            <p>
              Two-factor authentication is on for <strong>{username}</strong>.{" "}
              {useRecovery ? "Enter one of your recovery codes." : "Enter the 6-digit code from your authenticator app."}
            </p>
            <div className="field">
              <label htmlFor="login-code">{useRecovery ? "Recovery code" : "Authentication code"}</label>
              <input
                id="login-code"
                ref={codeRef}
                name={useRecovery ? "recovery_code" : "totp_code"}
                autoComplete="one-time-code"
                inputMode={useRecovery ? "text" : "numeric"}
                pattern={useRecovery ? undefined : "[0-9 ]{6,8}"}
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            </div>
            <button type="button" className="link-button" onClick={() => setUseRecovery((v) => !v)}>
              {useRecovery ? "Use an authenticator code instead" : "Use a recovery code instead"}
            </button>
          </>
        )}
        <ErrorNotice error={error} />
        <div className="form-actions">
          {step === "mfa" ? (
            <button type="button" className="button-secondary" onClick={back} disabled={busy}>
              Back
            </button>
          ) : null}
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : step === "mfa" ? "Verify" : "Sign in"}
          </button>
        </div>
      </form>
    </main>
  );
}
