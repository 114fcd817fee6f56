import { useState, type FormEvent } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { isApiError } from "../lib/api";
import { useAction } from "../lib/hooks";
import { useDokkerr } from "../lib/services";

/**
 * First run: the one-time setup token the server printed at its first start,
 * and the first administrator's account. On success the new admin is signed in.
 */
export function SetupPage({ onComplete }: { onComplete: () => void }) {
  const dokkerr = useDokkerr();
  const [token, setToken] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, setError, run } = useAction();
  const mismatch = confirm !== "" && confirm !== password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) {
      setError(new Error("The two passwords differ."));
      return;
    }
    await run(
      async () => {
        await dokkerr.setup({ setup_token: token.trim(), username, password });
        await dokkerr.login({ username, password });
        onComplete();
      },
      (cause) => {
        if (!isApiError(cause) || cause.code !== "setup_complete") return false;
        onComplete();
        return true;
      },
    );
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up Dokkerr</h1>
        <p>
          Create the first administrator. The setup token was printed in the server's log when it first
          started.
        </p>
        <Field
          label="Setup token"
          name="setup_token"
          autoComplete="off"
          spellCheck={false}
          required
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <Field
          label="Administrator username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Field
          label="Repeat password"
          name="password_confirm"
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch || undefined}
          hint={mismatch ? "The two passwords differ." : undefined}
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create administrator"}
          </button>
        </div>
      </form>
    </main>
  );
}
