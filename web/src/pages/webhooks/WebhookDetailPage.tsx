// One event webhook: where it posts, whose events it hears and which; "Send test event" (queues
// a webhook.test event, then refreshes the log), edit, "Rotate secret" (the new secret is shown
// once) and delete; and the delivery log, newest first, with each delivery's state in words.

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { mayManageWebhook, scopeText, useWebhooksApi, type Webhook, type WebhookDelivery } from "../../lib/webhooks";
import { Facts, OutcomeNotice } from "../networks/ResourceParts";
import { WebhookEditDialog } from "./WebhookEditDialog";
import { DeliveryStateBadge, EnabledBadge, EventChips, SecretPanel } from "./WebhookParts";
import "../containers/containers.css";
import "./webhooks.css";

type Busy = "test" | "rotate" | "remove" | null;

function When({ at }: { at: string | null }) {
  if (!at) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={formatTime(at)}>
      {formatRelative(at)}
    </time>
  );
}

export default function WebhookDetailPage({ id }: { id: string }) {
  const webhooks = useWebhooksApi();
  const session = useSession();
  const teams = useTeamNames();
  const loaded = useLoad<Webhook | undefined>((signal) => (id ? webhooks.find(id, signal) : Promise.resolve(undefined)), [webhooks, id]);
  const webhook = loaded.data;
  const notFound = !!id && !loaded.loading && !loaded.error && !webhook;
  const known = useLoad((signal) => webhooks.eventTypes(signal), [webhooks]);
  const shownId = webhook?.id ?? "";
  const deliveries = useLoad<WebhookDelivery[] | undefined>(
    (signal) => (shownId ? webhooks.deliveries(shownId, undefined, signal) : Promise.resolve(undefined)),
    [webhooks, shownId],
  );

  const [busy, setBusy] = useState<Busy>(null);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "remove" | null>(null);

  const canManage = !!webhook && mayManageWebhook(session.permissions, webhook);
  const name = webhook?.name ?? "";

  const sendTest = async () => {
    if (!webhook) return;
    setBusy("test");
    setFailure(null);
    setOutcome(null);
    try {
      await webhooks.test(webhook.id);
      setOutcome("Queued a test event (webhook.test): it is delivered within seconds. Refresh the delivery log to see how it went.");
      deliveries.reload();
    } catch (error) {
      setFailure({ what: "Could not send a test event", error });
    } finally {
      setBusy(null);
    }
  };

  const rotate = async () => {
    if (!webhook) return;
    setBusy("rotate");
    setFailure(null);
    setOutcome(null);
    try {
      const rotated = await webhooks.rotateSecret(webhook.id);
      setConfirm(null);
      setSecret(rotated.secret);
      loaded.reload();
    } catch (error) {
      setConfirm(null);
      setFailure({ what: `Could not rotate the secret of ${webhook.name}`, error });
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!webhook) return;
    setBusy("remove");
    setFailure(null);
    try {
      await webhooks.remove(webhook.id);
      setConfirm(null);
      navigate("/webhooks", { removed: webhook.name });
    } catch (error) {
      setConfirm(null);
      setFailure({ what: `Could not delete ${webhook.name}`, error });
      loaded.reload();
    } finally {
      setBusy(null);
    }
  };

  const saved = (result: Webhook | null) => {
    setEditing(false);
    setFailure(null);
    setOutcome(result ? `Saved ${result.name}.` : "Nothing changed.");
    loaded.reload();
  };

  const columns: Column<WebhookDelivery>[] = [
    { id: "event", header: "Event", cell: (d) => <span className="mono">{d.event_type}</span> },
    { id: "state", header: "State", cell: (d) => <DeliveryStateBadge state={d.state} /> },
    { id: "attempts", header: "Attempts", cell: (d) => String(d.attempts) },
    {
      id: "error",
      header: "Last error",
      className: "cell-wrap",
      cell: (d) => (d.last_error ? <span className="webhook-log-error">{d.last_error}</span> : <span className="muted">—</span>),
    },
    { id: "created", header: "Created", cell: (d) => <When at={d.created_at} /> },
    { id: "finished", header: "Finished", cell: (d) => <When at={d.finished_at} /> },
  ];

  return (
    <section aria-labelledby="page-title">
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Webhook </span>
          {name || "Webhook"}
        </h1>
        {webhook ? <EnabledBadge enabled={webhook.enabled} /> : null}
      </div>
      <p className="detail-sub muted">
        {webhook ? (
          <>
            <span className="mono">{webhook.url}</span>
            {` · ${scopeText(webhook, teams.nameOf)} · `}
          </>
        ) : null}
        <Link to="/webhooks">All webhooks</Link>
      </p>

      {!id ? <p className="muted">No webhook was named in the address.</p> : null}
      {loaded.loading && !webhook ? <p role="status">Loading…</p> : null}
      {notFound ? (
        <div className="notice notice-error" role="alert">
          <p>There is no webhook with this id among yours (it may have been deleted).</p>
        </div>
      ) : null}
      <ErrorNotice error={loaded.error} prefix="Could not load the webhook" />
      {failure ? <ErrorNotice error={failure.error} prefix={failure.what} /> : null}
      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}

      {webhook ? (
        <>
          {secret ? (
            <>
              <h2>New signing secret</h2>
              <SecretPanel name={webhook.name} secret={secret}>
                <button type="button" className="button-secondary" onClick={() => setSecret(null)}>
                  Done
                </button>
              </SecretPanel>
            </>
          ) : null}

          <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
            <button type="button" disabled={busy !== null} onClick={() => void sendTest()}>
              {busy === "test" ? "Sending…" : "Send test event"}
            </button>
            {canManage ? (
              <>
                <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => setEditing(true)}>
                  Edit
                </button>
                <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => setConfirm("rotate")}>
                  Rotate secret
                </button>
                <button type="button" className="button-danger" disabled={busy !== null} onClick={() => setConfirm("remove")}>
                  Delete
                </button>
              </>
            ) : null}
          </div>

          <h2>Details</h2>
          <Facts
            rows={[
              ["URL", <span className="mono">{webhook.url}</span>],
              ["Team", scopeText(webhook, teams.nameOf)],
              ["Events", <EventChips events={webhook.events} known={known.data ?? []} label={`Events of ${name}`} />],
              ["State", webhook.enabled ? "Enabled: events are delivered" : "Disabled: nothing is sent"],
              ["Secret", "Stored (never shown again; rotate it for a new one)"],
              ["Created by", webhook.created_by],
              ["Created", <When at={webhook.created_at} />],
            ]}
          />

          <div className="panel-head webhook-log-head">
            <h2 id="delivery-log">Delivery log</h2>
            <button type="button" className="button-secondary" onClick={deliveries.reload} disabled={deliveries.loading}>
              Refresh
            </button>
          </div>
          <p className="muted small">
            The newest deliveries first. A delivery that is not answered with 2xx is retried after 5 s, then at doubling intervals up to an hour, 12
            attempts in all; finished ones are kept 7 days.
          </p>
          <ErrorNotice error={deliveries.error} prefix="Could not load the delivery log" />
          {deliveries.loading && !deliveries.data ? <p role="status">Loading the delivery log…</p> : null}
          <DataTable
            caption={`Deliveries of ${name}`}
            columns={columns}
            rows={deliveries.data ?? []}
            rowKey={(d) => d.id}
            busy={deliveries.loading && !deliveries.data}
            empty={deliveries.error ? undefined : "Nothing delivered yet: send a test event to try the URL."}
          />

          {editing ? (
            <WebhookEditDialog
              webhook={webhook}
              known={known.data ?? []}
              knownLoading={known.loading}
              knownError={known.error}
              onClose={() => setEditing(false)}
              onSaved={saved}
            />
          ) : null}
          <ConfirmDialog
            open={confirm === "rotate"}
            title={`Rotate the secret of ${name}?`}
            confirmLabel="Rotate secret"
            busy={busy === "rotate"}
            onConfirm={() => void rotate()}
            onCancel={() => setConfirm(null)}
          >
            <p>
              A new secret signs the deliveries of <strong>{name}</strong> from now on, and the old one stops at once: the receiver needs the new one,
              which is shown once.
            </p>
          </ConfirmDialog>
          <ConfirmDialog
            open={confirm === "remove"}
            title={`Delete the webhook ${name}?`}
            confirmLabel="Delete"
            danger
            busy={busy === "remove"}
            onConfirm={() => void remove()}
            onCancel={() => setConfirm(null)}
          >
            <p>
              Dokkerr stops posting events to <span className="mono">{webhook.url}</span> and forgets <strong>{name}</strong> with its queued
              deliveries. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      ) : null}
    </section>
  );
}
