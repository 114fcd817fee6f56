// The account's API keys: each with what it may do, creating one (its secret shown once) and
// revoking one. A key carries at most what the account holds; the form offers only that.

import { useEffect, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { grantableScopes, type ApiKey, type CreatedApiKey, type NewApiKey, type TeamSummary } from "../../lib/account";
import { formatTime } from "../../lib/format";
import { useAction, useConfirmed, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import "./AccountPage.css";

/** A date input's value (yyyy-mm-dd) as the end of that day in the browser's time, in UTC. */
export function expiryFromDate(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const end = new Date(`${date}T23:59:59`);
  return Number.isNaN(end.getTime()) ? undefined : end.toISOString();
}

function localDate(offsetDays: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function keyState(key: ApiKey, now = Date.now()): "revoked" | "expired" | "active" {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}

function CreateKeyDialog({ teams, onClose, onCreated }: { teams: TeamSummary[]; onClose: () => void; onCreated: (key: CreatedApiKey) => void }) {
  const { account } = useServices();
  const { permissions } = useSession();
  const [name, setName] = useState("");
  const [team, setTeam] = useState("");
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [expires, setExpires] = useState("");
  const { busy, error, setError, run } = useAction();
  const [problem, setProblem] = useState("");
  const offered = grantableScopes(permissions, team || undefined);

  const offeredKey = offered.join(" ");

  // A scope the chosen team does not hold cannot stay chosen.
  useEffect(() => {
    const allowed = new Set(offeredKey.split(" "));
    setScopes((current) => {
      const kept = new Set([...current].filter((s) => allowed.has(s)));
      return kept.size === current.size ? current : kept;
    });
  }, [offeredKey]);

  const toggle = (scope: string, on: boolean) =>
    setScopes((current) => {
      const next = new Set(current);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });

  const submit = async () => {
    setError(null);
    if (!name.trim()) return setProblem("Give the key a name.");
    if (scopes.size === 0) return setProblem("Choose at least one permission.");
    const expires_at = expires ? expiryFromDate(expires) : undefined;
    if (expires && !expires_at) return setProblem("The expiry date is not valid.");
    setProblem("");
    const body: NewApiKey = { name: name.trim(), scopes: offered.filter((s) => scopes.has(s)) };
    if (team) body.team_id = team;
    if (expires_at) body.expires_at = expires_at;
    await run(async () => onCreated(await account.createApiKey(body)));
  };

  return (
    <FormDialog
      title="Create an API key"
      submitLabel="Create key"
      busyLabel="Creating…"
      busy={busy}
      wide
      onClose={onClose}
      onSubmit={submit}
      formClassName="account-form"
      noValidate
    >
      <ErrorNotice error={error} prefix="Could not create the key" />
      {problem ? (
        <p className="error-text" role="alert">
          {problem}
        </p>
      ) : null}
      <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} maxLength={128} required autoComplete="off" hint="What the key is for, such as “CI deploys”." />
      <SelectField label="Team" value={team} onChange={(e) => setTeam(e.target.value)}>
        <option value="">No team (what you hold anywhere)</option>
        {teams.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </SelectField>
      <fieldset className="account-fieldset">
        <legend>Permissions</legend>
        <p className="muted small">{team ? "Only what you hold in this team." : "Only what you hold yourself."}</p>
        <div className="row-actions">
          <button type="button" className="button-secondary button-small" onClick={() => setScopes(new Set(offered))}>
            Choose all
          </button>
          <button type="button" className="button-secondary button-small" onClick={() => setScopes(new Set())}>
            Choose none
          </button>
        </div>
        <div className="scope-grid">
          {offered.map((scope) => (
            <label key={scope} className="inline-label">
              <input type="checkbox" checked={scopes.has(scope)} onChange={(e) => toggle(scope, e.target.checked)} />
              <span className="mono scope-name">{scope}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <Field label="Expires" type="date" value={expires} min={localDate(1)} onChange={(e) => setExpires(e.target.value)} hint="Optional: the key stops working at the end of that day." />
    </FormDialog>
  );
}

export function ApiKeysSection() {
  const { account } = useServices();
  const { permissions } = useSession();
  const keys = useLoad((signal) => account.apiKeys(signal), [account]);
  const teams = useLoad((signal) => account.teams(signal), [account]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [copyState, setCopyState] = useState("");
  const revocation = useConfirmed(async (key: ApiKey) => {
    await account.revokeApiKey(key.id);
    keys.reload();
  });

  const allTeams = teams.data ?? [];
  // Teams the key may be bound to: the caller's own (administrators: any).
  const myTeams = permissions?.is_admin ? allTeams : allTeams.filter((t) => permissions?.teams[t.id] !== undefined);
  const teamName = (id: string | null) => (id ? (allTeams.find((t) => t.id === id)?.name ?? id) : "—");
  const canCreate = grantableScopes(permissions).length > 0;

  const closeCreated = () => {
    // The key exists only in this state: closing forgets it.
    setCreated(null);
    setCopyState("");
  };

  const copy = async () => {
    if (!created) return;
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(created.key);
      setCopyState("Copied.");
    } catch {
      setCopyState("Copying is not available here; select the key and copy it.");
    }
  };

  const columns: Column<ApiKey>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "cell-name",
      cell: (k) => (
        <>
          <span>{k.name}</span>
          {k.prefix ? <span className="muted small mono">{k.prefix}…</span> : null}
        </>
      ),
    },
    { id: "scopes", header: "Permissions", cell: (k) => <span className="mono small">{k.scopes.join(", ")}</span> },
    { id: "team", header: "Team", cell: (k) => teamName(k.team_id) },
    { id: "created", header: "Created", cell: (k) => formatTime(k.created_at) },
    { id: "expires", header: "Expires", cell: (k) => (k.expires_at ? formatTime(k.expires_at) : "Never") },
    { id: "used", header: "Last used", cell: (k) => (k.last_used_at ? formatTime(k.last_used_at) : "Never") },
    {
      id: "state",
      header: "State",
      cell: (k) => {
        const state = keyState(k);
        return <span className={`status-pill ${state === "active" ? "status-up" : "status-down"}`}>{state}</span>;
      },
    },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (k) =>
        k.revoked_at ? null : (
          <div className="row-actions">
            <button
              type="button"
              className="button-danger"
              aria-label={`Revoke ${k.name}`}
              onClick={() => revocation.ask(k)}
            >
              Revoke
            </button>
          </div>
        ),
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>API keys</h2>
        {canCreate ? (
          <button type="button" onClick={() => setCreating(true)}>
            Create key
          </button>
        ) : null}
      </div>
      <p className="muted">
        Keys let scripts call the API as you, with the permissions you give them (send one as <span className="mono">Authorization: Bearer …</span>).
        {canCreate ? "" : " Your account holds no permission a key could carry."}
      </p>
      <ErrorNotice error={keys.error} prefix="Could not load your API keys" />
      <ErrorNotice error={teams.error} prefix="Could not load your teams" />
      {keys.loading && !keys.data ? <p role="status">Loading…</p> : null}
      <DataTable caption="Your API keys" columns={columns} rows={keys.data ?? []} rowKey={(k) => k.id} busy={keys.loading} empty="No API keys." />

      {creating ? (
        <CreateKeyDialog
          teams={myTeams}
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
            keys.reload();
          }}
        />
      ) : null}

      <Dialog
        open={created !== null}
        title="Your new API key"
        onClose={closeCreated}
        actions={
          <button type="button" onClick={closeCreated}>
            Done
          </button>
        }
      >
        {created ? (
          <div className="account-form">
            <p className="notice notice-error">
              <strong>Copy the key now: it will not be shown again.</strong>
            </p>
            <p>
              <span className="mono api-key-secret">{created.key}</span>
            </p>
            <div className="row-actions">
              <button type="button" className="button-secondary" onClick={() => void copy()}>
                Copy
              </button>
              <span role="status" className="muted small">
                {copyState}
              </span>
            </div>
          </div>
        ) : null}
      </Dialog>

      <ConfirmDialog
        open={revocation.subject !== null}
        title="Revoke API key"
        confirmLabel="Revoke"
        danger
        busy={revocation.busy}
        onConfirm={() => void revocation.confirm()}
        onCancel={revocation.cancel}
      >
        <p>
          Revoke <strong>{revocation.subject?.name}</strong>? Anything using it stops working at once.
        </p>
        <ErrorNotice error={revocation.error} prefix="Could not revoke" />
      </ConfirmDialog>
    </div>
  );
}
