// Accounts (users:manage): every account, a page at a time, searched among those loaded;
// creating one, editing its profile, admin role and disabled state, and deleting it. The
// caller's own account cannot be disabled, demoted or deleted here (the server refuses it).

import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { Field } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import type { DirectoryUser, NewUser, UserChanges } from "../../lib/admin";
import { formatRelative, formatTime } from "../../lib/format";
import { useAction } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { problemField } from "./OrgShared";
import { usePagedList } from "./UsersPaging";

const PAGE_SIZE = 100;
const MIN_PASSWORD = 12;

const CREATE_FIELDS: Record<string, string> = {
  password_too_short: "password",
  password_too_long: "password",
  common_password: "password",
  invalid_password: "password",
  invalid_username: "username",
  username_taken: "username",
};

function yesNo(value: boolean | undefined): string {
  return value ? "Yes" : "No";
}

function CreateUserDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (user: DirectoryUser) => void }) {
  const { admin } = useServices();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const { busy, error, setError, run } = useAction();
  // A problem found before sending: the field and what to say.
  const [local, setLocal] = useState<{ field: string; problem: Error } | null>(null);
  const field = local?.field ?? problemField(error, CREATE_FIELDS);
  const shown = local?.problem ?? error;

  const submit = async () => {
    setError(null);
    setLocal(null);
    if (!username.trim()) {
      setLocal({ field: "username", problem: new Error("Enter a username.") });
      return;
    }
    // Counted in characters, as the server counts them.
    if ([...password].length < MIN_PASSWORD) {
      setLocal({ field: "password", problem: new Error(`Passwords are at least ${MIN_PASSWORD} characters long.`) });
      return;
    }
    await run(async () => {
      const body: NewUser = { username: username.trim(), password, is_admin: isAdmin };
      if (email.trim()) body.email = email.trim();
      if (displayName.trim()) body.display_name = displayName.trim();
      onCreated(await admin.createUser(body));
    });
  };

  return (
    <FormDialog
      title="New user"
      submitLabel="Create user"
      busyLabel="Creating…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="dir-form"
      noValidate
    >
      <Field
        label="Username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        required
        maxLength={64}
        autoComplete="off"
        spellCheck={false}
        error={field === "username" ? shown : null}
        alertError
      />
      {/* The problem takes the hint's place. */}
      <Field
        label="Password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
        minLength={MIN_PASSWORD}
        maxLength={1024}
        autoComplete="new-password"
        error={field === "password" ? shown : null}
        alertError
        hint={field === "password" ? undefined : `At least ${MIN_PASSWORD} characters; common passwords are refused.`}
      />
      <Field label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={512} autoComplete="off" />
      <Field label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={512} autoComplete="off" />
      <label className="dir-check">
        <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
        <span>Platform administrator</span>
      </label>
      {isAdmin ? <p className="field-hint">A platform administrator holds every permission on every environment, team and organization.</p> : null}
      {error && !field ? <ErrorNotice error={error} prefix="Could not create the user" /> : null}
    </FormDialog>
  );
}

