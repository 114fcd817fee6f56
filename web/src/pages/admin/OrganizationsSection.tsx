// Organizations: the ones the caller belongs to (platform admins: all), creating and deleting
// them (organizations:manage), and one organization's members and custom roles
// (#/admin/organizations?org=<id>&view=members|roles).

import { useCallback, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { Tabs } from "../../components/Tabs";
import { managesOrg, ORG_ROLES, roleLabel, type Membership, type Organization } from "../../lib/admin";
import { useAction, useConfirmed, useLoad } from "../../lib/hooks";
import { Link, navigate, useRoute } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { MembersPanel, type RoleOption } from "./OrgMembersPanel";
import { OrgRolesPanel } from "./OrgRolesPanel";
import { isNotFound, NotFoundNotice, problemField } from "./OrgShared";

const VIEWS = [
  { id: "members", label: "Members" },
  { id: "roles", label: "Custom roles" },
];


/** The caller's own role in an organization: from its member list when they are in it. */
function MyOrgRole({ org }: { org: Organization }) {
  const { admin } = useServices();
  const { user, permissions } = useSession();
  const held = permissions?.organizations[org.id];
  const members = useLoad(
    (signal) => (held !== undefined ? admin.orgMembers(org.id, signal) : Promise.resolve(null)),
    [admin, org.id, held !== undefined],
  );
  if (held === undefined) return <span className="muted">{permissions?.is_admin ? "platform admin" : "—"}</span>;
  const mine = members.data?.items.find((m) => m.user_id === user?.id);
  if (mine) return <>{mine.role}</>;
  if (members.data) return <span className="muted">through a team</span>;
  // Until the list answers (or if it fails), what the permissions tell.
  return <>{held.includes("org:manage") ? "owner or admin" : "member"}</>;
}

function CreateOrganizationDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (org: Organization) => void }) {
  const { admin } = useServices();
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const { busy, error, run } = useAction();
  const field = problemField(error, { invalid_name: "name", organization_exists: "name" });

  const submit = () =>
    run(async () => {
      const body: { name: string; display_name?: string } = { name: name.trim() };
      if (displayName.trim()) body.display_name = displayName.trim();
      onCreated(await admin.createOrganization(body));
    });

  return (
    <FormDialog
      title="New organization"
      submitLabel="Create organization"
      busyLabel="Creating…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="dir-form"
      noValidate
    >
      <Field
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        required
        maxLength={64}
        autoComplete="off"
        hint="1–64 letters, digits, '.', '_' and '-'; unique."
        error={field === "name" ? error : null}
        alertError
      />
      <Field label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={512} autoComplete="off" />
      {error && !field ? <ErrorNotice error={error} prefix="Could not create the organization" /> : null}
    </FormDialog>
  );
}

