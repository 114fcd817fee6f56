// Alerts: those firing now, live from the alert stream (read every 10 s while it is not open),
// and the recently resolved ones; acknowledging, silencing, and each alert's notifications.

import { useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import type { LiveStatus } from "../../lib/live";
import { alertTeams, canManageAlerts, useMonitoringApi, type Alert } from "../../lib/monitoring";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { useFiringAlerts } from "../../lib/useFiringAlerts";
import { SilenceDialog, type SilenceDefaults } from "./SilenceDialog";

const RESOLVED_SHOWN = 50;

const STREAM_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  open: "Live",
  waiting: "Reconnecting; reading every 10 s",
  denied: "Not live; reading every 10 s",
  closed: "Closed",
};

function formatValue(value: number | null): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function DeliveriesDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const monitoring = useMonitoringApi();
  const deliveries = useLoad((signal) => monitoring.deliveries(alert.id, signal), [monitoring, alert.id]);
  return (
    <Dialog open title={`Notifications of ${alert.rule.name}`} onClose={onClose} wide>
      <p className="muted small">{alert.summary}</p>
      <ErrorNotice error={deliveries.error} prefix="Could not load the notifications" />
      {deliveries.loading && !deliveries.data ? <p role="status">Loading…</p> : null}
      <DataTable
        caption="Webhook notifications"
        rowKey={(d) => d.id}
        rows={deliveries.data ?? []}
        busy={deliveries.loading}
        empty="No notifications: the rule has no webhook, or the alert was silenced."
        columns={[
          { id: "url", header: "Address", className: "cell-wrap", cell: (d) => <span className="mono small">{d.url}</span> },
          { id: "format", header: "Format", cell: (d) => d.format },
          {
            id: "state",
            header: "State",
            cell: (d) => <span className={`status-pill ${d.state === "delivered" ? "status-up" : d.state === "failed" ? "status-down" : ""}`}>{d.state}</span>,
          },
          { id: "attempts", header: "Attempts", className: "cell-number", cell: (d) => d.attempts },
          { id: "next", header: "Next attempt", cell: (d) => (d.state === "pending" ? formatTime(d.next_attempt_at) : "—") },
          { id: "error", header: "Last error", className: "cell-wrap", cell: (d) => d.last_error || "—" },
        ]}
      />
    </Dialog>
  );
}

