// Alert rules: the list the caller sees; creating, editing, turning on and off and deleting where
// they hold alerts:manage (administrators also platform rules, which have no team). A webhook's
// signing key is shown once, when the rule gets its first webhook.

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog, Dialog } from "../../components/Dialog";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useEnvironments } from "../../lib/environments";
import { useAction, useConfirmed, useFocusInvalid, useLoad } from "../../lib/hooks";
import {
  alertTeams,
  canManageAlerts,
  describeRule,
  eventLabel,
  metricLabel,
  RULE_EVENTS,
  RULE_METRICS,
  useMonitoringApi,
  type AlertRule,
  type WebhookFormat,
} from "../../lib/monitoring";
import { useSession } from "../../lib/session";
import { useTeamNames } from "../../lib/teams";
import { emptyRuleForm, formFromRule, ruleBody, type RuleFormState, type RuleProblems } from "./ruleForm";

function RuleDialog({
  rule,
  teams,
  nameOf,
  onClose,
  onSaved,
}: {
  /** The rule edited; null for a new one. */
  rule: AlertRule | null;
  teams: string[];
  nameOf: (team: string) => string;
  onClose: () => void;
  onSaved: (rule: AlertRule) => void;
}) {
  const monitoring = useMonitoringApi();
  const { permissions } = useSession();
  const environments = useEnvironments();
  const admin = permissions?.is_admin ?? false;
  const [form, setForm] = useState<RuleFormState>(() => (rule ? formFromRule(rule) : emptyRuleForm(admin ? "" : (teams[0] ?? ""))));
  const [problems, setProblems] = useState<RuleProblems>({});
  const { busy, error, run } = useAction();
  const { ref, refused } = useFocusInvalid();
  const set = <K extends keyof RuleFormState>(key: K, value: RuleFormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async () => {
    const made = ruleBody(form, rule === null, rule?.webhook !== null && rule !== null);
    if ("problems" in made) {
      setProblems(made.problems);
      refused();
      return;
    }
    setProblems({});
    await run(async () => onSaved(rule ? await monitoring.updateRule(rule.id, made.body) : await monitoring.createRule(made.body)));
  };

  return (
    <FormDialog
      title={rule ? `Edit rule ${rule.name}` : "New alert rule"}
      submitLabel={rule ? "Save" : "Create rule"}
      busyLabel="Saving…"
      busy={busy}
      wide
      noValidate
      onClose={onClose}
      onSubmit={submit}
      formClassName="rule-form"
      formRef={ref}
    >
      <ErrorNotice error={error} prefix={rule ? "Could not save the rule" : "Could not create the rule"} />
      <Field label="Name" value={form.name} onChange={(e) => set("name", e.target.value)} maxLength={200} autoComplete="off" required error={problems.name} />
      {rule === null ? (
        <SelectField label="Team" value={form.team} onChange={(e) => set("team", e.target.value)} hint="The rule watches this team's containers.">
          {admin ? <option value="">Platform (every team's containers)</option> : null}
          {teams.map((t) => (
            <option key={t} value={t}>
              {nameOf(t)}
            </option>
          ))}
        </SelectField>
      ) : null}
      <fieldset className="rule-kind">
        <legend>Fires on</legend>
        <label className="inline-label">
          <input type="radio" name="rule-kind" checked={form.kind === "metric"} disabled={rule !== null} onChange={() => set("kind", "metric")} />
          <span>A metric crossing a threshold</span>
        </label>
        <label className="inline-label">
          <input type="radio" name="rule-kind" checked={form.kind === "event"} disabled={rule !== null} onChange={() => set("kind", "event")} />
          <span>A container event</span>
        </label>
      </fieldset>
      {form.kind === "metric" ? (
        <fieldset className="rule-group">
          <legend>Condition</legend>
          <div className="field-row">
            <SelectField label="Metric" value={form.metric} onChange={(e) => set("metric", e.target.value)}>
              {RULE_METRICS.map((m) => (
                <option key={m} value={m}>
                  {metricLabel(m)}
                </option>
              ))}
            </SelectField>
            <SelectField label="Operator" value={form.operator} onChange={(e) => set("operator", e.target.value as ">" | "<")}>
              <option value=">">above (&gt;)</option>
              <option value="<">below (&lt;)</option>
            </SelectField>
            <Field label="Threshold" inputMode="decimal" value={form.threshold} onChange={(e) => set("threshold", e.target.value)} error={problems.threshold} />
            <Field
              label="For (seconds)"
              inputMode="numeric"
              value={form.forSeconds}
              onChange={(e) => set("forSeconds", e.target.value)}
              error={problems.forSeconds}
              hint="How long the condition must hold."
            />
          </div>
        </fieldset>
      ) : (
        <fieldset className="rule-group">
          <legend>Event</legend>
          <div className="field-row">
            <SelectField label="Event" value={form.event} onChange={(e) => set("event", e.target.value)}>
              {RULE_EVENTS.map((ev) => (
                <option key={ev} value={ev}>
                  {eventLabel(ev)}
                </option>
              ))}
            </SelectField>
            {form.event === "restart_loop" ? (
              <Field label="Restarts" inputMode="numeric" value={form.restarts} onChange={(e) => set("restarts", e.target.value)} error={problems.restarts} />
            ) : null}
            {form.event === "restart_loop" || form.event === "oom_killed" ? (
              <Field
                label={form.event === "restart_loop" ? "Within (seconds)" : "Quiet time (seconds)"}
                inputMode="numeric"
                value={form.windowSeconds}
                onChange={(e) => set("windowSeconds", e.target.value)}
                error={problems.windowSeconds}
                hint={form.event === "restart_loop" ? "The restarts must come within this window." : "Resolves after this long without another kill."}
              />
            ) : null}
          </div>
        </fieldset>
      )}
      <fieldset className="rule-group">
        <legend>Which containers</legend>
        <div className="field-row">
          <SelectField label="Environment" value={form.environment} onChange={(e) => set("environment", e.target.value)}>
            <option value="">Every environment</option>
            {(environments.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
            {form.environment && !(environments.data ?? []).some((e) => e.id === form.environment) ? <option value={form.environment}>{form.environment}</option> : null}
          </SelectField>
          <Field label="Container" value={form.container} onChange={(e) => set("container", e.target.value)} maxLength={256} autoComplete="off" hint="A name or full id; empty for all of them." />
          <Field
            label="Labels"
            value={form.labels}
            onChange={(e) => set("labels", e.target.value)}
            maxLength={4096}
            autoComplete="off"
            error={problems.labels}
            hint="Only containers with these labels: tier=web, critical (any value)."
          />
        </div>
      </fieldset>
      <fieldset className="rule-group">
        <legend>Webhook</legend>
        <label className="inline-label">
          <input type="checkbox" checked={form.webhook} onChange={(e) => set("webhook", e.target.checked)} />
          <span>Notify an address when it fires and resolves</span>
        </label>
        {form.webhook ? (
          <div className="field-row">
            <Field
              label="Webhook URL"
              type="url"
              value={form.webhookUrl}
              onChange={(e) => set("webhookUrl", e.target.value)}
              autoComplete="off"
              error={problems.webhookUrl}
              hint="Signed with a key shown once, when the webhook is first set."
            />
            <SelectField label="Format" value={form.webhookFormat} onChange={(e) => set("webhookFormat", e.target.value as WebhookFormat)}>
              <option value="dokkerr">Dokkerr</option>
              <option value="alertmanager">Alertmanager</option>
            </SelectField>
          </div>
        ) : null}
      </fieldset>
      <label className="inline-label">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set("enabled", e.target.checked)} />
        <span>Enabled</span>
      </label>
    </FormDialog>
  );
}

export default function RulesSection() {
  const monitoring = useMonitoringApi();
  const { permissions } = useSession();
  const teamNames = useTeamNames();
  const rules = useLoad((signal) => monitoring.rules(signal), [monitoring]);
  const [editing, setEditing] = useState<AlertRule | "new" | null>(null);
  const [secret, setSecret] = useState<{ rule: string; secret: string } | null>(null);
  const [copyState, setCopyState] = useState("");
  const [done, setDone] = useState("");
  const toggle = useAction();
  const removal = useConfirmed(async (rule: AlertRule) => {
    await monitoring.deleteRule(rule.id);
    setDone(`Deleted ${rule.name}.`);
    rules.reload();
  });

  const teams = alertTeams(permissions, teamNames.teams);
  const mayCreate = (permissions?.is_admin ?? false) || teams.length > 0;
  const teamText = (team: string | null) => (team ? teamNames.nameOf(team) : "Platform");

  const setEnabled = (rule: AlertRule, enabled: boolean) => {
    setDone("");
    void toggle.run(async () => {
      await monitoring.updateRule(rule.id, { enabled });
      setDone(`${enabled ? "Enabled" : "Disabled"} ${rule.name}.`);
      rules.reload();
    });
  };

  const closeSecret = () => {
    // The key exists only in this state: closing forgets it.
    setSecret(null);
    setCopyState("");
  };

  const copy = async () => {
    if (!secret) return;
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(secret.secret);
      setCopyState("Copied.");
    } catch {
      setCopyState("Copying is not available here; select the key and copy it.");
    }
  };

  const columns: Column<AlertRule>[] = [
    { id: "name", header: "Name", rowHeader: true, className: "cell-name", cell: (r) => <span>{r.name}</span> },
    { id: "team", header: "Team", cell: (r) => teamText(r.team_id) },
    { id: "condition", header: "Condition", className: "cell-wrap", cell: (r) => describeRule(r) },
    {
      id: "scope",
      header: "Containers",
      className: "cell-wrap",
      cell: (r) =>
        r.environment || r.container ? (
          <>
            {r.container ? <span className="mono">{r.container}</span> : "all"}
            {r.environment ? ` in ${r.environment}` : ""}
          </>
        ) : (
          "all"
        ),
    },
    {
      id: "webhook",
      header: "Webhook",
      className: "cell-wrap",
      cell: (r) =>
        r.webhook ? (
          <>
            <span className="mono small">{r.webhook.url}</span> <span className="badge">{r.webhook.format}</span>
          </>
        ) : (
          "—"
        ),
    },
    {
      id: "enabled",
      header: "State",
      cell: (r) => <span className={`status-pill ${r.enabled ? "status-up" : "status-down"}`}>{r.enabled ? "enabled" : "disabled"}</span>,
    },
    {
      id: "actions",
      header: <span className="visually-hidden">Actions</span>,
      cell: (r) =>
        canManageAlerts(permissions, r.team_id) ? (
          <div className="row-actions">
            <button type="button" className="button-secondary button-small" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r)}>
              Edit
            </button>
            <button type="button" className="button-secondary button-small" aria-label={`${r.enabled ? "Disable" : "Enable"} ${r.name}`} disabled={toggle.busy} onClick={() => setEnabled(r, !r.enabled)}>
              {r.enabled ? "Disable" : "Enable"}
            </button>
            <button type="button" className="button-danger button-small" aria-label={`Delete ${r.name}`} onClick={() => removal.ask(r)}>
              Delete
            </button>
          </div>
        ) : null,
    },
  ];

  return (
    <div>
      <div className="panel-head">
        <h2>Alert rules</h2>
        {mayCreate ? (
          <button type="button" onClick={() => setEditing("new")}>
            New rule
          </button>
        ) : null}
      </div>
      <p className="muted">
        A rule watches its team's containers every collection round. An alert fires once per rule and container and resolves with a summary of why.
      </p>
      <ErrorNotice error={rules.error} prefix="Could not load the rules" />
      <ErrorNotice error={toggle.error} prefix="Could not change the rule" />
      <InfoNotice>{done}</InfoNotice>
      {rules.loading && !rules.data ? <p role="status">Loading…</p> : null}
      <DataTable caption="Alert rules" columns={columns} rows={rules.data ?? []} rowKey={(r) => r.id} busy={rules.loading} empty="No alert rules yet." />

      {editing !== null ? (
        <RuleDialog
          rule={editing === "new" ? null : editing}
          teams={teams}
          nameOf={teamNames.nameOf}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setDone(`Saved ${saved.name}.`);
            if (saved.webhook_secret) setSecret({ rule: saved.name, secret: saved.webhook_secret });
            rules.reload();
          }}
        />
      ) : null}

      <Dialog
        open={secret !== null}
        title="The webhook's signing key"
        onClose={closeSecret}
        actions={
          <button type="button" onClick={closeSecret}>
            Done
          </button>
        }
      >
        {secret ? (
          <div>
            <p className="notice notice-error">
              <strong>Copy the key now: it will not be shown again.</strong>
            </p>
            <p>
              Notifications of <strong>{secret.rule}</strong> carry <span className="mono">X-Dokkerr-Signature: sha256=…</span>, an HMAC-SHA256 with this key of the
              timestamp, a dot and the body.
            </p>
            <p>
              <span className="mono webhook-secret">{secret.secret}</span>
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
        open={removal.subject !== null}
        title="Delete alert rule"
        confirmLabel="Delete"
        danger
        busy={removal.busy}
        onConfirm={() => void removal.confirm()}
        onCancel={removal.cancel}
      >
        <p>
          Delete <strong>{removal.subject?.name}</strong>? It stops watching at once.
        </p>
        <ErrorNotice error={removal.error} prefix="Could not delete" />
      </ConfirmDialog>
    </div>
  );
}