function OrganizationList({ path }: { path: string }) {
  const { admin } = useServices();
  const { can } = useSession();
  const orgs = useLoad((signal) => admin.organizations(signal), [admin]);
  const mayCreate = can("organizations:manage");
  const [creating, setCreating] = useState(false);
  const deletion = useConfirmed(
    async (org: Organization) => {
      await admin.deleteOrganization(org.id);
      orgs.reload();
    },
    { closeOnFailure: true },
  );

  const columns: Column<Organization>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (o) => (
        <Link to={path} query={{ org: o.id, view: "members" }}>
          {o.name}
        </Link>
      ),
    },
    { id: "display", header: "Display name", cell: (o) => o.display_name || <span className="muted">—</span> },
    { id: "role", header: "Your role", cell: (o) => <MyOrgRole org={o} /> },
    {
      id: "actions",
      header: "Actions",
      cell: (o) => (
        <div className="row-actions">
          <Link to={path} query={{ org: o.id, view: "members" }} aria-label={`Members of ${o.name}`}>
            Members
          </Link>
          <Link to={path} query={{ org: o.id, view: "roles" }} aria-label={`Custom roles of ${o.name}`}>
            Custom roles
          </Link>
          {mayCreate ? (
            <button type="button" className="button-danger" aria-label={`Delete ${o.name}`} onClick={() => deletion.ask(o)}>
              Delete
            </button>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <div>
      {mayCreate ? (
        <div className="toolbar">
          <button type="button" onClick={() => setCreating(true)}>
            New organization
          </button>
        </div>
      ) : null}
      <ErrorNotice error={deletion.error} prefix="Could not delete the organization" />
      <ErrorNotice error={orgs.error} prefix="Could not load the organizations" />
      {orgs.loading && !orgs.data ? <p role="status">Loading organizations…</p> : null}
      <DataTable
        caption="Organizations"
        columns={columns}
        rows={orgs.data?.items ?? []}
        rowKey={(o) => o.id}
        busy={orgs.loading}
        empty={mayCreate ? "No organizations yet." : "You belong to no organization."}
      />
      {creating ? (
        <CreateOrganizationDialog
          onClose={() => setCreating(false)}
          onCreated={(org) => {
            setCreating(false);
            navigate(path, { org: org.id, view: "members" });
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deletion.subject !== null}
        title={`Delete ${deletion.subject?.name ?? ""}?`}
        confirmLabel="Delete organization"
        danger
        busy={deletion.busy}
        onCancel={deletion.cancel}
        onConfirm={() => void deletion.confirm()}
      >
        <p>Its teams, their members and policies, its members and its custom roles are deleted with it.</p>
      </ConfirmDialog>
    </div>
  );
}

function OrganizationDetail({ path, orgId, view }: { path: string; orgId: string; view: string }) {
  const { admin } = useServices();
  const { permissions, user } = useSession();
  const org = useLoad((signal) => admin.organization(orgId, signal), [admin, orgId]);
  const canManage = managesOrg(permissions, orgId);
  const selected = VIEWS.some((v) => v.id === view) ? view : "members";

  const loadMembers = useCallback((signal: AbortSignal) => admin.orgMembers(orgId, signal), [admin, orgId]);
  const roleOptions = useCallback(
    (members: readonly Membership[]): RoleOption[] => {
      // Only owners (and platform admins) make owners: the server refuses it otherwise.
      const owner = !!permissions?.is_admin || members.some((m) => m.user_id === user?.id && m.role === "owner");
      return ORG_ROLES.filter((r) => r !== "owner" || owner).map((r) => ({ value: r, label: r }));
    },
    [permissions, user],
  );

  if (org.error) {
    return isNotFound(org.error) ? (
      <NotFoundNotice what="Organization" error={org.error} back={path} backLabel="All organizations" />
    ) : (
      <div>
        <ErrorNotice error={org.error} prefix="Could not load the organization" />
        <p>
          <Link to={path}>All organizations</Link>
        </p>
      </div>
    );
  }
  if (!org.data) return <p role="status">Loading organization…</p>;
  const o = org.data;
  return (
    <div className="dir-detail">
      <p>
        <Link to={path}>All organizations</Link>
      </p>
      <h2>
        {o.name}
        {o.display_name ? <span className="muted dir-subtitle"> {o.display_name}</span> : null}
      </h2>
      <Tabs label={`Organization ${o.name}`} tabs={VIEWS} selected={selected} onSelect={(next) => navigate(path, { org: orgId, view: next }, true)}>
        {selected === "members" ? (
          <MembersPanel
            noun="organization"
            groupName={o.name}
            help="Owners and admins manage the organization: its teams, members, custom roles and team policies, and they are team admins in every team of it. Only owners make owners."
            groupKey={orgId}
            load={loadMembers}
            roleOptions={roleOptions}
            roleLabel={(role) => roleLabel(role)}
            defaultRole="member"
            canManage={canManage}
            put={(userId, role) => admin.putOrgMember(orgId, userId, role)}
            remove={(userId) => admin.removeOrgMember(orgId, userId)}
          />
        ) : (
          <OrgRolesPanel org={orgId} orgName={o.name} canManage={canManage} />
        )}
      </Tabs>
    </div>
  );
}

export default function OrganizationsSection() {
  const route = useRoute();
  const org = route.query.get("org");
  const view = route.query.get("view") ?? "members";
  return org ? <OrganizationDetail key={org} path={route.path} orgId={org} view={view} /> : <OrganizationList path={route.path} />;
}
