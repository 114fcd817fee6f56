// The create form: Docker's own create body (API 1.41 names) built from form fields, checked
// against the team policy before sending (the server checks again and has the last word), then
// pull (with live progress) → create (idempotent) → start → the container's page.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { PullProgress } from "../../components/PullProgress";
import type { ContainerPolicy } from "../../lib/containers";
import { useEnvironmentChoice } from "../../lib/environments";
import { useFocusInvalid, useLoad } from "../../lib/hooks";
import { initialPull, pullImage, type PullState } from "../../lib/pull";
import { Link, navigate } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { MAX_COMMAND_LENGTH } from "./command";
import {
  BUILTIN_NETWORKS,
  buildCreateBody,
  effectivePolicy,
  emptyForm,
  errorKey,
  HOST_BINDS_DENIED,
  HOST_NETWORK_DENIED,
  policyNotes,
  RESERVED_LABEL_PREFIX,
  validateForm,
  type CreateForm,
  type FieldErrors,
  type KeyValueRow,
  type MountRow,
  type PortRow,
  type PullMode,
  type RestartName,
} from "./createForm";
import "./containers.css";

/** A UUID for Idempotency-Key; crypto.randomUUID exists only on secure (HTTPS) pages. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type StepState = "running" | "done" | "failed";
interface Step {
  id: "check" | "pull" | "create" | "start";
  label: string;
  state: StepState;
}

interface Failure {
  prefix: string;
  error: unknown;
  /** Set when the container exists though a later step failed. */
  createdId?: string;
}

const MAX_ROWS = 100;

export default function CreateContainerPage({ env: requestedEnv }: { env: string }) {
  const choice = useEnvironmentChoice();
  const env = requestedEnv || choice.env;
  const { containers, api } = useServices();
  const session = useSession();
  const isAdmin = session.permissions?.is_admin === true;
  const mayCreate = !!env && session.canIn("containers:create", env);

  if (choice.loaded.loading && !env) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">New container</h1>
        <p role="status">Loading…</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">New container</h1>
      <div className="toolbar">
        <EnvironmentSelect choice={{ ...choice, env }} />
        <Link to="/containers" query={{ env }}>
          Back to the containers
        </Link>
      </div>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      {!env && !choice.loaded.loading ? <p className="muted">There is no environment to create a container in.</p> : null}
      {env && !mayCreate ? (
        <div className="notice notice-info">
          <p>
            You may not create containers in this environment: that takes a team role with <span className="mono">containers:create</span>{" "}
            (developer or admin) in a team granted it.
          </p>
        </div>
      ) : null}
      {env && mayCreate ? (
        <CreateFormView key={env} env={env} isAdmin={isAdmin} teamIds={session.teamsWith("containers:create", env)} containers={containers} api={api} />
      ) : null}
    </section>
  );
}

