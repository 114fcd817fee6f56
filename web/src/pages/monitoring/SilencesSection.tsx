// Silences: those in force, who made them and until when; making one and ending one early, for
// callers who hold alerts:manage in the silence's team (administrators: all).

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useConfirmed, useLoad } from "../../lib/hooks";
import { alertTeams, canManageAlerts, useMonitoringApi, type Silence } from "../../lib/monitoring";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { SilenceDialog } from "./SilenceDialog";

export default function SilencesSection() {
  const monitoring = useMonitoringApi();
  const { permissions } = useSession();
  const teamNames = useTeamNames();
  const silences = useLoad((signal) => monitoring.silences(signal), [monitoring]);
  const rules = useLoad((signal) => monitoring.rules(signal), [monitoring]);
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState("");
  const ending = useConfirmed(async (silence: Silence) => {
    await monitoring.endSilence(silence.id);
    setDone("Silence ended.");
    silences.reload();
  });

  const teams = alertTeams(permissions, teamNames.teams);
  const mayCreate = (permissions?.is_admin ?? false) || teams.length > 0;
  const ruleName = (id: string | null) => (id ? ((rules.data ?? []).find((r) => r.id === id)?.name ?? id) : "every rule");

  const columns: Column<Silence>[] = [
    { id: "team", header: "Team", rowHeader: true, cell: (s) => (s.team_id ? teamNames.nameOf(s.team_id) : "Every team") },
    { id: "rule", header: "Rule", cell: (s) => ruleName(s.rule_id) },
    { id: "container", header: "Container", cell: (s) => (s.container ? <span className="mono">{s.container}</span> : "every container") },
    { id: "comment", header: "Comment", className: "cell-wrap", cell: (s) => s.comment || "—" },
    { id: "ends", header: "Ends", cell: (s) => <time dateTime={s.ends_at} title={formatTime(s.ends_at)}>{formatRelative(s.ends_at)}</time> },
    { id: "by", header: "Created by", cell: (s) => s.created_by || "—" },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (s) =>
        canManageAlerts(permissions, s.team_id) ? (
          <button type="button" className="button-secondary button-small" aria-label={`End silence ${s.comment || s.id}`} onClick={() => ending.ask(s)}>
            End
          </button>
        ) : null,
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>Silences</h2>
        {mayCreate ? (
          <button type="button" onClick={() => setCreating(true)}>
            New silence
          </button>
        ) : null}
      </div>
      <p className="muted">While a silence lasts, alerts it covers are still recorded, marked silenced, and send no notification.</p>
      <ErrorNotice error={silences.error} prefix="Could not load the silences" />
      <InfoNotice>{done}</InfoNotice>
      {silences.loading && !silences.data ? <p role="status">Loading…</p> : null}
      <DataTable caption="Silences in force" columns={columns} rows={silences.data ?? []} rowKey={(s) => s.id} busy={silences.loading} empty="No silence is in force." />

      {creating ? (
        <SilenceDialog
          teams={teams}
          rules={rules.data ?? []}
          nameOf={teamNames.nameOf}
          onClose={() => setCreating(false)}
          onCreated={(silence) => {
            setCreating(false);
            setDone(`Silenced until ${formatTime(silence.ends_at)}.`);
            silences.reload();
          }}
        />
      ) : null}

      <ConfirmDialog
        open={ending.subject !== null}
        title="End silence"
        confirmLabel="End silence"
        busy={ending.busy}
        onConfirm={() => void ending.confirm()}
        onCancel={ending.cancel}
      >
        <p>End this silence now? Alerts it covers notify again from their next change.</p>
        <ErrorNotice error={ending.error} prefix="Could not end the silence" />
      </ConfirmDialog>
    </div>
  );
}
