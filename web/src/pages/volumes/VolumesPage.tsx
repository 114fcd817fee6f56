// The volumes of one environment with their team, create (for a team), remove and details.

import { useLiveReload } from "../../lib/events";
import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatBytes, formatRelative, formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { teamOf, type Volume, type VolumeCreateBody } from "../../lib/resources";
import { useTeamNames, type TeamNames } from "../../lib/teams";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import {
  Facts,
  LabelList,
  matches,
  NAME_PATTERN,
  ResourceList,
  ResourceToolbar,
  TeamCell,
  TeamOwnedFields,
  useTeamOwnedForm,
  type Outcome,
} from "../networks/ResourceParts";
import "../networks/resources.css";

// Create

function CreateDialog({ env, teams, onClose, onCreated }: { env: string; teams: TeamNames; onClose: () => void; onCreated: (name: string) => void }) {
  const { resources } = useServices();
  const form = useTeamOwnedForm("volume", "volumes:create", env, teams);
  const [name, setName] = useState("");
  const { busy, error, setError, run } = useAction();

  const submit = async () => {
    form.clear();
    setError(null);
    const n = name.trim();
    if (n && (n.length > 255 || !NAME_PATTERN.test(n))) {
      form.setProblem("A name is letters, digits, '_', '.' and '-', starting with a letter or digit (or empty for a generated one).");
      return;
    }
    const labels = form.checkLabelsAndTeam();
    if (!labels) return;
    const body: VolumeCreateBody = n ? { Name: n, Driver: "local", Labels: labels } : { Driver: "local", Labels: labels };
    await run(async () => {
      const created = await resources.createVolume(env, body, form.team || undefined);
      onCreated(created?.Name || n);
    });
  };

  return (
    <FormDialog
      title="Create a volume"
      submitLabel="Create"
      busyLabel="Creating…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="form-stack"
      noValidate
    >
      <Field
        label="Name"
        hint="Optional: the engine names it when empty. The driver is local."
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={255}
        autoComplete="off"
        spellCheck={false}
      />
      <TeamOwnedFields form={form} teamsError={teams.error} error={error} />
    </FormDialog>
  );
}

// Remove

function RemoveDialog({ env, volume, onClose, onRemoved }: { env: string; volume: Volume; onClose: () => void; onRemoved: () => void }) {
  const { resources } = useServices();
  const [force, setForce] = useState(false);
  const { busy, error, run } = useAction();

  const confirm = () =>
    run(async () => {
      await resources.removeVolume(env, volume.Name, force);
      onRemoved();
    });

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
  const [outcome, setOutcome] = useState<Outcome | null>(null);

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
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, driver, team"
        onRefresh={volumes.reload}
        actions={
          canCreate ? (
            <button type="button" onClick={() => setOpen({ kind: "create" })}>
              Create volume
            </button>
          ) : null
        }
      />

      <ResourceList
        kind={{ one: "volume", many: "volumes" }}
        choice={choice}
        list={volumes}
        total={rows.length}
        outcome={outcome}
        onDismissOutcome={() => setOutcome(null)}
        columns={columns}
        rows={shown}
        rowKey={(v) => v.Name}
      />

      {open?.kind === "create" ? (
        <CreateDialog
          env={env}
          teams={teams}
          onClose={close}
          onCreated={(name) => {
            close();
            setOutcome({ title: name ? `Created the volume ${name}.` : "Created the volume." });
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
            setOutcome({ title: `Removed the volume ${open.volume.Name}.` });
            volumes.reload();
          }}
        />
      ) : null}
      {open?.kind === "details" ? <DetailsDialog env={env} volume={open.volume} teams={teams} admin={admin} onClose={close} /> : null}
    </section>
  );
}
