// The members of an organization or a team: who they are, their role, and (for those who
// manage it) adding someone, changing a role and removing a member. Organizations and teams
// differ only in their roles and routes, which the caller passes in.

import { useId, useMemo, useState, type FormEvent } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { FieldError, SelectField } from "../../components/Field";
import type { Membership } from "../../lib/admin";
import type { ListPage } from "../../lib/dokkerr";
import { useAction, useLoad } from "../../lib/hooks";
import { useSession } from "../../lib/session";
import { problemField } from "./OrgShared";
import { UserPicker } from "./UsersPicker";

export interface RoleOption {
  value: string;
  label: string;
}

export interface MembersPanelProps {
  /** "organization" or "team": how the text names the group. */
  noun: string;
  /** The group's name, for the table's caption and the confirmations. */
  groupName: string;
  /** Changes when another group is shown (the members are loaded again). */
  groupKey: string;
  load: (signal: AbortSignal) => Promise<ListPage<Membership>>;
  /** The roles the caller may give, knowing the current members. */
  roleOptions: (members: readonly Membership[]) => RoleOption[];
  roleLabel: (role: string) => string;
  defaultRole: string;
  canManage: boolean;
  put: (userId: string, role: string) => Promise<void>;
  remove: (userId: string) => Promise<void>;
  /** People to offer in the picker to callers who cannot list every account. */
  candidates?: readonly Membership[];
  /** What the roles mean. */
  help?: string;
}

interface Failure {
  what: string;
  error: unknown;
}

function AddMember({
  noun,
  options,
  defaultRole,
  exclude,
  candidates,
  put,
  onAdded,
}: {
  noun: string;
  options: RoleOption[];
  defaultRole: string;
  exclude: ReadonlySet<string>;
  candidates: readonly Membership[];
  put: (userId: string, role: string) => Promise<void>;
  onAdded: () => void;
}) {
  const id = useId();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState(defaultRole);
  const { busy, error, setError, run } = useAction();
  const [pickerKey, setPickerKey] = useState(0);
  const userProblem = problemField(error, { user_not_found: "user" }) === "user";
  const roleProblem = problemField(error, { invalid_role: "role" }) === "role";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId) {
      setError(new Error("Choose the account to add."));
      return;
    }
    await run(async () => {
      await put(userId, role);
      setUserId("");
      setPickerKey((k) => k + 1);
      onAdded();
    });
  };

  return (
    <form className="panel dir-add-form" aria-labelledby={`${id}-title`} onSubmit={submit} noValidate>
      <h3 id={`${id}-title`}>Add a member</h3>
      <UserPicker
        key={pickerKey}
        value={userId}
        onChange={setUserId}
        candidates={candidates}
        exclude={exclude}
        describedBy={userProblem ? `${id}-user-problem` : undefined}
      />
      <FieldError id={`${id}-user-problem`} error={userProblem ? error : null} alert />
      <SelectField label={`Role in the ${noun}`} value={role} onChange={(e) => setRole(e.target.value)} error={roleProblem ? error : null} alertError>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </SelectField>
      {error && !userProblem && !roleProblem ? <ErrorNotice error={error} prefix="Could not add the member" /> : null}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add member"}
        </button>
      </div>
    </form>
  );
}

export function MembersPanel({
  noun,
  groupName,
  groupKey,
  load,
  roleOptions,
  roleLabel,
  defaultRole,
  canManage,
  put,
  remove,
  candidates = [],
  help,
}: MembersPanelProps) {
  const { user: me } = useSession();
  const members = useLoad((signal) => load(signal), [groupKey]);
  const items = useMemo(() => members.data?.items ?? [], [members.data]);
  const [pending, setPending] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [failure, setFailure] = useState<Failure | null>(null);
  const [removing, setRemoving] = useState<Membership | null>(null);
  const options = roleOptions(items);
  const exclude = useMemo(() => new Set(items.map((m) => m.user_id)), [items]);

  const act = async (member: Membership, what: string, action: () => Promise<void>) => {
    setBusy((b) => new Set(b).add(member.user_id));
    setFailure(null);
    try {
      await action();
      setPending((p) => {
        const next = { ...p };
        delete next[member.user_id];
        return next;
      });
      members.reload();
    } catch (error) {
      setFailure({ what, error });
    } finally {
      setBusy((b) => {
        const next = new Set(b);
        next.delete(member.user_id);
        return next;
      });
    }
  };

  const columns: Column<Membership>[] = [
    {
      id: "member",
      header: "Member",
      rowHeader: true,
      className: "cell-name",
      cell: (m) => (
        <>
          <span>
            {m.username}
            {m.user_id === me?.id ? <span className="badge">you</span> : null}
          </span>
          <span className="muted small mono">{m.user_id}</span>
        </>
      ),
    },
    {
      id: "role",
      header: "Role",
      cell: (m) => {
        if (!canManage) return roleLabel(m.role);
        const chosen = pending[m.user_id] ?? m.role;
        const rowOptions = options.some((o) => o.value === m.role) ? options : [{ value: m.role, label: roleLabel(m.role) }, ...options];
        return (
          <div className="row-actions">
            <select
              aria-label={`Role of ${m.username}`}
              value={chosen}
              disabled={busy.has(m.user_id)}
              onChange={(e) => setPending((p) => ({ ...p, [m.user_id]: e.target.value }))}
            >
              {rowOptions.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            {chosen !== m.role ? (
              <button
                type="button"
                aria-label={`Save role of ${m.username}`}
                disabled={busy.has(m.user_id)}
                onClick={() => void act(m, `change the role of ${m.username}`, () => put(m.user_id, chosen))}
              >
                Save role
              </button>
            ) : null}
          </div>
        );
      },
    },
  ];
  if (canManage) {
    columns.push({
      id: "actions",
      header: "Actions",
      cell: (m) => (
        <div className="row-actions">
          <button
            type="button"
            className="button-danger"
            aria-label={`Remove ${m.username}`}
            disabled={busy.has(m.user_id)}
            onClick={() => setRemoving(m)}
          >
            Remove
          </button>
        </div>
      ),
    });
  }

  return (
    <div className="dir-members">
      {help ? <p className="muted small">{help}</p> : null}
      {failure ? <ErrorNotice error={failure.error} prefix={`Could not ${failure.what}`} /> : null}
      <ErrorNotice error={members.error} prefix="Could not load the members" />
      {members.loading && !members.data ? <p role="status">Loading members…</p> : null}
      <DataTable
        caption={`Members of ${groupName}`}
        columns={columns}
        rows={items}
        rowKey={(m) => m.user_id}
        busy={members.loading}
        empty={`This ${noun} has no members yet.`}
      />
      {canManage ? (
        <>
          <p className="muted small">
            A member whose role changes, or who is removed, is signed out of their sessions so the change applies at once.
          </p>
          <AddMember
            key={groupKey}
            noun={noun}
            options={options}
            defaultRole={defaultRole}
            exclude={exclude}
            candidates={candidates}
            put={put}
            onAdded={members.reload}
          />
        </>
      ) : null}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.username ?? ""}?`}
        confirmLabel="Remove"
        danger
        busy={removing !== null && busy.has(removing.user_id)}
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const member = removing;
          if (!member) return;
          setRemoving(null);
          void act(member, `remove ${member.username}`, () => remove(member.user_id));
        }}
      >
        <p>
          {removing?.username} leaves the {noun} {groupName} and loses what it gave them.
        </p>
      </ConfirmDialog>
    </div>
  );
}
