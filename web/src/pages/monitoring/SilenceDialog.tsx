// Creating a silence: for a team, a rule and/or a container, for a while. Alerts that fire while
// it lasts are recorded as silenced and notify nobody.

import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { useAction } from "../../lib/hooks";
import { useMonitoringApi, type AlertRule, type Silence, type SilenceBody } from "../../lib/monitoring";
import { useSession } from "../../lib/session";

export const DURATIONS = [
  { seconds: 15 * 60, label: "15 minutes" },
  { seconds: 3600, label: "1 hour" },
  { seconds: 4 * 3600, label: "4 hours" },
  { seconds: 86400, label: "1 day" },
  { seconds: 7 * 86400, label: "7 days" },
  { seconds: 30 * 86400, label: "30 days" },
] as const;

export interface SilenceDefaults {
  team?: string | null;
  ruleId?: string;
  container?: string;
}

export function SilenceDialog({
  teams,
  rules,
  nameOf,
  defaults,
  onClose,
  onCreated,
}: {
  /** Teams the caller may silence in. */
  teams: string[];
  rules: AlertRule[];
  nameOf: (team: string) => string;
  defaults?: SilenceDefaults;
  onClose: () => void;
  onCreated: (silence: Silence) => void;
}) {
  const monitoring = useMonitoringApi();
  const { permissions } = useSession();
  const admin = permissions?.is_admin ?? false;
  const [team, setTeam] = useState(defaults?.team ?? (admin ? "" : (teams[0] ?? "")));
  const [ruleId, setRuleId] = useState(defaults?.ruleId ?? "");
  const [container, setContainer] = useState(defaults?.container ?? "");
  const [duration, setDuration] = useState(String(3600));
  const [comment, setComment] = useState("");
  const { busy, error, run } = useAction();

  const teamRules = rules.filter((r) => (team ? r.team_id === team : admin));

  const submit = async () => {
    const body: SilenceBody = { duration_seconds: Number(duration) };
    if (team) body.team_id = team;
    if (ruleId) body.rule_id = ruleId;
    if (container.trim()) body.container = container.trim();
    if (comment.trim()) body.comment = comment.trim();
    await run(async () => onCreated(await monitoring.createSilence(body)));
  };

  return (
    <FormDialog title="New silence" submitLabel="Silence" busyLabel="Silencing…" busy={busy} onClose={onClose} onSubmit={submit} formClassName="rule-form">
      <ErrorNotice error={error} prefix="Could not create the silence" />
      <SelectField
        label="Team"
        value={team}
        onChange={(e) => {
          setTeam(e.target.value);
          setRuleId("");
        }}
      >
        {admin ? <option value="">Every team</option> : null}
        {teams.map((t) => (
          <option key={t} value={t}>
            {nameOf(t)}
          </option>
        ))}
      </SelectField>
      <SelectField label="Rule" value={ruleId} onChange={(e) => setRuleId(e.target.value)}>
        <option value="">Every rule</option>
        {teamRules.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
        {ruleId && !teamRules.some((r) => r.id === ruleId) ? <option value={ruleId}>{ruleId}</option> : null}
      </SelectField>
      <Field label="Container" value={container} onChange={(e) => setContainer(e.target.value)} autoComplete="off" hint="A name or full id; empty for every container." />
      <SelectField label="Duration" value={duration} onChange={(e) => setDuration(e.target.value)}>
        {DURATIONS.map((d) => (
          <option key={d.seconds} value={d.seconds}>
            {d.label}
          </option>
        ))}
      </SelectField>
      <Field label="Comment" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} autoComplete="off" hint="Why, for the others in the team." />
    </FormDialog>
  );
}
