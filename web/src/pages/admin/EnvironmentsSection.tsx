// The Docker engines Dokkerr manages: the built-in `local` one and remote engines added here,
// with who may use each (grants).

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import type { Environment } from "../../lib/dokkerr";
import { useEnvironments } from "../../lib/environments";
import { useConfirmed } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { EnvironmentDialog } from "./EnvironmentForm";
import { EnvironmentGrants } from "./EnvironmentGrants";
import "./EnvironmentsSection.css";

type Editing = { kind: "new" } | { kind: "edit"; environment: Environment } | null;

function isBuiltin(environment: Environment): boolean {
  return !!environment.builtin || environment.id === "local";
}

function Counts({ environment }: { environment: Environment }) {
  const counts = environment.counts;
  if (!counts) return <span className="muted">—</span>;
  return (
    <span>
      {counts.containers} containers ({counts.running} running)
      {counts.images !== undefined ? `, ${counts.images} images` : ""}
    </span>
  );
}

export default function EnvironmentsSection() {
  const { can } = useSession();
  const { platform } = useServices();
  const loaded = useEnvironments();
  const [editing, setEditing] = useState<Editing>(null);
  const [grantsOf, setGrantsOf] = useState<Environment | null>(null);
  const [notice, setNotice] = useState("");
  const deletion = useConfirmed(async (environment: Environment) => {
    await platform.deleteEnvironment(environment.id);
    setNotice(`Removed ${environment.name}.`);
    loaded.reload();
  });

  if (!can("environments:manage")) {
    return <p className="muted">Managing environments needs the environments:manage permission.</p>;
  }

  const environments = loaded.data ?? [];

  const saved = (environment: Environment) => {
    setNotice(editing?.kind === "new" ? `Added ${environment.name}.` : `Saved ${environment.name}.`);
    setEditing(null);
    loaded.reload();
  };

  const columns: Column<Environment>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (e) => (
        <>
          <span>{e.name}</span>
          <span className="muted small mono">{e.id}</span>
          {isBuiltin(e) ? <span className="badge">built in</span> : null}
        </>
      ),
    },
    { id: "url", header: "URL", cell: (e) => <span className="mono">{e.url || "—"}</span> },
    { id: "tls", header: "TLS", cell: (e) => (e.tls ? "Yes" : "No") },
    {
      id: "status",
      header: "Status",
      cell: (e) => (
        <>
          <span className={`status-pill ${e.status === "up" ? "status-up" : "status-down"}`}>{e.status}</span>
          {e.error ? <span className="error-text small env-error">{e.error}</span> : null}
        </>
      ),
    },
    { id: "engine", header: "Engine", cell: (e) => (e.engine?.version ? <span className="mono">{e.engine.version}</span> : <span className="muted">—</span>) },
    { id: "counts", header: "Contents", cell: (e) => <Counts environment={e} /> },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (e) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${e.name}`}>
          <button type="button" className="button-secondary" onClick={() => setGrantsOf(e)}>
            Grants
          </button>
          {isBuiltin(e) ? null : (
            <>
              <button type="button" className="button-secondary" onClick={() => setEditing({ kind: "edit", environment: e })}>
                Edit
              </button>
              <button
                type="button"
                className="button-danger"
                onClick={() => deletion.ask(e)}
              >
                Delete
              </button>
            </>
          )}
        </div>
      ),
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>Environments</h2>
        <div className="row-actions">
          <button type="button" className="button-secondary" onClick={() => loaded.reload()} disabled={loaded.loading}>
            Refresh
          </button>
          <button
            type="button"
            onClick={() => {
              setNotice("");
              setEditing({ kind: "new" });
            }}
          >
            Add environment
          </button>
        </div>
      </div>
      <p className="muted">
        Remote engines are reached over TCP, with TLS when given a CA and client certificate. The built-in <span className="mono">local</span>{" "}
        engine comes from the server's configuration and cannot be changed here.
      </p>
      <InfoNotice>{notice}</InfoNotice>
      <ErrorNotice error={loaded.error} prefix="Could not load the environments" />
      {loaded.loading && !loaded.data ? <p role="status">Loading…</p> : null}
      <DataTable caption="Environments" columns={columns} rows={environments} rowKey={(e) => e.id} busy={loaded.loading} empty="No environments." />

      {editing ? (
        <EnvironmentDialog
          key={editing.kind === "edit" ? editing.environment.id : "new"}
          environment={editing.kind === "edit" ? editing.environment : undefined}
          onClose={() => setEditing(null)}
          onSaved={saved}
        />
      ) : null}

      <ConfirmDialog
        open={deletion.subject !== null}
        title="Delete environment"
        confirmLabel="Delete"
        danger
        busy={deletion.busy}
        onConfirm={() => void deletion.confirm()}
        onCancel={deletion.cancel}
      >
        <p>
          Delete <strong>{deletion.subject?.name}</strong>? Dokkerr stops managing this engine and its users lose access to it; the engine
          and its containers are not touched.
        </p>
        <ErrorNotice error={deletion.error} prefix="Could not delete" />
      </ConfirmDialog>

      <Dialog open={grantsOf !== null} title={`Grants: ${grantsOf?.name ?? ""}`} onClose={() => setGrantsOf(null)} wide>
        {grantsOf ? <EnvironmentGrants environment={grantsOf} /> : null}
      </Dialog>
    </div>
  );
}
