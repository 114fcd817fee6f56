// Teams: the caller's teams (platform admins: all), filtered by organization, created and
// deleted by those who manage the organization; one team's members and its container security
// policy (#/admin/teams?team=<id>&view=members|policy).

import { useCallback, useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { Tabs } from "../../components/Tabs";
import {
  managesAnyOrg,
  managesOrg,
  managesTeam,
  matchingTeamRole,
  roleLabel,
  TEAM_ROLES,
  type Organization,
  type Team,
} from "../../lib/admin";
import { useAction, useConfirmed, useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { MembersPanel, type RoleOption } from "./OrgMembersPanel";
import { isNotFound, NotFoundNotice, problemField } from "./OrgShared";
import { TeamPolicyForm } from "./TeamPolicyForm";

const VIEWS = [
  { id: "members", label: "Members" },
  { id: "policy", label: "Security policy" },
];

const TEAM_ROLE_HELP =
  "viewer reads containers, logs, images, networks and volumes; operator also starts, stops and execs; developer also creates and removes; admin also manages the team's members. Custom roles come from the organization.";

function PermissionSummary({ team }: { team: Team }) {
  const { permissions } = useSession();
  const held = team.my_permissions;
  if (!held) return <span className="muted">{permissions?.is_admin ? "platform admin" : "—"}</span>;
  if (held.length === 0) return <span className="muted">none</span>;
  const role = matchingTeamRole(held);
  return (
    <details className="dir-perms">
      <summary>
        {role ?? "custom"} ({held.length} permission{held.length === 1 ? "" : "s"})
      </summary>
      <span className="mono small">{held.join(", ")}</span>
    </details>
  );
}

function CreateTeamDialog({
  orgs,
  initialOrg,
  onClose,
  onCreated,
}: {
  orgs: Organization[];
  initialOrg: string;
  onClose: () => void;
  onCreated: (team: Team) => void;
}) {
  const { admin } = useServices();
  const [org, setOrg] = useState(orgs.some((o) => o.id === initialOrg) ? initialOrg : (orgs[0]?.id ?? ""));
  const [name, setName] = useState("");
  const { busy, error, run } = useAction();
  const field = problemField(error, { invalid_name: "name", team_exists: "name", organization_not_found: "org" });

  const submit = () => run(async () => onCreated(await admin.createTeam({ org_id: org, name: name.trim() })));

  return (
    <FormDialog
      title="New team"
      submitLabel="Create team"
      busyLabel="Creating…"
      busy={busy}
      disabled={!org}
      onClose={onClose}
      onSubmit={submit}
      formClassName="dir-form"
      noValidate
    >
      <SelectField label="Organization" value={org} onChange={(e) => setOrg(e.target.value)} error={field === "org" ? error : null} alertError>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </SelectField>
      <Field
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        required
        maxLength={64}
        autoComplete="off"
        hint="1–64 letters, digits, '.', '_' and '-'; unique in the organization."
        error={field === "name" ? error : null}
        alertError
      />
      {error && !field ? <ErrorNotice error={error} prefix="Could not create the team" /> : null}
    </FormDialog>
  );
}

function TeamList({ path, orgFilter }: { path: string; orgFilter: string }) {
  const { admin } = useServices();
  const { permissions } = useSession();
  const orgs = useLoad((signal) => admin.organizations(signal), [admin]);
  const teams = useLoad((signal) => admin.teams({ org: orgFilter || null }, signal), [admin, orgFilter]);
  const [creating, setCreating] = useState(false);
  const deletion = useConfirmed(
    async (team: Team) => {
      await admin.deleteTeam(team.id);
      teams.reload();
    },
    { closeOnFailure: true },
  );

  const orgList = useMemo(() => orgs.data?.items ?? [], [orgs.data]);
  const orgNames = useMemo(() => new Map(orgList.map((o) => [o.id, o.name])), [orgList]);
  const creatable = useMemo(() => orgList.filter((o) => managesOrg(permissions, o.id)), [orgList, permissions]);
  const mayCreate = managesAnyOrg(permissions);

  const columns: Column<Team>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (t) => (
        <Link to={path} query={{ team: t.id, view: "members" }}>
          {t.name}
        </Link>
      ),
    },
    {
      id: "org",
      header: "Organization",
      cell: (t) => orgNames.get(t.org_id) ?? <span className="mono small">{t.org_id}</span>,
    },
    { id: "perms", header: "Your permissions", cell: (t) => <PermissionSummary team={t} /> },
    {
      id: "actions",
      header: "Actions",
      cell: (t) => (
        <div className="row-actions">
          <Link to={path} query={{ team: t.id, view: "members" }} aria-label={`Members of ${t.name}`}>
            Members
          </Link>
          <Link to={path} query={{ team: t.id, view: "policy" }} aria-label={`Security policy of ${t.name}`}>
            Policy
          </Link>
          {managesOrg(permissions, t.org_id) ? (
            <button type="button" className="button-danger" aria-label={`Delete ${t.name}`} onClick={() => deletion.ask(t)}>
              Delete
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <div>
      <div className="toolbar">
        <label className="inline-label">
          <span>Organization</span>
          <select value={orgFilter} onChange={(e) => navigate(path, { org: e.target.value || undefined }, true)}>
            <option value="">All organizations</option>
            {orgFilter && !orgNames.has(orgFilter) ? <option value={orgFilter}>{orgFilter}</option> : null}
            {orgList.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        {mayCreate ? (
          <button type="button" onClick={() => setCreating(true)} disabled={creatable.length === 0}>
            New team
          </button>
        ) : null}
      </div>
      <ErrorNotice error={deletion.error} prefix="Could not delete the team" />
      <ErrorNotice error={orgs.error} prefix="Could not load the organizations" />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      {teams.loading && !teams.data ? <p role="status">Loading teams…</p> : null}
      <DataTable
        caption={orgFilter ? `Teams of ${orgNames.get(orgFilter) ?? orgFilter}` : "Teams"}
        columns={columns}
        rows={teams.data?.items ?? []}
        rowKey={(t) => t.id}
        busy={teams.loading}
        empty={orgFilter ? "No teams in this organization that you can see." : "You are in no team."}
      />
      {creating ? (
        <CreateTeamDialog
          orgs={creatable}
          initialOrg={orgFilter}
          onClose={() => setCreating(false)}
          onCreated={(team) => {
            setCreating(false);
            navigate(path, { team: team.id, view: "members" });
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deletion.subject !== null}
        title={`Delete team ${deletion.subject?.name ?? ""}?`}
        confirmLabel="Delete team"
        danger
        busy={deletion.busy}
        onCancel={deletion.cancel}
        onConfirm={() => void deletion.confirm()}
      >
        <p>Its members and its security policy are deleted with it.</p>
      </ConfirmDialog>
    </div>
  );
}

function TeamDetail({ path, teamId, view }: { path: string; teamId: string; view: string }) {
  const { admin } = useServices();
  const { permissions, can } = useSession();
  const team = useLoad((signal) => admin.team(teamId, signal), [admin, teamId]);
  const orgId = team.data?.org_id ?? "";
  const org = useLoad((signal) => (orgId ? admin.organization(orgId, signal) : Promise.resolve(null)), [admin, orgId]);
  const roles = useLoad((signal) => (orgId ? admin.orgRoles(orgId, signal) : Promise.resolve(null)), [admin, orgId]);
  const listsUsers = can("users:manage");
  // People the caller can see, for callers who cannot list every account.
  const orgMembers = useLoad(
    (signal) => (orgId && !listsUsers ? admin.orgMembers(orgId, signal) : Promise.resolve(null)),
    [admin, orgId, listsUsers],
  );
  const selected = VIEWS.some((v) => v.id === view) ? view : "members";
  const customRoles = useMemo(() => roles.data?.items ?? [], [roles.data]);

  const loadMembers = useCallback((signal: AbortSignal) => admin.teamMembers(teamId, signal), [admin, teamId]);
  const roleOptions = useCallback(
    (): RoleOption[] => [
      ...TEAM_ROLES.map((r) => ({ value: r, label: r })),
      ...customRoles.map((r) => ({ value: `role:${r.id}`, label: `${r.name} (custom)` })),
    ],
    [customRoles],
  );
  const labelRole = useCallback((role: string) => roleLabel(role, customRoles), [customRoles]);

  if (team.error) {
    return isNotFound(team.error) ? (
      <NotFoundNotice what="Team" error={team.error} back={path} backLabel="All teams" />
    ) : (
      <div>
        <ErrorNotice error={team.error} prefix="Could not load the team" />
        <p>
          <Link to={path}>All teams</Link>
        </p>
      </div>
    );
  }
  if (!team.data) return <p role="status">Loading team…</p>;
  const t = team.data;
  const orgName = org.data?.name ?? t.org_id;
  return (
    <div className="dir-detail">
      <p>
        <Link to={path}>All teams</Link>
      </p>
      <h2>
        {t.name}
        <span className="muted dir-subtitle"> in {orgName}</span>
      </h2>
      <Tabs label={`Team ${t.name}`} tabs={VIEWS} selected={selected} onSelect={(next) => navigate(path, { team: teamId, view: next }, true)}>
        {selected === "members" ? (
          <>
            <ErrorNotice error={roles.error} prefix="Could not load the organization's custom roles" />
            <MembersPanel
              noun="team"
              groupName={t.name}
              groupKey={teamId}
              load={loadMembers}
              roleOptions={roleOptions}
              roleLabel={labelRole}
              defaultRole="viewer"
              canManage={managesTeam(permissions, teamId)}
              put={(userId, role) => admin.putTeamMember(teamId, userId, role)}
              remove={(userId) => admin.removeTeamMember(teamId, userId)}
              candidates={orgMembers.data?.items ?? []}
              help={TEAM_ROLE_HELP}
            />
          </>
        ) : (
          <TeamPolicyForm teamId={teamId} teamName={t.name} canEdit={managesOrg(permissions, t.org_id)} />
        )}
      </Tabs>
    </div>
  );
}

export default function TeamsSection() {
  const route = useRoute();
  const team = route.query.get("team");
  const view = route.query.get("view") ?? "members";
  return team ? (
    <TeamDetail key={team} path={route.path} teamId={team} view={view} />
  ) : (
    <TeamList path={route.path} orgFilter={route.query.get("org") ?? ""} />
  );
}
