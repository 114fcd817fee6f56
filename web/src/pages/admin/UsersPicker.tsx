// Picks the account to add to an organization or a team. Only platform admins may list every
// account (GET /api/v1/users needs users:manage); everyone else picks from the people they can
// see (the organization's members) or types the account's id, which is what the membership
// routes take.

import { useId, useMemo, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { Membership } from "../../lib/admin";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { usePagedList } from "./UsersPaging";

const BY_ID = "\u0000by-id";

export interface UserPickerProps {
  /** The picked account's id ("" for none). */
  value: string;
  onChange: (userId: string) => void;
  /** People the caller can see, for callers who cannot list accounts. */
  candidates: readonly Membership[];
  /** Accounts that are members already. */
  exclude: ReadonlySet<string>;
  describedBy?: string | undefined;
}

function AllUsersPicker({ value, onChange, exclude, describedBy }: Omit<UserPickerProps, "candidates">) {
  const { admin } = useServices();
  const id = useId();
  const [filter, setFilter] = useState("");
  const users = usePagedList((cursor, signal) => admin.users({ limit: 200, cursor }, signal), [admin]);
  const needle = filter.trim().toLowerCase();
  const options = useMemo(
    () =>
      users.items.filter(
        (u) =>
          !exclude.has(u.id) &&
          (!needle ||
            u.username.toLowerCase().includes(needle) ||
            (u.display_name ?? "").toLowerCase().includes(needle) ||
            (u.email ?? "").toLowerCase().includes(needle)),
      ),
    [users.items, exclude, needle],
  );
  return (
    <div className="dir-picker">
      <div className="field">
        <label htmlFor={`${id}-filter`}>Find an account</label>
        <input id={`${id}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-user`}>Account</label>
        <select id={`${id}-user`} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} required>
          <option value="">{users.loading && users.items.length === 0 ? "Loading accounts…" : "Choose an account"}</option>
          {options.map((u) => (
            <option key={u.id} value={u.id}>
              {u.username}
              {u.display_name ? ` (${u.display_name})` : ""}
              {u.disabled ? " (disabled)" : ""}
            </option>
          ))}
        </select>
      </div>
      {users.hasMore ? (
        <button type="button" className="button-secondary button-small" onClick={users.loadMore} disabled={users.loading}>
          Load more accounts
        </button>
      ) : null}
      <ErrorNotice error={users.error} prefix="Could not list accounts" />
    </div>
  );
}

function KnownPeoplePicker({ value, onChange, candidates, exclude, describedBy }: UserPickerProps) {
  const id = useId();
  const choices = candidates.filter((c) => !exclude.has(c.user_id));
  // Until the person chooses, typing an id is the way only when there is no one to pick (the
  // candidates may still be loading).
  const [mode, setMode] = useState<"list" | "id" | null>(null);
  const byId = mode === "id" || (mode === null && choices.length === 0);
  const listed = choices.some((c) => c.user_id === value);
  return (
    <div className="dir-picker">
      {choices.length > 0 ? (
        <div className="field">
          <label htmlFor={`${id}-user`}>Account</label>
          <select
            id={`${id}-user`}
            value={byId ? BY_ID : listed ? value : ""}
            onChange={(e) => {
              const next = e.target.value;
              setMode(next === BY_ID ? "id" : "list");
              onChange(next === BY_ID ? "" : next);
            }}
            aria-describedby={describedBy}
          >
            <option value="">Choose an account</option>
            {choices.map((c) => (
              <option key={c.user_id} value={c.user_id}>
                {c.username}
              </option>
            ))}
            <option value={BY_ID}>Another account, by its id…</option>
          </select>
        </div>
      ) : null}
      {byId ? (
        <div className="field">
          <label htmlFor={`${id}-id`}>User id</label>
          <input
            id={`${id}-id`}
            className="mono"
            value={value}
            onChange={(e) => onChange(e.target.value.trim())}
            autoComplete="off"
            spellCheck={false}
            maxLength={128}
            aria-describedby={`${id}-id-hint${describedBy ? ` ${describedBy}` : ""}`}
            required
          />
          <p className="field-hint" id={`${id}-id-hint`}>
            The account's id, not its username: platform administrators see every account's id under Users.
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** Chooses an account: from every account for those who may list them, else from known people or by id. */
export function UserPicker(props: UserPickerProps) {
  const { can } = useSession();
  if (can("users:manage")) return <AllUsersPicker value={props.value} onChange={props.onChange} exclude={props.exclude} describedBy={props.describedBy} />;
  return <KnownPeoplePicker {...props} />;
}
