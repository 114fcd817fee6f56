// The volumes of one environment with their team, create (for a team), remove and details.

import { useMemo, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatBytes, formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { parseLabels, teamOf, useLiveReload, type Volume, type VolumeCreateBody } from "../../lib/resources";
import { useTeamNames, type TeamNames } from "../../lib/teams";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { Facts, LabelList, LabelsField, matches, OutcomeNotice, TeamSelect, teamOptions } from "../networks/ResourceParts";
import "../networks/resources.css";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function TeamCell({ id, teams }: { id: string; teams: TeamNames }) {
  if (!id) return <span className="muted">—</span>;
  return <>{teams.nameOf(id)}</>;
}

// Create

function CreateDialog({ env, teams, onClose, onCreated }: { env: string; teams: TeamNames; onClose: () => void; onCreated: (name: string) => void }) {
  const { resources } = useServices();
  const session = useSession();
  const admin = session.permissions?.is_admin ?? false;
  const options = teamOptions(admin, session.teamsWith("volumes:create", env), teams.teams);
  const [name, setName] = useState("");
  const [labels, setLabels] = useState("");
  const [team, setTeam] = useState(admin ? "" : (options[0]?.id ?? ""));
  const [formError, setFormError] = useState<string | null>(null);
  const [labelError, setLabelError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = "create-volume-form";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setLabelError(null);
    setError(null);
    const n = name.trim();
    if (n && (n.length > 255 || !NAME_PATTERN.test(n))) {
      setFormError("A name is letters, digits, '_', '.' and '-', starting with a letter or digit (or empty for a generated one).");
      return;
    }
    const parsed = parseLabels(labels);
    if ("error" in parsed) {
      setLabelError(parsed.error);
      return;
    }
    if (!admin && !team) {
      setFormError("Choose the team the volume is for.");
      return;
    }
    const body: VolumeCreateBody = n ? { Name: n, Driver: "local", Labels: parsed.labels } : { Driver: "local", Labels: parsed.labels };
    setBusy(true);
    try {
      const created = await resources.createVolume(env, body, team || undefined);
      onCreated(created?.Name || n);
    } catch (cause) {
      setError(cause);
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title="Create a volume"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} disabled={busy}>
            {busy ? "Creating…" : "Create"}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={submit} noValidate>
        <Field
          label="Name"
          hint="Optional: the engine names it when empty. The driver is local."
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={255}
          autoComplete="off"
          spellCheck={false}
        />
        <LabelsField value={labels} onChange={setLabels} error={labelError} />
        <TeamSelect
          options={options}
          value={team}
          onChange={setTeam}
          allowNone={admin}
          hint={admin ? "A volume without a team is seen by admins only." : "The team that owns the volume."}
        />
        {formError ? (
          <p className="error-text" role="alert">
            {formError}
          </p>
        ) : null}
      </form>
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <ErrorNotice error={error} prefix="Could not create the volume" />
    </Dialog>
  );
}

// Remove

function RemoveDialog({ env, volume, onClose, onRemoved }: { env: string; volume: Volume; onClose: () => void; onRemoved: () => void }) {
  const { resources } = useServices();
  const [force, setForce] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await resources.removeVolume(env, volume.Name, force);
      onRemoved();
    } catch (cause) {
      setError(cause);
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog open title="Remove volume" confirmLabel="Remove" danger busy={busy} onConfirm={() => void confirm()} onCancel={onClose}>
      <p>
        Remove the volume <span className="mono">{volume.Name}</span> and the data in it? This cannot be undone.
      </p>
      <label className="check-label">
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
        Force
      </label>
      <ErrorNotice error={error} prefix="Could not remove" />
    </ConfirmDialog>
  );
}

// Details

function DetailsDialog({ env, volume, teams, admin, onClose }: { env: string; volume: Volume; teams: TeamNames; admin: boolean; onClose: () => void }) {
  const { resources } = useServices();
  const inspect = useLoad((signal) => resources.volume(env, volume.Name, signal), [resources, env, volume.Name]);
  const data = inspect.data;
  const team = data ? teamOf(data) : "";
  const usage = data?.UsageData;
  return (
    <Dialog open title={`Volume ${volume.Name}`} onClose={onClose} wide>
      {inspect.loading && !data ? <p role="status">Loading the volume…</p> : null}
      <ErrorNotice error={inspect.error} prefix="Could not inspect the volume" />
      {data ? (
        <>
          <Facts
            rows={[
              ["Name", <span className="mono">{data.Name}</span>],
              ["Driver", data.Driver ?? ""],
              ["Scope", data.Scope ?? ""],
              ["Created", data.CreatedAt ? `${formatTime(data.CreatedAt)} (${formatRelative(data.CreatedAt)})` : ""],
              ["Team", team ? teams.nameOf(team) : "none"],
              ["Mountpoint", admin && data.Mountpoint ? <span className="mono">{data.Mountpoint}</span> : ""],
              ["Size", usage && typeof usage.Size === "number" && usage.Size >= 0 ? formatBytes(usage.Size) : ""],
              ["Used by", usage && typeof usage.RefCount === "number" && usage.RefCount >= 0 ? `${usage.RefCount} container(s)` : ""],
            ]}
          />
          <div className="detail-section">
            <h3>Labels</h3>
            <LabelList labels={data.Labels} />
          </div>
          {data.Options && Object.keys(data.Options).length > 0 ? (
            <div className="detail-section">
              <h3>Driver options</h3>
              <LabelList labels={data.Options} />
            </div>
          ) : null}
        </>
      ) : null}
    </Dialog>
  );
}

