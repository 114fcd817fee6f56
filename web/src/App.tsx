import { useEffect, useState } from "react";
import { AppShell } from "./components/AppShell";
import { ErrorNotice } from "./components/ErrorNotice";
import { LoginPage } from "./pages/LoginPage";
import { SetupPage } from "./pages/SetupPage";
import { useServices, useSignedIn } from "./lib/services";

type SetupState = "checking" | "required" | "done" | "error";

/** Signed out: the setup page on first run, else the login page. Signed in: the shell. */
export function App() {
  const { dokkerr, onSessionLost } = useServices();
  const signedIn = useSignedIn();
  const [setup, setSetup] = useState<SetupState>("checking");
  const [setupError, setSetupError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      onSessionLost((error) => {
        setNotice(`Your session has ended (${error.detail || error.title}). Sign in again.`);
      }),
    [onSessionLost],
  );

  useEffect(() => {
    if (signedIn || setup !== "checking") return;
    const controller = new AbortController();
    dokkerr.setupStatus(controller.signal).then(
      (answer) => setSetup(answer.setup_required ? "required" : "done"),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setSetupError(error);
        setSetup("error");
      },
    );
    return () => controller.abort();
  }, [dokkerr, signedIn, setup]);

  useEffect(() => {
    if (signedIn) setNotice(null);
  }, [signedIn]);

  if (signedIn) return <AppShell />;
  if (setup === "checking") {
    return (
      <main className="auth-page">
        <p role="status">Connecting to the server…</p>
      </main>
    );
  }
  if (setup === "required") return <SetupPage onComplete={() => setSetup("done")} />;
  return (
    <>
      {setup === "error" ? (
        <div className="auth-banner">
          <ErrorNotice error={setupError} prefix="Could not reach the server" />
        </div>
      ) : null}
      <LoginPage notice={notice} />
    </>
  );
}
