// Single sign-on: the OpenID Connect providers people may sign in with. The server never returns
// a provider's client secret, and this page never shows one.

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { formatTime } from "../../lib/format";
import { useConfirmed, useLoad } from "../../lib/hooks";
import type { OidcProvider, TeamRef } from "../../lib/platform";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { OidcProviderDialog } from "./OidcProviderForm";
import "./OidcSection.css";

function Mapping({ provider, teams }: { provider: OidcProvider; teams: TeamRef[] }) {
  const rows = provider.team_mapping ?? [];
  if (rows.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="oidc-list small">
      {rows.map((m, i) => (
        <li key={i}>
          <span className="mono">
            {m.claim} = {m.value}
          </span>{" "}
          → {teams.find((t) => t.id === m.team_id)?.name ?? <span className="mono">{m.team_id}</span>} ({m.role})
        </li>
      ))}
    </ul>
  );
}

export default function OidcSection() {
  const { can } = useSession();
  const { platform } = useServices();
  const allowed = can("users:manage");
  const providers = useLoad((signal) => (allowed ? platform.oidcProviders(signal) : Promise.resolve([])), [platform, allowed]);
  const teams = useLoad((signal) => (allowed ? platform.teams(signal) : Promise.resolve([])), [platform, allowed]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<OidcProvider | null>(null);
  const [notice, setNotice] = useState("");
  const deletion = useConfirmed(async (provider: OidcProvider) => {
    await platform.deleteOidcProvider(provider.id);
    setNotice(`Removed ${provider.name}.`);
    providers.reload();
  });

  if (!allowed) return <p className="muted">Managing single sign-on needs the users:manage permission.</p>;

  const teamList = teams.data ?? [];
  const columns: Column<OidcProvider>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (p) => (
        <>
          <span>{p.name}</span>
          {p.enabled === false ? <span className="badge">not offered</span> : null}
        </>
      ),
    },
    { id: "issuer", header: "Issuer", cell: (p) => <span className="mono">{p.issuer}</span> },
    { id: "client", header: "Client id", cell: (p) => <span className="mono">{p.client_id}</span> },
    { id: "redirect", header: "Redirect URI", cell: (p) => <span className="mono small">{p.redirect_uri}</span> },
    { id: "scopes", header: "Scopes", cell: (p) => <span className="mono small">{(p.scopes ?? []).join(" ")}</span> },
    { id: "mapping", header: "Team mapping", cell: (p) => <Mapping provider={p} teams={teamList} /> },
    { id: "created", header: "Added", cell: (p) => formatTime(p.created_at) },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (p) => (
        <div className="row-actions">
          <button
            type="button"
            className="button-secondary"
            aria-label={`Edit ${p.name}`}
            onClick={() => {
              setNotice("");
              setEditing(p);
            }}
          >
            Edit
          </button>
          <button
            type="button"
            className="button-danger"
            aria-label={`Delete ${p.name}`}
            onClick={() => deletion.ask(p)}
          >
            Delete
          </button>
        </div>
      ),
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>Single sign-on</h2>
        <button
          type="button"
          onClick={() => {
            setNotice("");
            setAdding(true);
          }}
        >
          Add provider
        </button>
      </div>
      <p className="muted">
        OpenID Connect providers people may sign in with. A first sign-in makes a new account (never joined to an existing one by e-mail
        or username) and applies the provider's team mapping. Client secrets are stored sealed and never shown.
      </p>
      <InfoNotice>{notice}</InfoNotice>
      <ErrorNotice error={providers.error} prefix="Could not load the providers" />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      {providers.loading && !providers.data ? <p role="status">Loading…</p> : null}
      <DataTable
        caption="OpenID Connect providers"
        columns={columns}
        rows={providers.data ?? []}
        rowKey={(p) => p.id}
        busy={providers.loading}
        empty="No provider: people sign in with their Dokkerr password."
      />

      {adding ? (
        <OidcProviderDialog
          teams={teamList}
          onClose={() => setAdding(false)}
          onSaved={(provider) => {
            setAdding(false);
            setNotice(`Added ${provider.name}.`);
            providers.reload();
          }}
        />
      ) : null}

      {editing ? (
        <OidcProviderDialog
          key={editing.id}
          teams={teamList}
          editing={editing}
          onClose={() => setEditing(null)}
          onSaved={(provider) => {
            setEditing(null);
            setNotice(`Saved ${provider.name}.`);
            providers.reload();
          }}
        />
      ) : null}

      <ConfirmDialog
        open={deletion.subject !== null}
        title="Delete provider"
        confirmLabel="Delete"
        danger
        busy={deletion.busy}
        onConfirm={() => void deletion.confirm()}
        onCancel={deletion.cancel}
      >
        <p>
          Delete <strong>{deletion.subject?.name}</strong>? Its people can no longer sign in through it.
        </p>
        <ErrorNotice error={deletion.error} prefix="Could not delete" />
      </ConfirmDialog>
    </div>
  );
}
