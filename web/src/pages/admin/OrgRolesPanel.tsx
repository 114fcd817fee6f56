// An organization's custom roles: named sets of team permissions that its teams can give
// members (as `role:<id>`). The server takes team permissions only, so only those are offered.

import { useId, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { Field, FieldError } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { TEAM_PERMISSION_HINTS, TEAM_ROLE_PERMISSIONS, TEAM_ROLES, type CustomRole } from "../../lib/admin";
import { TEAM_PERMISSIONS } from "../../lib/permissions";
import { useAction, useConfirmed, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { problemField } from "./OrgShared";

function CreateRoleDialog({ org, onClose, onCreated }: { org: string; onClose: () => void; onCreated: (role: CustomRole) => void }) {
  const { admin } = useServices();
  const id = useId();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const { busy, error, run } = useAction();
  const field = problemField(error, { invalid_name: "name", role_exists: "name", invalid_permission: "permissions" });
  const [missing, setMissing] = useState(false);

  const toggle = (permission: string) => {
    const next = new Set(chosen);
    if (next.has(permission)) next.delete(permission);
    else next.add(permission);
    setChosen(next);
    setMissing(false);
  };

  const submit = async () => {
    if (chosen.size === 0) {
      setMissing(true);
      return;
    }
    await run(async () => {
      // In the catalog's order, so the stored role reads the same way as the list here.
      const permissions = TEAM_PERMISSIONS.filter((p) => chosen.has(p));
      const role = await admin.createOrgRole(org, { name: name.trim(), permissions });
      onCreated(role);
    });
  };

  const permProblem = missing ? new Error("Choose at least one permission.") : field === "permissions" ? error : null;
  return (
    <FormDialog
      wide
      title="New custom role"
      submitLabel="Create role"
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
        hint="1–64 letters, digits, '.', '_' and '-'."
        error={field === "name" ? error : null}
        alertError
      />
      <fieldset className="dir-permissions" aria-describedby={permProblem ? `${id}-perm-problem` : undefined}>
        <legend>Team permissions</legend>
        <div className="dir-presets" role="group" aria-label="Start from a built-in role">
          <span className="muted small">Start from:</span>
          {TEAM_ROLES.map((role) => (
            <button key={role} type="button" className="button-secondary button-small" onClick={() => {
                setChosen(new Set(TEAM_ROLE_PERMISSIONS[role]));
                setMissing(false);
              }}>
              {role}
            </button>
          ))}
          <button type="button" className="button-secondary button-small" onClick={() => setChosen(new Set())}>
            none
          </button>
        </div>
        <ul className="dir-check-grid">
          {TEAM_PERMISSIONS.map((permission) => (
            <li key={permission}>
              <label className="dir-check">
                <input type="checkbox" checked={chosen.has(permission)} onChange={() => toggle(permission)} />
                <span className="mono">{permission}</span>
                <span className="muted small">{TEAM_PERMISSION_HINTS[permission]}</span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <FieldError id={`${id}-perm-problem`} error={permProblem} alert />
      {error && !field ? <ErrorNotice error={error} prefix="Could not create the role" /> : null}
    </FormDialog>
  );
}

export function OrgRolesPanel({ org, orgName, canManage }: { org: string; orgName: string; canManage: boolean }) {
  const { admin } = useServices();
  const roles = useLoad((signal) => admin.orgRoles(org, signal), [admin, org]);
  const [creating, setCreating] = useState(false);
  const deletion = useConfirmed(
    async (role: CustomRole) => {
      await admin.deleteOrgRole(org, role.id);
      roles.reload();
    },
    { closeOnFailure: true },
  );
  const [created, setCreated] = useState<string | null>(null);

  const columns: Column<CustomRole>[] = [
    {
      id: "name",
      header: "Role",
      rowHeader: true,
      className: "cell-name",
      cell: (r) => (
        <>
          <span>{r.name}</span>
          <span className="muted small mono">role:{r.id}</span>
        </>
      ),
    },
    {
      id: "permissions",
      header: "Permissions",
      cell: (r) => <span className="mono small">{r.permissions.join(", ")}</span>,
    },
  ];
  if (canManage) {
    columns.push({
      id: "actions",
      header: "Actions",
      cell: (r) => (
        <div className="row-actions">
          <button type="button" className="button-danger" aria-label={`Delete role ${r.name}`} onClick={() => deletion.ask(r)}>
            Delete
          </button>
        </div>
      ),
    });
  }

  return (
    <div className="dir-roles">
      <p className="muted small">
        A custom role is a set of team permissions; any team of {orgName} can give it to a member.
      </p>
      {canManage ? (
        <div className="toolbar">
          <button type="button" onClick={() => setCreating(true)}>
            New custom role
          </button>
        </div>
      ) : null}
      <InfoNotice>{created ? `Role ${created} created.` : null}</InfoNotice>
      <ErrorNotice error={deletion.error} prefix="Could not delete the role" />
      <ErrorNotice error={roles.error} prefix="Could not load the custom roles" />
      {roles.loading && !roles.data ? <p role="status">Loading roles…</p> : null}
      <DataTable
        caption={`Custom roles of ${orgName}`}
        columns={columns}
        rows={roles.data?.items ?? []}
        rowKey={(r) => r.id}
        busy={roles.loading}
        empty="No custom roles: teams use the built-in roles admin, developer, operator and viewer."
      />
      {creating ? (
        <CreateRoleDialog
          org={org}
          onClose={() => setCreating(false)}
          onCreated={(role) => {
            setCreating(false);
            setCreated(role.name);
            roles.reload();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deletion.subject !== null}
        title={`Delete role ${deletion.subject?.name ?? ""}?`}
        confirmLabel="Delete role"
        danger
        busy={deletion.busy}
        onCancel={deletion.cancel}
        onConfirm={() => void deletion.confirm()}
      >
        <p>Team members who hold this role are removed from their teams.</p>
      </ConfirmDialog>
    </div>
  );
}
