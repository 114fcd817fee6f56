// Deploying a Swarm stack from a Compose file (and updating one): its name, team, the file and the
// variables the file takes. The server keeps no copy of a stack's file, so an update starts from
// an empty editor: the file sent replaces the stack's services as a whole. The server checks the
// file before anything changes; its problem names the line and key, and shows at the file.

import { useState, type FormEvent } from "react";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, TextAreaField } from "../../components/Field";
import { isApiError } from "../../lib/api";
import { useAction, useFocusInvalid, useLoad } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { parseVariables, stackNameProblem } from "../../lib/stacks";
import { servicePermissions, useSwarmApi, type SwarmStack } from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { teamOptions, TeamSelect } from "../networks/ResourceParts";
import type { SectionProps } from "./SwarmParts";

/** The server's bound on a Compose file. */
export const MAX_COMPOSE_BYTES = 256 * 1024;

export const EXAMPLE_COMPOSE = `services:
  web:
    image: nginx:1.27
    deploy:
      replicas: 2`;

/** Problems the server finds in the file: shown at the file, where the person fixes them. */
const FILE_PROBLEMS: ReadonlySet<string> = new Set(["invalid_compose"]);
/** Problems with the name: shown at the name. */
const NAME_PROBLEMS: ReadonlySet<string> = new Set(["invalid_stack_name", "swarm_stack_taken"]);

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

interface Problems {
  name?: string;
  compose?: string;
  variables?: string;
  team?: string;
}

function StackForm({ env, stack }: { env: string; stack?: SwarmStack }) {
  const swarm = useSwarmApi();
  const session = useSession();
  const teams = useTeamNames();
  const updating = !!stack;
  const admin = session.permissions?.is_admin === true;
  const options = updating ? [] : teamOptions(admin, session.teamsWith("containers:create", env), teams.teams);
  const [chosenTeam, setTeam] = useState<string | null>(null);
  // As for a service: a member with one team deploys for it; an admin may deploy for none. An
  // update stays with the stack's team, which the server would otherwise refuse as someone else's.
  const team = updating ? (stack.team ?? "") : (chosenTeam ?? (admin ? "" : (options[0]?.id ?? "")));
  const [name, setName] = useState(stack?.name ?? "");
  const [compose, setCompose] = useState("");
  const [variables, setVariables] = useState("");
  const [problems, setProblems] = useState<Problems>({});
  const { busy, error, run } = useAction();
  const focus = useFocusInvalid();
  const text = { autoComplete: "off", autoCapitalize: "off", spellCheck: false } as const;

  const code = isApiError(error) ? error.code : "";
  const fileError = FILE_PROBLEMS.has(code) ? error : null;
  const nameError = NAME_PROBLEMS.has(code) ? error : null;
  const pageError = fileError || nameError ? null : error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    const parsed = parseVariables(variables);
    const found: Problems = {};
    const badName = updating ? null : stackNameProblem(trimmed);
    if (badName) found.name = badName;
    if (!compose.trim()) found.compose = "Write the Compose file, with a services: section.";
    else if (byteLength(compose) > MAX_COMPOSE_BYTES) found.compose = `A Compose file is at most ${MAX_COMPOSE_BYTES / 1024} KiB.`;
    if ("error" in parsed) found.variables = parsed.error;
    if (!updating && !admin && !team) found.team = "Choose the team the stack is for.";
    setProblems(found);
    if (Object.keys(found).length > 0 || "error" in parsed) {
      focus.refused();
      return;
    }
    await run(async () => {
      await swarm.deployStack(env, trimmed, {
        compose,
        ...(team ? { team } : {}),
        ...(Object.keys(parsed.variables).length > 0 ? { variables: parsed.variables } : {}),
      });
      navigate("/swarm/stacks/view", { env, id: trimmed, done: updating ? "updated" : "deployed" });
    });
  };

  return (
    <form ref={focus.ref} className="swarm-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy || undefined}>
      <fieldset>
        <legend>Stack</legend>
        <Field
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={problems.name ?? nameError}
          alertError={!!nameError}
          readOnly={updating}
          hint={
            updating
              ? "A stack keeps its name."
              : "1 to 63 lowercase letters, digits, '_' and '-', starting with a letter or digit. The service web of the stack shop is named shop_web."
          }
          required
          maxLength={63}
          {...text}
        />
        {updating ? (
          <p className="muted">{team ? `The stack belongs to the team ${teams.nameOf(team)}, and stays with it.` : "The stack belongs to no team (admins only)."}</p>
        ) : (
          <div className="field">
            <TeamSelect
              options={options}
              value={team}
              onChange={setTeam}
              allowNone={admin}
              hint={admin ? "A stack without a team is seen by admins only." : "The team that owns the stack, its services and their tasks."}
            />
            {problems.team ? (
              <p className="field-error" role="alert">
                {problems.team}
              </p>
            ) : null}
            <ErrorNotice error={teams.error} prefix="Could not load the teams" />
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>Compose file</legend>
        {updating ? (
          <div className="notice notice-info swarm-stack-note">
            <p>
              The stack's file is not kept, so the editor starts empty: write the whole file again. It replaces the stack's services: each it names
              is updated in place (its tasks are replaced where they change), and those it no longer names are removed.
            </p>
          </div>
        ) : null}
        <TextAreaField
          label="Compose file"
          value={compose}
          onChange={setCompose}
          error={problems.compose ?? fileError}
          alertError={!!fileError}
          rows={16}
          className="swarm-text swarm-compose"
          placeholder={EXAMPLE_COMPOSE}
          maxLength={MAX_COMPOSE_BYTES}
          hint={
            <>
              A Compose file (YAML) with a <span className="mono">services:</span> section; <span className="mono">deploy:</span> sets replicas,
              mode, placement, rolling updates and restarts. What a Swarm task cannot have (such as <span className="mono">privileged</span>) is
              refused by name. <span className="mono">{"${NAME}"}</span> takes the value of a variable below.
            </>
          }
        />
        <TextAreaField
          className="swarm-text"
          label="Variables"
          value={variables}
          onChange={setVariables}
          error={problems.variables}
          rows={4}
          placeholder="TAG=1.27"
          maxLength={100_000}
          hint="Optional: one NAME=value a line. Their values end up in the services' specs, which whoever may read a service sees: keep passwords in secrets."
        />
      </fieldset>

      <ErrorNotice error={pageError} prefix={updating ? `Could not update the stack ${stack.name}` : "Could not deploy the stack"} />
      <p className="muted">
        {updating ? "Updating" : "Deploying"} answers once the managers have every service; their tasks start after that, which the stack's page
        follows.
      </p>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? (updating ? "Updating…" : "Deploying…") : updating ? "Update stack" : "Deploy stack"}
        </button>
      </div>
    </form>
  );
}

