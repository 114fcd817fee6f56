// Where the account is signed in: each session, revoking one, and signing out everywhere else.
// DELETE /api/v1/me/sessions ends every session including this one, so "everywhere else" ends
// the others one by one.

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import type { AccountSession } from "../../lib/account";
import { formatRelative, formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import "./AccountPage.css";

type Pending = { kind: "one"; session: AccountSession } | { kind: "others" } | { kind: "this" } | null;

export function SessionsSection() {
  const { account, dokkerr } = useServices();
  const sessions = useLoad((signal) => account.sessions(signal), [account]);
  const [pending, setPending] = useState<Pending>(null);
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState("");

  const list = sessions.data ?? [];
  const others = list.filter((s) => !s.current);

  const confirm = async () => {
    if (!pending) return;
    // Logging out ends this session on the server and forgets the tokens: the app shows sign-in.
    if (pending.kind === "this") {
      await run(() => dokkerr.logout());
      return;
    }
    const chosen = pending;
    setNotice("");
    await run(async () => {
      if (chosen.kind === "one") {
        await account.revokeSession(chosen.session.id);
        setNotice("The session was signed out.");
      } else {
        let ended = 0;
        for (const session of others) {
          await account.revokeSession(session.id);
          ended += 1;
        }
        setNotice(`${ended} other ${ended === 1 ? "session was" : "sessions were"} signed out.`);
      }
    });
    setPending(null);
    sessions.reload();
  };

  const columns: Column<AccountSession>[] = [
    {
      id: "client",
      header: "Client",
      rowHeader: true,
      className: "cell-name",
      cell: (s) => (
        <>
          <span className="session-agent">{s.user_agent || "Unknown client"}</span>
          {s.current ? <span className="badge">this session</span> : null}
        </>
      ),
    },
    { id: "address", header: "Address", cell: (s) => <span className="mono">{s.client_address || "—"}</span> },
    { id: "method", header: "Signed in with", cell: (s) => s.auth_method || "—" },
    { id: "created", header: "Signed in", cell: (s) => formatTime(s.created_at) },
    { id: "used", header: "Last used", cell: (s) => <span title={formatTime(s.last_used_at)}>{formatRelative(s.last_used_at)}</span> },
    { id: "expires", header: "Expires", cell: (s) => formatTime(s.expires_at) },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (s) => (
        <div className="row-actions">
          {s.current ? (
            <button type="button" className="button-secondary" onClick={() => setPending({ kind: "this" })}>
              Sign out
            </button>
          ) : (
            <button
              type="button"
              className="button-danger"
              aria-label={`Revoke the session of ${s.user_agent || "an unknown client"} from ${s.client_address || "an unknown address"}`}
              onClick={() => setPending({ kind: "one", session: s })}
            >
              Revoke
            </button>
          )}
        </div>
      ),
    },
  ];

  const question =
    pending?.kind === "this"
      ? "Sign out of this session? You will need to sign in again."
      : pending?.kind === "one"
        ? `Sign out the session of ${pending.session.user_agent || "an unknown client"} (${pending.session.client_address || "unknown address"})?`
        : `Sign out all ${others.length} other ${others.length === 1 ? "session" : "sessions"}? This one stays signed in.`;

  return (
    <div>
      <div className="panel-head">
        <h2>Sessions</h2>
        <div className="row-actions">
          <button type="button" className="button-secondary" onClick={() => sessions.reload()} disabled={sessions.loading}>
            Refresh
          </button>
          <button type="button" className="button-danger" disabled={others.length === 0} onClick={() => setPending({ kind: "others" })}>
            Sign out everywhere else
          </button>
        </div>
      </div>
      <p className="muted">Each place your account is signed in. Revoking a session ends it at once.</p>
      <InfoNotice>{notice}</InfoNotice>
      <ErrorNotice error={error} prefix="Could not sign out the session" />
      <ErrorNotice error={sessions.error} prefix="Could not load your sessions" />
      {sessions.loading && !sessions.data ? <p role="status">Loading…</p> : null}
      <DataTable caption="Your sessions" columns={columns} rows={list} rowKey={(s) => s.id} busy={sessions.loading} empty="No sessions." />
      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === "this" ? "Sign out" : "Revoke sessions"}
        confirmLabel={pending?.kind === "this" ? "Sign out" : "Revoke"}
        danger
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setPending(null)}
      >
        <p>{question}</p>
      </ConfirmDialog>
    </div>
  );
}
