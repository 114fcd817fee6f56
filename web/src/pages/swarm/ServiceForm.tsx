// The form of a new service and of a service's edit: image, command, mode and replicas,
// environment, published ports, placement constraints, the secrets and configs its tasks read,
// and how a rolling update replaces the tasks. An edit keeps the name and the mode (the engine
// changes neither) and sends the whole spec, with what the form does not show left as it was.

import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField, TextAreaField } from "../../components/Field";
import { useFocusInvalid, useLoad } from "../../lib/hooks";
import { useSession } from "../../lib/session";
import { defaultPublishMode, useSwarmApi, type FailureAction, type FileKind, type FileReference, type ServiceMode, type ServiceSpec, type UpdateOrder } from "../../lib/swarm";
import { useTeamNames } from "../../lib/teams";
import { teamOptions, TeamSelect } from "../networks/ResourceParts";
import {
  checkServiceForm,
  emptyServiceForm,
  formOf,
  toggleReference,
  MAX_DELAY_SECONDS,
  MAX_PARALLELISM,
  MAX_REPLICAS,
  type Problems,
  type ServiceForm as FormState,
} from "./serviceForm";

const NOUN: Record<FileKind, { one: string; many: string; title: string; where: string }> = {
  secrets: { one: "secret", many: "secrets", title: "Secrets", where: "/run/secrets/NAME" },
  configs: { one: "config", many: "configs", title: "Configs", where: "/NAME" },
};

