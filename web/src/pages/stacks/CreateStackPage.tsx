// A new Compose stack: its name, team, file and variables. The file is written here or read from
// a Git repository (its URL, branch or tag, and path). The deploy answers once every service is up
// (health checks and one-shot jobs included), which can take a while: the button says so and stays
// disabled until then, and the engine's events for the stack's containers show meanwhile (kept for
// the stack's page, which opens once it is deployed). The server checks the file, whose problem names the line, and the Git
// location, whose problems are shown at the field they concern.

import { useId, useState, type FormEvent } from "react";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { isApiError } from "../../lib/api";
import { useEnvironmentChoice } from "../../lib/environments";
import { useAction } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import {
  composeServiceNames,
  gitFields,
  gitLocation,
  gitLocationProblems,
  gitProblemField,
  parseVariables,
  stackNameProblem,
  type GitField,
} from "../../lib/stacks";
import { useTeamNames } from "../../lib/teams";
import { teamOptions, TeamSelect } from "../networks/ResourceParts";
import { DeployProgress } from "./DeployProgress";
import { ComposeEditor, GitLocationEditor, VariablesEditor } from "./StackParts";
import { composeImages, useStackProgress } from "./useStackProgress";
import "./stacks.css";

export const EXAMPLE_COMPOSE = `services:
  app:
    image: busybox:latest
    command: sleep infinity
    environment:
      GREETING: \${GREETING:-hello}
`;

/** Problems the server reports about the file: shown at the file, not as a page error. */
const FILE_PROBLEMS = new Set(["invalid_compose"]);

type Source = "inline" | "git";

/** Where the file comes from: written here, or a Git repository (a radio group). */
function SourceChoice({ value, onChange }: { value: Source; onChange: (source: Source) => void }) {
  const name = useId();
  return (
    <fieldset className="stack-source">
      <legend>Source</legend>
      <label className="inline-label">
        <input type="radio" name={name} value="inline" checked={value === "inline"} onChange={() => onChange("inline")} />
        <span>Inline file</span>
      </label>
      <label className="inline-label">
        <input type="radio" name={name} value="git" checked={value === "git"} onChange={() => onChange("git")} />
        <span>Git repository</span>
      </label>
    </fieldset>
  );
}

export default function CreateStackPage({ env: requestedEnv }: { env: string }) {
  const choice = useEnvironmentChoice();
  const env = requestedEnv || choice.env;
  const session = useSession();
  const mayCreate = !!env && session.canIn("containers:create", env);

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">New stack</h1>
      <div className="toolbar">
        <EnvironmentSelect choice={{ ...choice, env }} />
        <Link to="/stacks" query={{ env }}>
          Back to the stacks
        </Link>
      </div>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      {choice.loaded.loading && !env ? <p role="status">Loading…</p> : null}
      {!env && !choice.loaded.loading ? <p className="muted">There is no environment to deploy a stack in.</p> : null}
      {env && !mayCreate ? (
        <div className="notice notice-info">
          <p>
            You may not deploy stacks in this environment: that takes a team role with <span className="mono">containers:create</span> in a team
            granted it.
          </p>
        </div>
      ) : null}
      {env && mayCreate ? <CreateStackForm key={env} env={env} /> : null}
    </section>
  );
}

function CreateStackForm({ env }: { env: string }) {
  const { stacks } = useServices();
  const session = useSession();
  const admin = session.permissions?.is_admin === true;
  const teams = useTeamNames();
  const options = teamOptions(admin, session.teamsWith("containers:create", env), teams.teams);
  const [name, setName] = useState("");
  const [chosenTeam, setTeam] = useState<string | null>(null);
  // A member with one team deploys for it; an admin may deploy for none.
  const team = chosenTeam ?? (admin ? "" : (options[0]?.id ?? ""));
  const [source, setSource] = useState<Source>("inline");
  const [compose, setCompose] = useState(EXAMPLE_COMPOSE);
  const [git, setGit] = useState(() => gitFields());
  const [variables, setVariables] = useState("");
  const [nameError, setNameError] = useState<string | null>(null);
  const [variablesError, setVariablesError] = useState<string | null>(null);
  const [teamError, setTeamError] = useState<string | null>(null);
  const [gitProblems, setGitProblems] = useState<Partial<Record<GitField, string>>>({});
  const { busy, error, run } = useAction();
  const progress = useStackProgress(env);

  const fileError = source === "inline" && isApiError(error) && FILE_PROBLEMS.has(error.code) ? error : null;
  // A problem with the Git location goes to its field (the URL, the branch or tag, the path).
  const gitField = source === "git" ? gitProblemField(error) : null;
  const gitErrors: Partial<Record<GitField, unknown>> = gitField ? { ...gitProblems, [gitField]: error } : gitProblems;
  const nameRefused = isApiError(error) && (error.code === "invalid_stack_name" || error.code === "stack_exists") ? error : null;
  const pageError = fileError || gitField || nameRefused ? null : error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    const badName = stackNameProblem(trimmed);
    const parsed = parseVariables(variables);
    setNameError(badName);
    setVariablesError("error" in parsed ? parsed.error : null);
    setTeamError(!admin && !team ? "Choose the team the stack is for." : null);
    const badGit = source === "git" ? gitLocationProblems(git) : {};
    setGitProblems(badGit);
    if (badName || "error" in parsed || (!admin && !team) || Object.keys(badGit).length > 0) return;
    await run(async () => {
      // A file read from Git is not known here: its services and images are not counted.
      const inline = source === "inline";
      const created = await progress.track(
        trimmed,
        () =>
          stacks.create(env, {
            name: trimmed,
            team: team || undefined,
            ...(source === "git" ? { git: gitLocation(git) } : { compose }),
            variables: Object.keys(parsed.variables).length > 0 ? parsed.variables : undefined,
          }),
        { services: inline ? composeServiceNames(compose) : null, images: inline ? composeImages(compose) : [] },
      );
      progress.handOver(env);
      navigate("/stacks/view", { env, name: created.name || trimmed });
    });
  };

  return (
    <form className="stack-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy || undefined}>
      <div className="form-row">
        <Field
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError ?? nameRefused}
          alertError={!!nameRefused}
          hint="Lower-case letters, digits, _ and -; it also names the containers (name-service-1)."
          required
          maxLength={63}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
        />
        <div className="field">
          <TeamSelect
            options={options}
            value={team}
            onChange={setTeam}
            allowNone={admin}
            hint={admin ? "A stack without a team is seen by admins only." : "The team that owns the stack and its containers."}
          />
          {teamError ? (
            <p className="field-error" role="alert">
              {teamError}
            </p>
          ) : null}
        </div>
      </div>
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <SourceChoice value={source} onChange={setSource} />
      {source === "inline" ? (
        <ComposeEditor value={compose} onChange={setCompose} error={fileError} />
      ) : (
        <GitLocationEditor value={git} onChange={setGit} errors={gitErrors} alertField={gitField} />
      )}
      <VariablesEditor value={variables} onChange={setVariables} error={variablesError} />
      <ErrorNotice error={pageError} prefix="Could not deploy the stack" />
      {busy ? (
        <p role="status" className="muted">
          {source === "git"
            ? "Reading the file from Git and deploying: the server answers once every service is up, which can take a while."
            : "Deploying: the server answers once every service is up, which can take a while."}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Deploying…" : "Deploy"}
        </button>
      </div>
      <DeployProgress progress={progress} level={2} />
    </form>
  );
}
