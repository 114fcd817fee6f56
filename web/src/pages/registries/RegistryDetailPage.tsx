// One stored registry: where it is and who it is for, "Test connection" (the server asks the
// registry with the stored login and says what went wrong), edit and delete for those who manage
// it, and its catalog: repositories a page at a time and the tags of the one picked.

import { useState } from "react";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { mayManageRegistry, scopeText, useOrganizationNames, useRegistriesApi, type Registry } from "../../lib/registries";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { Facts, OutcomeNotice } from "../networks/ResourceParts";
import { RegistryBrowser } from "./RegistryBrowser";
import { RegistryEditDialog } from "./RegistryEditDialog";
import { InsecureBadge } from "./RegistryParts";
import "../containers/containers.css";
import "./registries.css";

type Busy = "check" | "remove" | null;

type CheckResult = { ok: true; address: string; withLogin: boolean } | { ok: false; error: unknown };

function When({ at }: { at: string }) {
  if (!at) return null;
  return (
    <time dateTime={at} title={formatTime(at)}>
      {formatRelative(at)}
    </time>
  );
}

export default function RegistryDetailPage({ id }: { id: string }) {
  const registries = useRegistriesApi();
  const session = useSession();
  const teams = useTeamNames();
  const orgs = useOrganizationNames();
  const loaded = useLoad<Registry | undefined>((signal) => (id ? registries.find(id, signal) : Promise.resolve(undefined)), [registries, id]);
  const registry = loaded.data;
  const notFound = !!id && !loaded.loading && !loaded.error && !registry;

  const [busy, setBusy] = useState<Busy>(null);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [editing, setEditing] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);

  const canManage = !!registry && mayManageRegistry(session.permissions, registry);
  const name = registry?.name ?? "";

  const testConnection = async () => {
    if (!registry) return;
    setBusy("check");
    setCheck(null);
    setOutcome(null);
    try {
      await registries.check(registry.id);
      setCheck({ ok: true, address: registry.address, withLogin: !!registry.username });
    } catch (error) {
      setCheck({ ok: false, error });
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!registry) return;
    setBusy("remove");
    setFailure(null);
    try {
      await registries.remove(registry.id);
      setConfirmRemove(false);
      navigate("/registries", { removed: registry.name });
    } catch (error) {
      setConfirmRemove(false);
      setFailure({ what: `Could not delete ${registry.name}`, error });
      loaded.reload();
    } finally {
      setBusy(null);
    }
  };

  const saved = (result: Registry | null) => {
    setEditing(false);
    setFailure(null);
    setCheck(null);
    setOutcome(result ? `Saved ${result.name}.` : "Nothing changed.");
    loaded.reload();
  };

  return (
    <section aria-labelledby="page-title">
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Registry </span>
          {name || "Registry"}
        </h1>
        {registry?.insecure ? <InsecureBadge /> : null}
      </div>
      <p className="detail-sub muted">
        {registry ? (
          <>
            <span className="mono">{registry.address}</span>
            {` · ${scopeText(registry, teams.nameOf, orgs.nameOf)} · updated `}
            <When at={registry.updated_at} />
            {" · "}
          </>
        ) : null}
        <Link to="/registries">All registries</Link>
      </p>

      {!id ? <p className="muted">No registry was named in the address.</p> : null}
      {loaded.loading && !registry ? <p role="status">Loading…</p> : null}
      {notFound ? (
        <div className="notice notice-error" role="alert">
          <p>There is no registry with this id among yours (it may have been deleted).</p>
        </div>
      ) : null}
      <ErrorNotice error={loaded.error} prefix="Could not load the registry" />
      {failure ? <ErrorNotice error={failure.error} prefix={failure.what} /> : null}
      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}
      {check?.ok ? (
        <OutcomeNotice
          title={
            check.withLogin
              ? `Connected: ${check.address} answered and accepted the stored login.`
              : `Connected: ${check.address} answered.`
          }
          onDismiss={() => setCheck(null)}
        />
      ) : null}
      {check && !check.ok ? <ErrorNotice error={check.error} prefix="The connection test failed" /> : null}

      {registry ? (
        <>
          <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
            <button type="button" disabled={busy !== null} onClick={() => void testConnection()}>
              {busy === "check" ? "Testing…" : "Test connection"}
            </button>
            {canManage ? (
              <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => setEditing(true)}>
                Edit
              </button>
            ) : null}
            <button type="button" className="button-secondary" disabled={busy !== null} onClick={loaded.reload}>
              Refresh
            </button>
            {canManage ? (
              <button type="button" className="button-danger" disabled={busy !== null} onClick={() => setConfirmRemove(true)}>
                Delete
              </button>
            ) : null}
          </div>

          <h2>Details</h2>
          <Facts
            rows={[
              ["Address", <span className="mono">{registry.address}</span>],
              ["Connection", registry.insecure ? "Plain HTTP (no TLS)" : "HTTPS"],
              ["Scope", scopeText(registry, teams.nameOf, orgs.nameOf)],
              ["Username", registry.username ? <span className="mono">{registry.username}</span> : <span className="muted">None</span>],
              ["Password", registry.has_password ? "Stored (never shown)" : <span className="muted">None</span>],
              ["Created by", registry.created_by],
              ["Created", <When at={registry.created_at} />],
              ["Updated", <When at={registry.updated_at} />],
            ]}
          />

          <RegistryBrowser key={registry.id} registry={registry} />

          {editing ? <RegistryEditDialog registry={registry} onClose={() => setEditing(false)} onSaved={saved} /> : null}
          <ConfirmDialog
            open={confirmRemove}
            title={`Delete the registry ${name}?`}
            confirmLabel="Delete"
            danger
            busy={busy === "remove"}
            onConfirm={() => void remove()}
            onCancel={() => setConfirmRemove(false)}
          >
            <p>
              Dokkerr forgets <strong>{name}</strong> (<span className="mono">{registry.address}</span>) and its stored login; images pulled from it stay. This
              cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      ) : null}
    </section>
  );
}