function CreateFormView({
  env,
  isAdmin,
  teamIds,
  containers,
  api,
}: {
  env: string;
  isAdmin: boolean;
  teamIds: string[];
  containers: ReturnType<typeof useServices>["containers"];
  api: ReturnType<typeof useServices>["api"];
}) {
  const teams = useLoad((signal) => containers.teams(signal), [containers]);
  const volumes = useLoad((signal) => containers.volumes(env, signal), [containers, env]);
  const networks = useLoad((signal) => containers.networks(env, signal), [containers, env]);

  const teamKey = teamIds.join("\u0000");
  const [form, setForm] = useState<CreateForm>(() => emptyForm(!isAdmin && teamIds.length === 1 ? teamIds[0]! : ""));
  // A non-admin's choice stays among the teams that may create here.
  useEffect(() => {
    if (isAdmin) return;
    setForm((f) => (teamIds.includes(f.team) ? f : { ...f, team: teamIds.length === 1 ? teamIds[0]! : "" }));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- teamKey stands for teamIds
  }, [teamKey, isAdmin]);

  const policy = useLoad<ContainerPolicy | null>(
    (signal) => (isAdmin || !form.team ? Promise.resolve(null) : containers.teamPolicy(form.team, signal)),
    [containers, isAdmin, form.team],
  );
  const limits = policy.data && !isAdmin ? effectivePolicy(policy.data) : null;

  const nextRowId = useRef(1);
  const rowId = () => nextRowId.current++;

  const [showErrors, setShowErrors] = useState(false);
  const ctx = { isAdmin, policy: policy.data ?? null, teamRequired: !isAdmin && teamIds.length > 1 };
  const errors: FieldErrors = showErrors ? validateForm(form, ctx) : {};
  const focus = useFocusInvalid();

  const [busy, setBusy] = useState(false);
  const [steps, setSteps] = useState<Step[]>([]);
  const [pull, setPull] = useState<PullState | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  // One key per distinct request: a retry of the same submission replays the first answer.
  const idempotency = useRef<{ request: string; key: string } | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  useEffect(() => () => abortRef.current?.abort(), []);

  const set = <K extends keyof CreateForm>(key: K, value: CreateForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const updateRow = <K extends "env" | "labels" | "ports" | "mounts">(list: K, id: number, patch: Partial<CreateForm[K][number]>) =>
    setForm((f) => ({ ...f, [list]: (f[list] as Array<{ id: number }>).map((row) => (row.id === id ? { ...row, ...patch } : row)) }));
  const removeRow = (list: "env" | "labels" | "ports" | "mounts", id: number) =>
    setForm((f) => ({ ...f, [list]: (f[list] as Array<{ id: number }>).filter((row) => row.id !== id) }));

  const setStep = (id: Step["id"], label: string, state: StepState) =>
    setSteps((list) => (list.some((s) => s.id === id) ? list.map((s) => (s.id === id ? { id, label, state } : s)) : [...list, { id, label, state }]));

  const teamName = (id: string) => teams.data?.find((t) => t.id === id)?.name ?? id;
  const teamOptions = isAdmin ? (teams.data ?? []).map((t) => t.id) : teamIds;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const found = validateForm(form, ctx);
    setShowErrors(true);
    if (Object.keys(found).length > 0) {
      focus.refused();
      return;
    }
    const body = buildCreateBody(form);
    const name = form.name.trim();
    const team = form.team;
    const image = body.Image;
    const request = JSON.stringify([env, name, team, body]);
    if (idempotency.current?.request !== request) idempotency.current = { request, key: newIdempotencyKey() };
    const key = idempotency.current.key;

    abortRef.current?.abort();
    const controller = new AbortController();
    abortRef.current = controller;
    const signal = controller.signal;
    setBusy(true);
    setFailure(null);
    setSteps([]);
    setPull(null);
    let createdId: string | undefined;
    let step: Step["id"] = "check";
    try {
      // 1. The image: pulled here rather than by the server so its progress can be shown.
      let needPull = form.pull === "always";
      if (form.pull === "missing") {
        setStep("check", `Looking for ${image} in ${env}`, "running");
        needPull = !(await containers.hasImage(env, image, signal));
        setStep("check", needPull ? `${image} is not in ${env} yet` : `${image} is already in ${env}`, "done");
      }
      if (needPull) {
        step = "pull";
        setStep("pull", `Pulling ${image}`, "running");
        setPull(initialPull(image));
        const final = await pullImage(api, env, image, { signal, onState: (state) => setPull(state) });
        if (final.phase !== "done") {
          setStep("pull", `Pulling ${image}`, "failed");
          setFailure({ prefix: `Could not pull ${image}; nothing was created`, error: new Error(final.error ?? "The pull failed.") });
          return;
        }
        setStep("pull", `Pulled ${image}`, "done");
      }

      // 2. Create.
      step = "create";
      setStep("create", "Creating the container", "running");
      const created = await containers.create(env, body, { name, team, idempotencyKey: key, signal });
      createdId = created.Id;
      setStep("create", `Created ${created.Id.slice(0, 12)}`, "done");

      // 3. Start.
      if (form.start) {
        step = "start";
        setStep("start", "Starting it", "running");
        await containers.act(env, created.Id, "start");
        setStep("start", "Started", "done");
      }
      navigate("/containers/view", { env, id: created.Id });
    } catch (error) {
      if (signal.aborted) return;
      const what = { check: `Could not look for ${image}`, pull: `Could not pull ${image}`, create: "Could not create the container", start: "The container was created but could not be started" }[step];
      setSteps((list) => list.map((s) => (s.id === step ? { ...s, state: "failed" } : s)));
      setFailure({ prefix: what, error, createdId });
    } finally {
      if (!signal.aborted) setBusy(false);
    }
  };

  const volumeNames = (volumes.data ?? []).map((v) => v.Name);
  const networkList = (networks.data ?? []).filter((n) => isAdmin || n.Name !== "bridge");
  const hostPathsAllowed = isAdmin || (limits?.allowHostBinds ?? false);
  const datalistId = `volumes-${env}`;

  return (
    <form ref={focus.ref} className="create-form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      <fieldset>
        <legend>Image</legend>
        <div className="form-grid">
          <Field
            label="Image"
            value={form.image}
            onChange={(e) => set("image", e.target.value)}
            error={errors.image}
            hint="A reference such as nginx:1.27 or registry.example.com/team/app:2."
            required
            autoComplete="off"
            spellCheck={false}
            maxLength={512}
          />
          <SelectField label="Pull image" value={form.pull} onChange={(e) => set("pull", e.target.value as PullMode)}>
            <option value="missing">When missing</option>
            <option value="always">Always</option>
            <option value="never">Never</option>
          </SelectField>
          <Field
            label="Name"
            value={form.name}
            onChange={(e) => set("name", e.target.value)}
            error={errors.name}
            hint="Optional; the engine makes one up when empty."
            autoComplete="off"
            spellCheck={false}
            maxLength={255}
          />
          <SelectField
            label="Team"
            value={form.team}
            onChange={(e) => set("team", e.target.value)}
            error={errors.team}
            hint={isAdmin ? "Platform admins may create for any team, or for none." : "The team that will own the container."}
          >
            {isAdmin ? <option value="">No team</option> : teamOptions.length !== 1 ? <option value="">Choose a team…</option> : null}
            {teamOptions.map((id) => (
              <option key={id} value={id}>
                {teamName(id)}
              </option>
            ))}
          </SelectField>
        </div>
        <ErrorNotice error={teams.error} prefix="Could not load the team names" />
        {!isAdmin && form.team ? (
          policy.error ? (
            <ErrorNotice error={policy.error} prefix="Could not load the team policy (the server still applies it)" />
          ) : policy.data ? (
            <div className="notice notice-info policy-notes">
              <p>The team policy of {teamName(form.team)} applies to this container:</p>
              <ul>
                {policyNotes(policy.data).map((note) => (
                  <li key={note}>{note}</li>
                ))}
              </ul>
            </div>
          ) : null
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Command</legend>
        <Field
          label="Command"
          value={form.command}
          onChange={(e) => set("command", e.target.value)}
          error={errors.command}
          hint="Optional; replaces the image's command. Split like a shell: quotes and backslashes work, variables and globs are not expanded."
          autoComplete="off"
          spellCheck={false}
          maxLength={MAX_COMMAND_LENGTH}
          className="mono"
        />
      </fieldset>

      <KeyValueRows
        legend="Environment variables"
        noun="Variable"
        rows={form.env}
        errorFor={(id, field) => errors[errorKey.env(id, field)]}
        onAdd={() => set("env", [...form.env, { id: rowId(), key: "", value: "" }])}
        onChange={(id, patch) => updateRow("env", id, patch)}
        onRemove={(id) => removeRow("env", id)}
      />

      <fieldset>
        <legend>Ports</legend>
        {limits ? (
          <p className="field-hint">
            The team policy allows host ports {limits.minHostPort}–{limits.maxHostPort} on {limits.allowedHostIps.join(", ") || "no address"}.
          </p>
        ) : null}
        <ul className="rows">
          {form.ports.map((row, i) => (
            <PortRowView key={row.id} row={row} n={i + 1} errors={errors} onChange={(patch) => updateRow("ports", row.id, patch)} onRemove={() => removeRow("ports", row.id)} />
          ))}
        </ul>
        <div>
          <button
            type="button"
            className="button-secondary"
            disabled={form.ports.length >= MAX_ROWS}
            onClick={() => set("ports", [...form.ports, { id: rowId(), containerPort: "", protocol: "tcp", hostIp: "", hostPort: "" }])}
          >
            Add port
          </button>
        </div>
      </fieldset>

      <fieldset>
        <legend>Volumes</legend>
        {!hostPathsAllowed ? <p className="field-hint">{HOST_BINDS_DENIED}</p> : null}
        <ErrorNotice error={volumes.error} prefix="Could not load the volumes (a name can still be typed)" />
        <datalist id={datalistId}>
          {volumeNames.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <ul className="rows">
          {form.mounts.map((row, i) => (
            <MountRowView
              key={row.id}
              row={row}
              n={i + 1}
              errors={errors}
              hostPathsAllowed={hostPathsAllowed}
              datalistId={datalistId}
              onChange={(patch) => updateRow("mounts", row.id, patch)}
              onRemove={() => removeRow("mounts", row.id)}
            />
          ))}
        </ul>
        <div>
          <button
            type="button"
            className="button-secondary"
            disabled={form.mounts.length >= MAX_ROWS}
            onClick={() => set("mounts", [...form.mounts, { id: rowId(), kind: "volume", source: "", target: "", readOnly: false }])}
          >
            Add volume
          </button>
        </div>
      </fieldset>

      <fieldset>
        <legend>Network and restart</legend>
        <div className="form-grid">
          <SelectField
            label="Network"
            value={form.network}
            onChange={(e) => set("network", e.target.value)}
            error={errors.network}
            hint={networks.error ? "The networks could not be loaded." : undefined}
          >
            <option value="">{isAdmin ? "Engine default (bridge)" : "The team's network (default)"}</option>
            {networkList.map((n) => {
              const hostDenied = !isAdmin && n.Name === "host" && !(limits?.allowHostNamespaces ?? false);
              return (
                <option key={n.Id || n.Name} value={n.Name} disabled={hostDenied}>
                  {n.Name}
                  {n.Driver && !(BUILTIN_NETWORKS as ReadonlyArray<string>).includes(n.Name) ? ` (${n.Driver})` : ""}
                  {hostDenied ? ` — ${HOST_NETWORK_DENIED}` : ""}
                </option>
              );
            })}
          </SelectField>
          <SelectField label="Restart policy" value={form.restart} onChange={(e) => set("restart", e.target.value as RestartName)}>
            <option value="no">Never (no)</option>
            <option value="always">Always</option>
            <option value="unless-stopped">Unless stopped</option>
            <option value="on-failure">On failure</option>
          </SelectField>
          {form.restart === "on-failure" ? (
            <Field
              label="Maximum retries"
              value={form.maxRetries}
              onChange={(e) => set("maxRetries", e.target.value)}
              error={errors.maxRetries}
              hint="Empty or 0: no limit."
              inputMode="numeric"
              maxLength={16}
            />
          ) : null}
        </div>
      </fieldset>

      <fieldset>
        <legend>Limits</legend>
        <div className="form-grid">
          <Field
            label="Memory limit (MiB)"
            value={form.memoryMiB}
            onChange={(e) => set("memoryMiB", e.target.value)}
            error={errors.memory}
            hint={limits && limits.maxTotalMemoryBytes > 0 ? "Required by the team policy." : "Optional; empty means no limit."}
            inputMode="decimal"
            maxLength={26}
            required={!!limits && limits.maxTotalMemoryBytes > 0}
          />
          <Field
            label="CPU limit (cores)"
            value={form.cpus}
            onChange={(e) => set("cpus", e.target.value)}
            error={errors.cpus}
            hint={limits && limits.maxTotalNanoCpus > 0 ? "Required by the team policy. 0.5 is half a core." : "Optional; 0.5 is half a core."}
            inputMode="decimal"
            maxLength={26}
            required={!!limits && limits.maxTotalNanoCpus > 0}
          />
        </div>
      </fieldset>

      <KeyValueRows
        legend="Labels"
        noun="Label"
        hint={`Keys starting with ${RESERVED_LABEL_PREFIX} are reserved for Dokkerr.`}
        rows={form.labels}
        errorFor={(id, field) => errors[errorKey.label(id, field)]}
        onAdd={() => set("labels", [...form.labels, { id: rowId(), key: "", value: "" }])}
        onChange={(id, patch) => updateRow("labels", id, patch)}
        onRemove={(id) => removeRow("labels", id)}
      />

      <label className="check">
        <input type="checkbox" checked={form.start} onChange={(e) => set("start", e.target.checked)} />
        <span>Start after creating</span>
      </label>

      {showErrors && Object.keys(errors).length > 0 ? (
        <p className="error-text" role="alert">
          Some fields need attention: {Object.keys(errors).length === 1 ? "one problem" : `${Object.keys(errors).length} problems`} (marked above).
        </p>
      ) : null}

      {steps.length > 0 ? (
        <div className="panel" aria-live="polite">
          <h2>Progress</h2>
          <ol className="steps">
            {steps.map((s) => (
              <li key={s.id} className={`step-${s.state}`}>
                {s.label}
                {s.state === "failed" ? " — failed" : ""}
              </li>
            ))}
          </ol>
          {pull ? <PullProgress state={pull} /> : null}
        </div>
      ) : null}
      {failure ? (
        <>
          <ErrorNotice error={failure.error} prefix={failure.prefix} />
          {failure.createdId ? (
            <p>
              <Link to="/containers/view" query={{ env, id: failure.createdId }}>
                Open the created container
              </Link>
            </p>
          ) : null}
        </>
      ) : null}

      <div className="form-actions">
        <Link to="/containers" query={{ env }}>
          Cancel
        </Link>
        <button type="submit" disabled={busy}>
          {busy ? "Working…" : form.start ? "Create and start" : "Create"}
        </button>
      </div>
      {busy ? (
        <p role="status" className="muted small">
          Working…
        </p>
      ) : null}
    </form>
  );
}

function KeyValueRows({
  legend,
  noun,
  hint,
  rows,
  errorFor,
  onAdd,
  onChange,
  onRemove,
}: {
  legend: string;
  noun: string;
  hint?: string;
  rows: KeyValueRow[];
  errorFor: (id: number, field: "key" | "value") => string | undefined;
  onAdd: () => void;
  onChange: (id: number, patch: Partial<KeyValueRow>) => void;
  onRemove: (id: number) => void;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {hint ? <p className="field-hint">{hint}</p> : null}
      <ul className="rows">
        {rows.map((row, i) => (
          <li key={row.id} className="row-item">
            <Field
              frameClassName="row-field"
              label={`${noun} ${i + 1} key`}
              value={row.key}
              onChange={(e) => onChange(row.id, { key: e.target.value })}
              error={errorFor(row.id, "key")}
              autoComplete="off"
              spellCheck={false}
              maxLength={1024}
            />
            <Field
              frameClassName="row-field"
              label={`${noun} ${i + 1} value`}
              value={row.value}
              onChange={(e) => onChange(row.id, { value: e.target.value })}
              error={errorFor(row.id, "value")}
              autoComplete="off"
              spellCheck={false}
              maxLength={32_768}
            />
            <button type="button" className="button-secondary" onClick={() => onRemove(row.id)} aria-label={`Remove ${noun.toLowerCase()} ${i + 1}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div>
        <button type="button" className="button-secondary" onClick={onAdd} disabled={rows.length >= MAX_ROWS}>
          Add {noun.toLowerCase()}
        </button>
      </div>
    </fieldset>
  );
}

function PortRowView({ row, n, errors, onChange, onRemove }: { row: PortRow; n: number; errors: FieldErrors; onChange: (patch: Partial<PortRow>) => void; onRemove: () => void }) {
  return (
    <li className="row-item">
      <Field
        frameClassName="row-field narrow"
        label={`Port ${n} container port`}
        value={row.containerPort}
        onChange={(e) => onChange({ containerPort: e.target.value })}
        error={errors[errorKey.port(row.id, "containerPort")]}
        inputMode="numeric"
        maxLength={16}
      />
      <SelectField frameClassName="row-field narrow" label={`Port ${n} protocol`} value={row.protocol} onChange={(e) => onChange({ protocol: e.target.value === "udp" ? "udp" : "tcp" })}>
        <option value="tcp">tcp</option>
        <option value="udp">udp</option>
      </SelectField>
      <Field
        frameClassName="row-field"
        label={`Port ${n} host address`}
        value={row.hostIp}
        onChange={(e) => onChange({ hostIp: e.target.value })}
        error={errors[errorKey.port(row.id, "hostIp")]}
        placeholder="every address"
        autoComplete="off"
        spellCheck={false}
        maxLength={45}
      />
      <Field
        frameClassName="row-field narrow"
        label={`Port ${n} host port`}
        value={row.hostPort}
        onChange={(e) => onChange({ hostPort: e.target.value })}
        error={errors[errorKey.port(row.id, "hostPort")]}
        placeholder="any free"
        inputMode="numeric"
        maxLength={16}
      />
      <button type="button" className="button-secondary" onClick={onRemove} aria-label={`Remove port ${n}`}>
        Remove
      </button>
    </li>
  );
}

function MountRowView({
  row,
  n,
  errors,
  hostPathsAllowed,
  datalistId,
  onChange,
  onRemove,
}: {
  row: MountRow;
  n: number;
  errors: FieldErrors;
  hostPathsAllowed: boolean;
  datalistId: string;
  onChange: (patch: Partial<MountRow>) => void;
  onRemove: () => void;
}) {
  const bind = row.kind === "bind";
  return (
    <li className="row-item">
      <SelectField frameClassName="row-field narrow" label={`Mount ${n} kind`} value={row.kind} onChange={(e) => onChange({ kind: e.target.value === "bind" ? "bind" : "volume" })}>
        <option value="volume">Volume</option>
        <option value="bind" disabled={!hostPathsAllowed && !bind}>
          Host path{hostPathsAllowed ? "" : " (not allowed by the team policy)"}
        </option>
      </SelectField>
      <Field
        frameClassName="row-field"
        label={bind ? `Mount ${n} host path` : `Mount ${n} volume`}
        value={row.source}
        onChange={(e) => onChange({ source: e.target.value })}
        error={errors[errorKey.mount(row.id, "source")]}
        list={bind ? undefined : datalistId}
        placeholder={bind ? "/srv/data" : "existing or new name"}
        autoComplete="off"
        spellCheck={false}
        maxLength={4096}
      />
      <Field
        frameClassName="row-field"
        label={`Mount ${n} container path`}
        value={row.target}
        onChange={(e) => onChange({ target: e.target.value })}
        error={errors[errorKey.mount(row.id, "target")]}
        placeholder="/data"
        autoComplete="off"
        spellCheck={false}
        maxLength={4096}
      />
      <label className="check">
        <input type="checkbox" checked={row.readOnly} onChange={(e) => onChange({ readOnly: e.target.checked })} />
        <span>Read-only</span>
      </label>
      <button type="button" className="button-secondary" onClick={onRemove} aria-label={`Remove mount ${n}`}>
        Remove
      </button>
    </li>
  );
}
