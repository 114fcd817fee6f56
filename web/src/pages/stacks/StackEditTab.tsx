// Editing a deployed stack in two steps: write (the file and the variables), then review the line
// diff against the deployed file and deploy. The server never shows variables' values, so the
// editor starts with their names only: what the person types is what the new version gets.

import { useMemo, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { isApiError } from "../../lib/api";
import { useAction } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { diffLines, parseVariables, variablesTemplate, type StackView } from "../../lib/stacks";
import { ComposeEditor, DiffView, VariablesEditor } from "./StackParts";

type Step = "write" | "review";

export function StackEditTab({ env, stack, onDeployed }: { env: string; stack: StackView; onDeployed: (view: StackView) => void }) {
  const { stacks } = useServices();
  const [step, setStep] = useState<Step>("write");
  const [compose, setCompose] = useState(stack.compose);
  const [variables, setVariables] = useState(variablesTemplate(stack.variables));
  const [variablesError, setVariablesError] = useState<string | null>(null);
  const [parsed, setParsed] = useState<Record<string, string>>({});
  const { busy, error, run } = useAction();
  const diff = useMemo(() => (step === "review" ? diffLines(stack.compose, compose) : []), [step, stack.compose, compose]);
  const fileError = isApiError(error) && error.code === "invalid_compose" ? error : null;

  const review = () => {
    const result = parseVariables(variables);
    if ("error" in result) {
      setVariablesError(result.error);
      return;
    }
    setVariablesError(null);
    setParsed(result.variables);
    setStep("review");
  };

  const deploy = () =>
    run(
      async () => {
        const view = await stacks.update(env, stack.name, { compose, variables: parsed });
        onDeployed(view);
      },
      (cause) => {
        // A file the server refused goes back to the editor, with the problem at the file.
        if (isApiError(cause) && cause.code === "invalid_compose") setStep("write");
      },
    );

  if (step === "review") {
    const names = Object.keys(parsed);
    return (
      <div className="stack-form">
        <h2>Review the changes</h2>
        <DiffView diff={diff} label={`Changes to the compose file of ${stack.name}`} />
        <p>
          {names.length === 0 ? (
            "The new version has no variables."
          ) : (
            <>
              Variables sent: <span className="mono">{names.join(", ")}</span>
            </>
          )}
        </p>
        <ErrorNotice error={error} prefix="Could not deploy" />
        {busy ? (
          <p role="status" className="muted">
            Deploying: the server answers once every service is up, which can take a while.
          </p>
        ) : null}
        <div className="form-actions">
          <button type="button" className="button-secondary" disabled={busy} onClick={() => setStep("write")}>
            Back to editing
          </button>
          <button type="button" disabled={busy} onClick={() => void deploy()}>
            {busy ? "Deploying…" : "Deploy"}
          </button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="stack-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        review();
      }}
    >
      <h2>Edit the stack</h2>
      <ComposeEditor value={compose} onChange={setCompose} error={fileError} />
      <VariablesEditor
        value={variables}
        onChange={setVariables}
        error={variablesError}
        hint={
          stack.variables.length > 0
            ? "One NAME=value a line. The server never shows the values: enter each one again; the new version gets exactly what is written here (a name left without a value gets an empty one)."
            : undefined
        }
      />
      {stack.env_files.length > 0 ? (
        <div className="notice notice-info">
          <p>
            This stack has env files (<span className="mono">{stack.env_files.join(", ")}</span>) that this form does not edit: a new version deployed
            from here keeps them as they are.
          </p>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit">Review changes</button>
      </div>
    </form>
  );
}