/** The stack being updated, found in the environment's list of stacks (which holds its team). */
function UpdateStack({ env, name }: { env: string; name: string }) {
  const swarm = useSwarmApi();
  const stacks = useLoad((signal) => swarm.stacks(env, signal), [swarm, env]);
  const stack = stacks.data?.find((s) => s.name === name);
  if (stacks.loading && !stacks.data) return <p role="status">Loading the stack…</p>;
  if (stacks.error) return <ErrorNotice error={stacks.error} prefix="Could not load the stacks" />;
  if (!stack) {
    return (
      <div className="notice notice-error" role="alert">
        <p>There is no stack named {name} in this environment (it may have been removed).</p>
      </div>
    );
  }
  return <StackForm env={env} stack={stack} />;
}

export default function DeployStackPage({ choice, env, name }: SectionProps & { name?: string }) {
  const session = useSession();
  const may = servicePermissions(session.canIn, env);
  const updating = name !== undefined;

  return (
    <>
      <h1 id="page-title">
        {updating ? (
          <>
            Update stack <span className="mono">{name}</span>
          </>
        ) : (
          "Deploy stack"
        )}
      </h1>
      <div className="toolbar">
        <EnvironmentSelect choice={choice} />
        {updating && name ? (
          <Link to="/swarm/stacks/view" query={{ env, id: name }}>
            Back to the stack
          </Link>
        ) : (
          <Link to="/swarm/stacks" query={{ env }}>
            Back to the stacks
          </Link>
        )}
      </div>
      {!may.create ? (
        <div className="notice notice-info">
          <p>
            You may not deploy stacks in this environment: that takes a team role with <span className="mono">containers:create</span> in a team
            granted it.
          </p>
        </div>
      ) : updating ? (
        name ? (
          // Another environment or stack: the form starts again.
          <UpdateStack key={`${env}/${name}`} env={env} name={name} />
        ) : (
          <p className="muted">No stack was named in the address.</p>
        )
      ) : (
        <StackForm key={env} env={env} />
      )}
    </>
  );
}