// The page

type Open = { kind: "create" } | { kind: "remove"; volume: Volume } | { kind: "details"; volume: Volume } | null;

export default function VolumesPage(_props: { env: string }) {
  const { resources } = useServices();
  const session = useSession();
  const admin = session.permissions?.is_admin ?? false;
  const choice = useEnvironmentChoice();
  const env = choice.env;
  const teams = useTeamNames();
  const volumes = useLoad((signal) => (env ? resources.volumes(env, signal) : Promise.resolve<Volume[]>([])), [resources, env]);
  useLiveReload(env, "volume", volumes.reload);

  const [filter, setFilter] = useState("");
  const [open, setOpen] = useState<Open>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  const canCreate = !!env && session.canIn("volumes:create", env);
  const canDelete = !!env && session.canIn("volumes:delete", env);

  const rows = useMemo(() => [...(volumes.data ?? [])].sort((a, b) => a.Name.localeCompare(b.Name)), [volumes.data]);
  const shown = rows.filter((v) => {
    const team = teamOf(v);
    return matches(filter, [v.Name, v.Driver, team ? teams.nameOf(team) : ""]);
  });

  const close = () => setOpen(null);

  const columns: Column<Volume>[] = [
    { id: "name", header: "Name", rowHeader: true, className: "cell-name mono", cell: (v) => v.Name },
    { id: "driver", header: "Driver", cell: (v) => v.Driver ?? "" },
    { id: "team", header: "Team", cell: (v) => <TeamCell id={teamOf(v)} teams={teams} /> },
    { id: "created", header: "Created", cell: (v) => formatRelative(v.CreatedAt) },
    ...(admin ? [{ id: "mountpoint", header: "Mountpoint", className: "mono small cell-wrap", cell: (v: Volume) => v.Mountpoint ?? "" }] : []),
    {
      id: "actions",
      header: "Actions",
      cell: (v) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${v.Name}`}>
          <button type="button" className="button-secondary" onClick={() => setOpen({ kind: "details", volume: v })}>
            Details
          </button>
          {canDelete ? (
            <button type="button" className="button-danger" onClick={() => setOpen({ kind: "remove", volume: v })}>
              Remove
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Volumes</h1>
      <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <EnvironmentSelect choice={choice} />
        <label className="inline-label">
          <span>Filter</span>
          <input type="search" value={filter} maxLength={200} placeholder="Name, driver, team" onChange={(e) => setFilter(e.target.value)} />
        </label>
        <div className="toolbar-actions">
          <button type="button" className="button-secondary" onClick={volumes.reload} disabled={!env}>
            Refresh
          </button>
          {canCreate ? (
            <button type="button" onClick={() => setOpen({ kind: "create" })}>
              Create volume
            </button>
          ) : null}
        </div>
      </form>

      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}
      <ErrorNotice error={volumes.error} prefix="Could not load the volumes" />
      {volumes.loading || choice.loaded.loading ? <p role="status">Loading volumes…</p> : null}
      {!choice.loaded.loading && !choice.loaded.error && choice.environments.length === 0 ? (
        <p className="muted">No environment is available to you.</p>
      ) : null}

      <DataTable
        caption={`Volumes${env ? ` in ${env}` : ""}`}
        columns={columns}
        rows={shown}
        rowKey={(v) => v.Name}
        busy={volumes.loading}
        empty={volumes.error || !env ? undefined : rows.length === 0 ? "No volumes in this environment." : "No volume matches."}
      />

      {open?.kind === "create" ? (
        <CreateDialog
          env={env}
          teams={teams}
          onClose={close}
          onCreated={(name) => {
            close();
            setOutcome(name ? `Created the volume ${name}.` : "Created the volume.");
            volumes.reload();
          }}
        />
      ) : null}
      {open?.kind === "remove" ? (
        <RemoveDialog
          env={env}
          volume={open.volume}
          onClose={close}
          onRemoved={() => {
            close();
            setOutcome(`Removed the volume ${open.volume.Name}.`);
            volumes.reload();
          }}
        />
      ) : null}
      {open?.kind === "details" ? <DetailsDialog env={env} volume={open.volume} teams={teams} admin={admin} onClose={close} /> : null}
    </section>
  );
}
