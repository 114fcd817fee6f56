// Which teams and organizations may use one environment: the grants, with the grantees' names.

import { useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { Environment } from "../../lib/dokkerr";
import { formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import type { Grant, GranteeType, OrganizationRef, TeamRef } from "../../lib/platform";
import { useServices } from "../../lib/services";
import "./EnvironmentsSection.css";
import "./PlatformForms.css";

interface Directory {
  teams: TeamRef[];
  organizations: OrganizationRef[];
}

function orgLabel(org: OrganizationRef): string {
  return org.display_name ? `${org.display_name} (${org.name})` : org.name;
}

function teamLabel(team: TeamRef, organizations: OrganizationRef[]): string {
  const org = organizations.find((o) => o.id === team.org_id);
  return org ? `${team.name} (${org.name})` : team.name;
}

export function EnvironmentGrants({ environment }: { environment: Environment }) {
  const { platform } = useServices();
  const grants = useLoad((signal) => platform.grants(environment.id, signal), [platform, environment.id]);
  const directory = useLoad<Directory>(
    async (signal) => {
      const [teams, organizations] = await Promise.all([platform.teams(signal), platform.organizations(signal)]);
      return { teams, organizations };
    },
    [platform],
  );
  const [type, setType] = useState<GranteeType>("team");
  const [grantee, setGrantee] = useState("");
  const { busy, error, run } = useAction();

  const teams = directory.data?.teams ?? [];
  const organizations = directory.data?.organizations ?? [];
  const list = grants.data ?? [];

  const nameOf = (grant: Grant): string | null => {
    if (grant.grantee_type === "team") {
      const team = teams.find((t) => t.id === grant.grantee_id);
      return team ? teamLabel(team, organizations) : null;
    }
    const org = organizations.find((o) => o.id === grant.grantee_id);
    return org ? orgLabel(org) : null;
  };

  const granted = new Set(list.filter((g) => g.grantee_type === type).map((g) => g.grantee_id));
  const choices =
    type === "team"
      ? teams.filter((t) => !granted.has(t.id)).map((t) => ({ id: t.id, label: teamLabel(t, organizations) }))
      : organizations.filter((o) => !granted.has(o.id)).map((o) => ({ id: o.id, label: orgLabel(o) }));
  const chosen = choices.some((c) => c.id === grantee) ? grantee : "";

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    await run(async () => {
      await platform.addGrant(environment.id, { grantee_type: type, grantee_id: chosen });
      setGrantee("");
      grants.reload();
    });
  };

  const remove = (grant: Grant) =>
    run(async () => {
      await platform.removeGrant(environment.id, grant.grantee_type, grant.grantee_id);
      grants.reload();
    });

  const columns: Column<Grant>[] = [
    {
      id: "grantee",
      header: "Grantee",
      rowHeader: true,
      cell: (g) => {
        const name = nameOf(g);
        return name !== null ? <span>{name}</span> : <span className="mono">{g.grantee_id}</span>;
      },
    },
    { id: "type", header: "Kind", cell: (g) => (g.grantee_type === "team" ? "Team" : g.grantee_type === "organization" ? "Organization" : g.grantee_type) },
    { id: "id", header: "Id", cell: (g) => <span className="mono small">{g.grantee_id}</span> },
    { id: "created", header: "Granted", cell: (g) => formatTime(g.created_at) },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (g) => (
        <div className="row-actions">
          <button
            type="button"
            className="button-danger"
            disabled={busy}
            aria-label={`Remove the grant to ${nameOf(g) ?? g.grantee_id}`}
            onClick={() => void remove(g)}
          >
            Remove
          </button>
        </div>
      ),
    },
  ];

  return (
    <div className="platform-form">
      <p className="muted">
        Members of a granted team, and of every team of a granted organization, may use <span className="mono">{environment.name}</span>{" "}
        within their roles. Platform administrators need no grant.
      </p>
      <ErrorNotice error={error} prefix="Could not change the grants" />
      <ErrorNotice error={grants.error} prefix="Could not load the grants" />
      <ErrorNotice error={directory.error} prefix="Could not load the teams and organizations" />
      {grants.loading && !grants.data ? <p role="status">Loading grants…</p> : null}
      <DataTable
        caption={`Grants of ${environment.name}`}
        columns={columns}
        rows={list}
        rowKey={(g) => `${g.grantee_type}/${g.grantee_id}`}
        busy={grants.loading}
        empty="No team or organization is granted this environment."
      />
      <form className="toolbar grant-form" aria-label="Grant access" onSubmit={add}>
        <label className="inline-label">
          <span>Kind</span>
          <select
            value={type}
            onChange={(e) => {
              setType(e.target.value as GranteeType);
              setGrantee("");
            }}
          >
            <option value="team">Team</option>
            <option value="organization">Organization</option>
          </select>
        </label>
        <label className="inline-label">
          <span>{type === "team" ? "Team" : "Organization"}</span>
          <select value={chosen} onChange={(e) => setGrantee(e.target.value)} disabled={choices.length === 0}>
            <option value="">{choices.length === 0 ? "None left to grant" : "Choose…"}</option>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !chosen}>
          Grant access
        </button>
      </form>
    </div>
  );
}