function EditUserDialog({
  user,
  self,
  onClose,
  onSaved,
}: {
  user: DirectoryUser;
  self: boolean;
  onClose: () => void;
  onSaved: (user: DirectoryUser) => void;
}) {
  const { admin } = useServices();
  const [displayName, setDisplayName] = useState(user.display_name ?? "");
  const [email, setEmail] = useState(user.email ?? "");
  const [isAdmin, setIsAdmin] = useState(user.is_admin);
  const [disabled, setDisabled] = useState(!!user.disabled);
  const { busy, error, run } = useAction();

  const changes: UserChanges = {};
  if (displayName.trim() !== (user.display_name ?? "")) changes.display_name = displayName.trim();
  if (email.trim() !== (user.email ?? "")) changes.email = email.trim();
  if (!self && isAdmin !== user.is_admin) changes.is_admin = isAdmin;
  if (!self && disabled !== !!user.disabled) changes.disabled = disabled;
  const endsSessions = changes.is_admin !== undefined || changes.disabled === true;
  const changed = Object.keys(changes).length > 0;

  const submit = async () => {
    if (!changed) {
      onClose();
      return;
    }
    await run(async () => onSaved(await admin.updateUser(user.id, changes)));
  };

  return (
    <FormDialog
      title={`Edit ${user.username}`}
      submitLabel="Save"
      busyLabel="Saving…"
      busy={busy}
      disabled={!changed}
      onClose={onClose}
      onSubmit={submit}
      formClassName="dir-form"
      noValidate
    >
      <Field label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={512} autoComplete="off" />
      <Field label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={512} autoComplete="off" />
      {self ? (
        <p className="muted small">You cannot disable or demote your own account; another administrator can.</p>
      ) : (
        <>
          <label className="dir-check">
            <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
            <span>Platform administrator</span>
          </label>
          <label className="dir-check">
            <input type="checkbox" checked={disabled} onChange={(e) => setDisabled(e.target.checked)} />
            <span>Disabled</span>
          </label>
          <p className="field-hint">
            Disabling the account, or giving or taking the administrator role, ends all of its sessions at once: the person signs in again (a disabled account cannot).
          </p>
        </>
      )}
      <InfoNotice>{endsSessions ? `Saving ends ${user.username}'s sessions.` : null}</InfoNotice>
      <ErrorNotice error={error} prefix="Could not save the user" />
    </FormDialog>
  );
}

type Pending = { kind: "delete" | "disable"; user: DirectoryUser };