export default function AlertsSection() {
  const monitoring = useMonitoringApi();
  const { permissions } = useSession();
  const teamNames = useTeamNames();
  const firing = useFiringAlerts();
  const [showing, setShowing] = useState<Alert | null>(null);
  const [silencing, setSilencing] = useState<SilenceDefaults | null>(null);
  const [done, setDone] = useState("");
  const ack = useAction();

  // The resolved list is read again whenever the firing set changes: an alert leaving it has
  // resolved.
  const firingKey = (firing.items ?? []).map((a) => a.id).join(",");
  const resolved = useLoad((signal) => monitoring.alerts({ state: "resolved", limit: RESOLVED_SHOWN }, signal), [monitoring, firingKey]);
  const managedTeams = alertTeams(permissions, teamNames.teams);
  const mayManageAny = permissions?.is_admin || managedTeams.length > 0;
  const rules = useLoad(async (signal) => (mayManageAny ? monitoring.rules(signal) : []), [monitoring, mayManageAny]);

  const teamText = (team: string | null) => (team ? teamNames.nameOf(team) : "Platform");

  const acknowledge = (alert: Alert) => {
    setDone("");
    void ack.run(async () => {
      const answer = await monitoring.acknowledge(alert.id);
      firing.update(answer);
      setDone(`Acknowledged ${alert.rule.name} on ${alert.container.name}.`);
    });
  };

  const firingColumns: Column<Alert>[] = useMemo(
    () => [
      { id: "rule", header: "Alert", rowHeader: true, className: "cell-name", cell: (a) => <span>{a.rule.name}</span> },
      {
        id: "container",
        header: "Container",
        cell: (a) => (
          <Link to="/monitoring/metrics" query={{ kind: "container", env: a.environment, id: a.container.id }} className="mono">
            {a.container.name || a.container.id.slice(0, 12)}
          </Link>
        ),
      },
      { id: "env", header: "Environment", cell: (a) => a.environment },
      { id: "team", header: "Team", cell: (a) => teamText(a.team_id) },
      { id: "summary", header: "Summary", className: "cell-wrap", cell: (a) => a.summary },
      { id: "value", header: "Value", className: "cell-number", cell: (a) => formatValue(a.value) },
      { id: "since", header: "Since", cell: (a) => <time dateTime={a.started_at} title={formatTime(a.started_at)}>{formatRelative(a.started_at)}</time> },
      {
        id: "state",
        header: "State",
        cell: (a) => (
          <>
            {a.silenced ? <span className="badge">silenced</span> : null}
            {a.acknowledged_by ? <span className="badge">acknowledged by {a.acknowledged_by}</span> : null}
            {!a.silenced && !a.acknowledged_by ? <span className="alert-firing">firing</span> : null}
          </>
        ),
      },
      {
        id: "actions",
        header: <span className="visually-hidden">Actions</span>,
        cell: (a) => {
          const manage = canManageAlerts(permissions, a.team_id);
          return (
            <div className="row-actions">
              {manage && !a.acknowledged_by ? (
                <button type="button" className="button-small" aria-label={`Acknowledge ${a.rule.name} on ${a.container.name}`} disabled={ack.busy} onClick={() => acknowledge(a)}>
                  Acknowledge
                </button>
              ) : null}
              {manage ? (
                <button
                  type="button"
                  className="button-secondary button-small"
                  aria-label={`Silence ${a.rule.name} on ${a.container.name}`}
                  onClick={() => setSilencing({ team: a.team_id, ruleId: a.rule.id, container: a.container.name || a.container.id })}
                >
                  Silence
                </button>
              ) : null}
              <button type="button" className="button-secondary button-small" aria-label={`Notifications of ${a.rule.name} on ${a.container.name}`} onClick={() => setShowing(a)}>
                Notifications
              </button>
            </div>
          );
        },
      },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt with what the cells read
    [permissions, teamNames, ack.busy],
  );

  const resolvedColumns: Column<Alert>[] = [
    firingColumns[0]!,
    firingColumns[1]!,
    firingColumns[2]!,
    firingColumns[4]!,
    { id: "started", header: "Started", cell: (a) => formatTime(a.started_at) },
    { id: "resolved", header: "Resolved", cell: (a) => formatTime(a.resolved_at) },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (a) => (
        <button type="button" className="button-secondary button-small" aria-label={`Notifications of ${a.rule.name} on ${a.container.name}`} onClick={() => setShowing(a)}>
          Notifications
        </button>
      ),
    },
  ];

  const firingList = [...(firing.items ?? [])].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));

  return (
    <div>
      <section aria-labelledby="firing-title">
        <div className="panel-head">
          <h2 id="firing-title">Firing{firing.items ? ` (${firing.items.length})` : ""}</h2>
          <span className={`live-status ${firing.live ? "live-open" : ""}`} role="status">
            {firing.live ? STREAM_TEXT.open : STREAM_TEXT[firing.status === "open" ? "connecting" : firing.status]}
          </span>
        </div>
        <ErrorNotice error={firing.error} prefix="Could not load the firing alerts" />
        <ErrorNotice error={ack.error} prefix="Could not acknowledge" />
        <InfoNotice>{done}</InfoNotice>
        {firing.items === undefined && !firing.error ? <p role="status">Loading…</p> : null}
        <DataTable caption="Firing alerts" columns={firingColumns} rows={firingList} rowKey={(a) => a.id} empty={firing.items ? "Nothing is firing." : undefined} />
      </section>
      <section aria-labelledby="resolved-title" className="panel">
        <div className="panel-head">
          <h2 id="resolved-title">Recently resolved</h2>
          <button type="button" className="button-secondary button-small" onClick={resolved.reload}>
            Refresh
          </button>
        </div>
        <ErrorNotice error={resolved.error} prefix="Could not load the resolved alerts" />
        <DataTable caption="Resolved alerts, newest first" columns={resolvedColumns} rows={resolved.data ?? []} rowKey={(a) => a.id} busy={resolved.loading} empty="No alert has resolved yet." />
      </section>

      {showing ? <DeliveriesDialog alert={showing} onClose={() => setShowing(null)} /> : null}
      {silencing ? (
        <SilenceDialog
          teams={managedTeams}
          rules={rules.data ?? []}
          nameOf={teamNames.nameOf}
          defaults={silencing}
          onClose={() => setSilencing(null)}
          onCreated={(silence) => {
            setSilencing(null);
            setDone(`Silenced until ${formatTime(silence.ends_at)}.`);
          }}
        />
      ) : null}
    </div>
  );
}
