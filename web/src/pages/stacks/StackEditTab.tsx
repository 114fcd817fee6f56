// Editing a deployed stack in two steps: write (the file and the variables), then review the line
// diff against the deployed file and deploy. The server never shows variables' values, so the
// editor starts with their names only: what the person types is what the new version gets.
// A Git stack's file is not edited here: the tab says where it comes from, and offers to change
// that location or to switch the stack to an inline file (the file deployed now, after a question).
// A deploy's progress belongs to the page, not to this tab: the tab starts again from the version a
// deploy makes, and the progress of that deploy must stay.

import { useMemo, useState, type FormEvent } from "react";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { isApiError } from "../../lib/api";
import { useAction } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import {
  composeServiceNames,
  diffLines,
  gitFields,
  gitLocation,
  gitLocationProblems,
  gitProblemField,
  parseVariables,
  shortCommit,
  variablesTemplate,
  type GitField,
  type StackGit,
  type StackView,
} from "../../lib/stacks";
import { DeployProgress } from "./DeployProgress";
import { ComposeEditor, DiffView, GitLocationEditor, VariablesEditor } from "./StackParts";
import { composeImages, type StackProgress } from "./useStackProgress";

type Step = "write" | "review";

interface EditTabProps {
  env: string;
  stack: StackView;
  /** The page's deploy progress: deploys from this tab show theirs in it. */
  progress: StackProgress;
  /** After a deploy, with what to say about it when the page's usual words do not fit. */
  onDeployed: (view: StackView, what?: string) => void;
}

export function StackEditTab(props: EditTabProps) {
  return props.stack.git ? <GitEditTab {...props} git={props.stack.git} /> : <InlineEditTab {...props} />;
}

/** A Git stack: where its file comes from, a form to change that, and the way back to an inline file. */
function GitEditTab({ env, stack, git, progress, onDeployed }: EditTabProps & { git: StackGit }) {
  const { stacks } = useServices();
  const [editing, setEditing] = useState(false);
  const [fields, setFields] = useState(() => gitFields(git));
  const [problems, setProblems] = useState<Partial<Record<GitField, string>>>({});
  const { busy, error, run } = useAction();
  const [confirmSwitch, setConfirmSwitch] = useState(false);
  const switching = useAction();
  const serverField = gitProblemField(error);
  const errors: Partial<Record<GitField, unknown>> = serverField ? { ...problems, [serverField]: error } : problems;
  const short = git.commit ? shortCommit(git.commit) : "";

  const deploy = async (event: FormEvent) => {
    event.preventDefault();
    const found = gitLocationProblems(fields);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    // Variables and env files left out keep the deployed ones.
    // The file at the new location is not known here: its services are not counted.
    await run(async () =>
      onDeployed(await progress.track(stack.name, () => stacks.update(env, stack.name, { git: gitLocation(fields) }), { at: "edit", images: stack.images })),
    );
  };

  const switchToInline = () =>
    switching.run(async () => {
      const view = await stacks.update(env, stack.name, { compose: stack.compose, git: null });
      setConfirmSwitch(false);
      onDeployed(view, `${stack.name} now has an inline file: edit it here from now on.`);
    });

  const cancel = () => {
    setEditing(false);
    setFields(gitFields(git));
    setProblems({});
  };

  return (
    <div className="stack-form">
      <h2>Edit the stack</h2>
      <div className="notice notice-info">
        <p>
          The Compose file of <span className="mono">{stack.name}</span> comes from Git: <span className="mono">{git.path}</span> at{" "}
          <span className="mono">{git.ref}</span> of <span className="mono">{git.url}</span>
          {short ? (
            <>
              {" (commit "}
              <span className="mono">{short}</span>
              {" deployed)"}
            </>
          ) : null}
          . It is not edited here: commit a change to the repository, then use Sync from Git.
        </p>
      </div>
      {editing ? (
        <form className="stack-form" noValidate onSubmit={(e) => void deploy(e)} aria-busy={busy || undefined}>
          <h3>Edit the location</h3>
          <GitLocationEditor value={fields} onChange={setFields} errors={errors} alertField={serverField} />
          <p className="muted">The file at the new location is read and deployed; the variables and env files stay as they are.</p>
          <ErrorNotice error={serverField ? null : error} prefix="Could not deploy" />
          {busy ? (
            <p role="status" className="muted">
              Reading the file from Git and deploying: the server answers once every service is up, which can take a while.
            </p>
          ) : null}
          <div className="form-actions">
            <button type="button" className="button-secondary" disabled={busy} onClick={cancel}>
              Cancel
            </button>
            <button type="submit" disabled={busy}>
              {busy ? "Deploying…" : "Deploy from this location"}
            </button>
          </div>
        </form>
      ) : (
        <div className="form-actions stack-git-actions">
          <button type="button" className="button-secondary" onClick={() => setEditing(true)}>
            Edit the location
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => {
              switching.setError(null);
              setConfirmSwitch(true);
            }}
          >
            Switch to an inline file
          </button>
        </div>
      )}
      <DeployProgress progress={progress} at="edit" />
      <ConfirmDialog
        open={confirmSwitch}
        title={`Switch ${stack.name} to an inline file?`}
        confirmLabel="Switch to an inline file"
        busy={switching.busy}
        onConfirm={() => void switchToInline()}
        onCancel={() => setConfirmSwitch(false)}
      >
        <p>
          The file deployed now{short ? ` (commit ${short})` : ""} becomes the stack's own file, edited on this page. The server no longer reads{" "}
          <span className="mono">{git.url}</span>: Sync from Git, its own checks and the webhook stop taking new commits. The containers stay
          as they are.
        </p>
        <ErrorNotice error={switching.error} prefix="Could not switch to an inline file" />
      </ConfirmDialog>
    </div>
  );
}

/** An inline file: written here, then reviewed as a line diff before it is deployed. */
function InlineEditTab({ env, stack, progress, onDeployed }: EditTabProps) {
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
        const view = await progress.track(stack.name, () => stacks.update(env, stack.name, { compose, variables: parsed }), {
          at: "edit",
          services: composeServiceNames(compose),
          images: composeImages(compose),
        });
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
        <DeployProgress progress={progress} at="edit" />
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
      <DeployProgress progress={progress} at="edit" />
    </form>
  );
}