export default function UsersSection() {
  const { admin } = useServices();
  const { user: me } = useSession();
  const users = usePagedList((cursor, signal) => admin.users({ limit: PAGE_SIZE, cursor }, signal), [admin]);
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<DirectoryUser | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const action = useAction();
  // What the last action was, to say what failed.
  const [what, setWhat] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const busy = action.busy;

  const needle = search.trim().toLowerCase();
  const rows = useMemo(
    () =>
      needle
        ? users.items.filter(
            (u) =>
              u.username.toLowerCase().includes(needle) ||
              (u.display_name ?? "").toLowerCase().includes(needle) ||
              (u.email ?? "").toLowerCase().includes(needle),
          )
        : users.items,
    [users.items, needle],
  );

  const replace = (saved: DirectoryUser) => users.update((items) => items.map((u) => (u.id === saved.id ? saved : u)));

  const run = async (label: string, act: () => Promise<void>) => {
    setWhat(label);
    setNotice(null);
    await action.run(act);
    setPending(null);
  };

  const confirm = () => {
    if (!pending) return;
    const { kind, user } = pending;
    if (kind === "delete") {
      void run(`delete ${user.username}`, async () => {
        await admin.deleteUser(user.id);
        users.update((items) => items.filter((u) => u.id !== user.id));
        setNotice(`${user.username} deleted.`);
      });
    } else {
      void run(`disable ${user.username}`, async () => {
        replace(await admin.updateUser(user.id, { disabled: true }));
        setNotice(`${user.username} disabled and signed out.`);
      });
    }
  };

  const enable = (user: DirectoryUser) =>
    void run(`enable ${user.username}`, async () => {
      replace(await admin.updateUser(user.id, { disabled: false }));
      setNotice(`${user.username} enabled.`);
    });

  const columns: Column<DirectoryUser>[] = [
    {
      id: "username",
      header: "Username",
      rowHeader: true,
      className: "cell-name",
      cell: (u) => (
        <>
          <span>
            {u.username}
            {u.id === me?.id ? <span className="badge">you</span> : null}
          </span>
          <span className="muted small mono">{u.id}</span>
        </>
      ),
    },
    { id: "display", header: "Display name", cell: (u) => u.display_name || <span className="muted">—</span> },
    { id: "email", header: "E-mail", cell: (u) => u.email || <span className="muted">—</span> },
    { id: "admin", header: "Platform admin", cell: (u) => yesNo(u.is_admin) },
    { id: "disabled", header: "Disabled", cell: (u) => (u.disabled ? <strong className="dir-warn">Yes</strong> : "No") },
    { id: "mfa", header: "Two-factor", cell: (u) => (u.mfa_enabled ? "On" : "Off") },
    { id: "source", header: "Sign-in source", cell: (u) => (u.auth_source === "oidc" ? "oidc" : "local") },
    {
      id: "last",
      header: "Last sign-in",
      cell: (u) =>
        u.last_login_at ? (
          <time dateTime={u.last_login_at} title={formatTime(u.last_login_at)}>
            {formatRelative(u.last_login_at)}
          </time>
        ) : (
          <span className="muted">never</span>
        ),
    },
    {
      id: "actions",
      header: "Actions",
      cell: (u) => {
        const self = u.id === me?.id;
        return (
          <div className="row-actions">
            <button type="button" className="button-secondary" aria-label={`Edit ${u.username}`} disabled={busy} onClick={() => setEditing(u)}>
              Edit
            </button>
            {self ? null : u.disabled ? (
              <button type="button" className="button-secondary" aria-label={`Enable ${u.username}`} disabled={busy} onClick={() => enable(u)}>
                Enable
              </button>
            ) : (
              <button
                type="button"
                className="button-secondary"
                aria-label={`Disable ${u.username}`}
                disabled={busy}
                onClick={() => setPending({ kind: "disable", user: u })}
              >
                Disable
              </button>
            )}
            {self ? null : (
              <button
                type="button"
                className="button-danger"
                aria-label={`Delete ${u.username}`}
                disabled={busy}
                onClick={() => setPending({ kind: "delete", user: u })}
              >
                Delete
              </button>
            )}
          </div>
        );
      },
    },
  ];

  return (
    <div className="dir-users">
      <div className="toolbar">
        <label className="inline-label">
          <span>Search</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="username, name or e-mail" autoComplete="off" />
        </label>
        <button type="button" onClick={() => setCreating(true)}>
          New user
        </button>
      </div>
      {users.hasMore && needle ? <p className="muted small">The search covers the accounts loaded so far.</p> : null}
      <InfoNotice>{notice}</InfoNotice>
      <ErrorNotice error={action.error} prefix={`Could not ${what}`} />
      <ErrorNotice error={users.error} prefix="Could not load the accounts" />
      {users.loading && users.items.length === 0 ? <p role="status">Loading accounts…</p> : null}
      <DataTable
        caption="Users"
        columns={columns}
        rows={rows}
        rowKey={(u) => u.id}
        busy={users.loading}
        empty={needle ? "No loaded account matches the search." : "No accounts."}
      />
      <div className="pager">
        <span className="muted small" role="status">
          {users.items.length} account{users.items.length === 1 ? "" : "s"} loaded{users.capped ? " (the most this page keeps)" : ""}
        </span>
        {users.hasMore ? (
          <button type="button" className="button-secondary" onClick={users.loadMore} disabled={users.loading}>
            {users.loading ? "Loading…" : "Load more"}
          </button>
        ) : null}
      </div>
      {creating ? (
        <CreateUserDialog
          onClose={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            users.update((items) => [created, ...items.filter((u) => u.id !== created.id)]);
            setNotice(`${created.username} created.`);
          }}
        />
      ) : null}
      {editing ? (
        <EditUserDialog
          user={editing}
          self={editing.id === me?.id}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            replace(saved);
            setNotice(`${saved.username} saved.`);
          }}
        />
      ) : null}
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${pending.kind === "delete" ? "Delete" : "Disable"} ${pending.user.username}?` : ""}
        confirmLabel={pending?.kind === "delete" ? "Delete user" : "Disable user"}
        danger
        busy={busy}
        onCancel={() => setPending(null)}
        onConfirm={confirm}
      >
        {pending?.kind === "delete" ? (
          <p>The account, its sessions, API keys and memberships are deleted. This cannot be undone.</p>
        ) : (
          <p>All of the account's sessions end at once, and it cannot sign in until it is enabled again.</p>
        )}
      </ConfirmDialog>
    </div>
  );
}