/** The secrets or configs of the environment as checkboxes; one chosen that is not listed stays, so that it can be taken away. */
function FilePicker({ env, kind, chosen, onChange }: { env: string; kind: FileKind; chosen: FileReference[]; onChange: (next: FileReference[]) => void }) {
  const swarm = useSwarmApi();
  const id = useId();
  const listed = useLoad((signal) => swarm.files(env, kind, signal), [swarm, env, kind]);
  const noun = NOUN[kind];
  const names = [...new Set([...(listed.data ?? []).map((f) => f.name), ...chosen.map((c) => c.name)])].sort((a, b) => a.localeCompare(b));
  const picked = new Map(chosen.map((c) => [c.name, c]));
  return (
    <fieldset aria-describedby={`${id}-hint`}>
      <legend>{noun.title}</legend>
      <p className="field-hint" id={`${id}-hint`}>
        Each {noun.one} chosen appears to the tasks as a file, at <span className="mono">{noun.where}</span> unless its target says otherwise.
      </p>
      {listed.loading && names.length === 0 ? <p role="status">{`Loading ${noun.many}…`}</p> : null}
      <ErrorNotice error={listed.error} prefix={`Could not load the ${noun.many}`} />
      {!listed.loading && !listed.error && names.length === 0 ? <p className="muted">No {noun.many} in this environment.</p> : null}
      {names.length > 0 ? (
        <ul className="swarm-pick">
          {names.map((name, i) => {
            // The server fills a target in as the name: only another one is worth showing.
            const target = picked.get(name)?.target;
            return (
              <li key={name}>
                <input
                  type="checkbox"
                  id={`${id}-${i}`}
                  checked={picked.has(name)}
                  onChange={(e) => onChange(toggleReference(chosen, name, e.target.checked))}
                />
                <label htmlFor={`${id}-${i}`} className="mono">
                  {name}
                </label>
                {target && target !== name ? <span className="muted small mono">{`→ ${target}`}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </fieldset>
  );
}

export function ServiceForm({
  env,
  base,
  busy,
  error,
  errorPrefix,
  submitLabel,
  busyLabel,
  onSubmit,
  note,
}: {
  env: string;
  /** The spec of the service being edited; none for a new service. */
  base?: ServiceSpec;
  busy: boolean;
  /** What the server answered the last submit. */
  error: unknown;
  errorPrefix: string;
  submitLabel: string;
  busyLabel: string;
  /** With the spec, and for a new service the team chosen ("" for none). */
  onSubmit: (spec: ServiceSpec, team: string) => Promise<unknown>;
  /** Said above the submit button. */
  note?: ReactNode;
}) {
  const editing = !!base;
  const session = useSession();
  const admin = session.permissions?.is_admin === true;
  const teams = useTeamNames();
  const options = editing ? [] : teamOptions(admin, session.teamsWith("containers:create", env), teams.teams);
  const [chosenTeam, setTeam] = useState<string | null>(null);
  // A member with one team creates for it; an admin may create for none.
  const team = chosenTeam ?? (admin ? "" : (options[0]?.id ?? ""));
  const publishMode = defaultPublishMode(admin);
  const [form, setForm] = useState<FormState>(() => (base ? formOf(base, publishMode) : emptyServiceForm()));
  const [problems, setProblems] = useState<Problems>({});
  const [teamError, setTeamError] = useState<string | null>(null);
  const focus = useFocusInvalid();
  const set = (part: Partial<FormState>) => setForm((current) => ({ ...current, ...part }));
  const text = { autoComplete: "off", autoCapitalize: "off", spellCheck: false } as const;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = checkServiceForm(form, base);
    const needsTeam = !editing && !admin && !team;
    setTeamError(needsTeam ? "Choose the team the service is for." : null);
    setProblems("problems" in checked ? checked.problems : {});
    if ("problems" in checked || needsTeam) {
      focus.refused();
      return;
    }
    await onSubmit(checked.spec, team);
  };

  const mode = base?.mode ?? form.mode;

  return (
    <form ref={focus.ref} className="swarm-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy || undefined}>
      <fieldset>
        <legend>Service</legend>
        <div className="form-row">
          <Field
            label="Name"
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            error={problems.name}
            readOnly={editing}
            hint={editing ? "A service keeps its name." : "1 to 63 letters, digits and '-', starting and ending with a letter or digit."}
            required
            maxLength={63}
            {...text}
          />
          <Field
            label="Image"
            value={form.image}
            onChange={(e) => set({ image: e.target.value })}
            error={problems.image}
            hint="The image every task runs, such as nginx:1.27."
            placeholder="nginx:1.27"
            required
            maxLength={512}
            {...text}
          />
        </div>
        <Field
          label="Command"
          value={form.command}
          onChange={(e) => set({ command: e.target.value })}
          error={problems.command}
          hint="Optional; split into words as a shell would (quotes keep blanks). Empty runs the image's own command."
          placeholder="sleep 600"
          maxLength={16_384}
          className="mono"
          {...text}
        />
        {!editing ? (
          <div className="field">
            <TeamSelect
              options={options}
              value={team}
              onChange={setTeam}
              allowNone={admin}
              hint={admin ? "A service without a team is seen by admins only." : "The team that owns the service and its tasks."}
            />
            {teamError ? (
              <p className="field-error" role="alert">
                {teamError}
              </p>
            ) : null}
            <ErrorNotice error={teams.error} prefix="Could not load the teams" />
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Scheduling</legend>
        <div className="form-row">
          <SelectField
            label="Mode"
            value={mode}
            disabled={editing}
            onChange={(e) => set({ mode: e.target.value as ServiceMode })}
            hint={
              editing
                ? "A service keeps its mode: to change it, create the service again."
                : "Replicated runs the number of tasks asked for; global runs one task on every node."
            }
          >
            <option value="replicated">Replicated</option>
            <option value="global">Global</option>
          </SelectField>
          {mode === "replicated" ? (
            <Field
              label="Replicas"
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_REPLICAS}
              value={form.replicas}
              onChange={(e) => set({ replicas: e.target.value })}
              error={problems.replicas}
              hint={`0 to ${MAX_REPLICAS} tasks.`}
            />
          ) : null}
        </div>
        <TextAreaField
          className="swarm-text"
          label="Placement constraints"
          value={form.constraints}
          onChange={(constraints) => set({ constraints })}
          error={problems.constraints}
          placeholder="node.role==manager"
          maxLength={16_384}
          hint="One a line: ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, such as node.role==worker or node.labels.zone==a. Tasks go only to nodes that meet all of them."
        />
      </fieldset>

      <fieldset>
        <legend>Environment and ports</legend>
        <TextAreaField
          className="swarm-text"
          label="Environment variables"
          value={form.env}
          onChange={(env) => set({ env })}
          error={problems.env}
          rows={4}
          placeholder="LOG_LEVEL=info"
          maxLength={100_000}
          hint="One KEY=value a line. They are part of the service's spec and shown to whoever may read it: keep passwords in secrets."
        />
        <TextAreaField
          className="swarm-text"
          label="Published ports"
          value={form.ports}
          onChange={(ports) => set({ ports })}
          error={problems.ports}
          placeholder="8080:80/tcp"
          maxLength={16_384}
          hint={
            <>
              One a line, as the Docker CLI writes them: <span className="mono">PUBLISHED:TARGET/PROTOCOL</span>, such as{" "}
              <span className="mono">8080:80/tcp</span> (port 8080 reaches port 80 of a task; tcp unless given).{" "}
              {publishMode === "ingress"
                ? "It is published through the Swarm's routing mesh, on every node; for the task's own node only, write published=8080,target=80,mode=host."
                : "It is opened on the node each task runs on (host mode), in the port range your team's policy allows."}
            </>
          }
        />
      </fieldset>

      <div className="swarm-pickers">
        <FilePicker env={env} kind="secrets" chosen={form.secrets} onChange={(secrets) => set({ secrets })} />
        <FilePicker env={env} kind="configs" chosen={form.configs} onChange={(configs) => set({ configs })} />
      </div>

      <fieldset>
        <legend>Rolling updates</legend>
        <p className="field-hint">How an edit of the service replaces its tasks.</p>
        <div className="form-row">
          <Field
            label="Parallelism"
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_PARALLELISM}
            value={form.parallelism}
            onChange={(e) => set({ parallelism: e.target.value })}
            error={problems.parallelism}
            hint="Tasks replaced at a time; 0 replaces all at once."
          />
          <Field
            label="Delay (seconds)"
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_DELAY_SECONDS}
            value={form.delay}
            onChange={(e) => set({ delay: e.target.value })}
            error={problems.delay}
            hint="The wait between one group of tasks and the next."
          />
        </div>
        <div className="form-row">
          <SelectField
            label="Order"
            value={form.order}
            onChange={(e) => set({ order: e.target.value as UpdateOrder })}
            hint="Start-first runs the new task before stopping the old one (briefly one more task)."
          >
            <option value="stop-first">Stop first</option>
            <option value="start-first">Start first</option>
          </SelectField>
          <SelectField
            label="On failure"
            value={form.failureAction}
            onChange={(e) => set({ failureAction: e.target.value as FailureAction })}
            hint="What happens when a new task fails to start."
          >
            <option value="pause">Pause the update</option>
            <option value="continue">Continue</option>
            <option value="rollback">Roll back</option>
          </SelectField>
        </div>
      </fieldset>

      <ErrorNotice error={error} prefix={errorPrefix} />
      {note}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
      </div>
    </form>
  );
}
