// A team's container security policy: a form for those who manage the team's organization
// (PUT needs org:manage there), the same facts read-only for everyone else in the team.

import { useEffect, useId, useState, type FormEvent } from "react";
import { ErrorNotice, InfoNotice } from "../../components/ErrorNotice";
import { ApiError } from "../../lib/api";
import { useAction, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import {
  BYTE_UNITS,
  describeValue,
  fieldInDetail,
  formToPolicy,
  POLICY_GROUPS,
  policyToForm,
  type ByteUnit,
  type PolicyField,
  type PolicyFormState,
} from "./PolicyFields";

const INTRO =
  "Every setting starts at the safe value; each one relaxes one rule for the containers, networks and volumes this team's members create. Platform administrators are not bound by it.";

function RiskBadge({ field }: { field: PolicyField }) {
  return field.risk ? <span className="badge dir-risk">risky</span> : null;
}

function Explanation({ id, field }: { id: string; field: PolicyField }) {
  return (
    <p className="field-hint" id={id}>
      {field.explain}
      {field.risk ? <strong className="dir-risk-text"> Risk: {field.risk}.</strong> : null} <span className="mono">{field.key}</span>
    </p>
  );
}

function PolicyInput({
  field,
  form,
  error,
  disabled,
  onValue,
  onUnit,
}: {
  field: PolicyField;
  form: PolicyFormState;
  error: string | undefined;
  disabled: boolean;
  onValue: (key: string, value: string | boolean) => void;
  onUnit: (key: string, unit: ByteUnit) => void;
}) {
  const id = useId();
  const explainId = `${id}-explain`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${explainId} ${errorId}` : explainId;
  const value = form.values[field.key];
  const problem = error ? (
    <p id={errorId} className="error-text small dir-field-problem">
      {error}
    </p>
  ) : null;

  if (field.kind === "flag") {
    return (
      <div className="dir-policy-field">
        <div className="dir-check">
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            disabled={disabled}
            onChange={(e) => onValue(field.key, e.target.checked)}
            aria-describedby={describedBy}
          />
          <label htmlFor={id}>{field.label}</label>
          <RiskBadge field={field} />
        </div>
        <Explanation id={explainId} field={field} />
        {problem}
      </div>
    );
  }

  return (
    <div className="field dir-policy-field">
      <div className="dir-label-row">
        <label htmlFor={id}>{field.label}</label>
        <RiskBadge field={field} />
      </div>
      <div className="dir-input-row">
        <input
          id={id}
          type="text"
          className={field.kind === "list" ? "dir-wide-input" : "dir-number-input"}
          inputMode={field.kind === "list" ? undefined : field.kind === "integer" ? "numeric" : "decimal"}
          value={typeof value === "string" ? value : ""}
          disabled={disabled}
          onChange={(e) => onValue(field.key, e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          autoComplete="off"
          spellCheck={false}
          maxLength={field.kind === "list" ? 4096 : 24}
        />
        {field.kind === "bytes" ? (
          <select
            aria-label={`Unit of ${field.label}`}
            value={form.units[field.key] ?? "MiB"}
            disabled={disabled}
            onChange={(e) => onUnit(field.key, e.target.value as ByteUnit)}
          >
            <option value="MiB">MiB</option>
            <option value="GiB">GiB</option>
          </select>
        ) : null}
        {field.kind === "cpus" ? <span className="muted">CPUs</span> : null}
        {field.kind === "list" ? <span className="muted small">comma-separated</span> : null}
      </div>
      <Explanation id={explainId} field={field} />
      {problem}
    </div>
  );
}

function ReadOnlyPolicy({ doc }: { doc: Record<string, unknown> }) {
  const id = useId();
  return (
    <div className="dir-policy">
      <p className="muted small">{INTRO}</p>
      <p className="notice notice-info">Only the organization's owners and admins change this policy.</p>
      {POLICY_GROUPS.map((group) => (
        <section key={group.id} className="panel dir-policy-group" aria-labelledby={`${id}-${group.id}`}>
          <h3 id={`${id}-${group.id}`}>{group.title}</h3>
          <dl className="dir-policy-list">
            {group.fields.map((field) => (
              <div key={field.key} className="dir-policy-row">
                <dt>
                  {field.label}
                  {field.risk && field.kind === "flag" && doc[field.key] === true ? <span className="badge dir-risk">relaxed</span> : null}
                </dt>
                <dd>
                  <span className={field.kind === "list" ? "mono" : undefined}>{describeValue(field, doc[field.key])}</span>
                  <span className="field-hint dir-block">
                    {field.explain}
                    {field.risk ? <strong className="dir-risk-text"> Risk: {field.risk}.</strong> : null}
                  </span>
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </div>
  );
}

function EditablePolicy({ teamId, teamName, loaded }: { teamId: string; teamName: string; loaded: Record<string, unknown> }) {
  const { admin } = useServices();
  const id = useId();
  const [base, setBase] = useState(loaded);
  const [form, setForm] = useState<PolicyFormState>(() => policyToForm(loaded));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { busy, error: failure, setError: setFailure, run } = useAction();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setBase(loaded);
    setForm(policyToForm(loaded));
  }, [loaded]);

  const built = formToPolicy(base, form);
  const dirty = Object.keys(built.errors).length > 0 || JSON.stringify(built.body) !== JSON.stringify(base);
  const serverField = failure instanceof ApiError ? fieldInDetail(failure.detail) : null;

  const onValue = (key: string, value: string | boolean) => {
    setForm((f) => ({ ...f, values: { ...f.values, [key]: value } }));
    setErrors((e) => {
      if (!(key in e)) return e;
      const next = { ...e };
      delete next[key];
      return next;
    });
    setSaved(false);
  };

  // A new unit keeps the size: 1 GiB becomes 1024 MiB, not 1 MiB.
  const onUnit = (key: string, unit: ByteUnit) => {
    setForm((f) => {
      const old = f.units[key] ?? "MiB";
      const text = f.values[key];
      const number = typeof text === "string" && /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : null;
      const converted = number === null ? text : String(Math.round(((number * BYTE_UNITS[old]) / BYTE_UNITS[unit]) * 1e6) / 1e6);
      return { values: { ...f.values, [key]: converted ?? "" }, units: { ...f.units, [key]: unit } };
    });
    setSaved(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setFailure(null);
    const next = formToPolicy(base, form);
    setErrors(next.errors);
    if (Object.keys(next.errors).length > 0) return;
    await run(async () => {
      const stored = await admin.putTeamPolicy(teamId, next.body);
      const doc = stored.policy as unknown as Record<string, unknown>;
      setBase(doc);
      setForm(policyToForm(doc));
      setSaved(true);
    });
  };

  const reset = () => {
    setForm(policyToForm(base));
    setErrors({});
    setFailure(null);
    setSaved(false);
  };

  const errorCount = Object.keys(errors).length;
  return (
    <form className="dir-policy" aria-label={`Security policy of ${teamName}`} onSubmit={submit} noValidate>
      <p className="muted small">{INTRO}</p>
      {POLICY_GROUPS.map((group) => (
        <fieldset key={group.id} className="panel dir-policy-group" id={`${id}-${group.id}`}>
          <legend>{group.title}</legend>
          {group.fields.map((field) => (
            <PolicyInput
              key={field.key}
              field={field}
              form={form}
              error={errors[field.key] ?? (serverField === field.key && failure instanceof ApiError ? failure.detail : undefined)}
              disabled={busy}
              onValue={onValue}
              onUnit={onUnit}
            />
          ))}
        </fieldset>
      ))}
      {errorCount > 0 ? (
        <p className="notice notice-error" role="alert">
          {errorCount === 1 ? "One field needs a change" : `${errorCount} fields need a change`} before the policy can be saved.
        </p>
      ) : null}
      <ErrorNotice error={failure} prefix="Could not save the policy" />
      <InfoNotice>{saved ? "Policy saved." : null}</InfoNotice>
      <div className="form-actions">
        <button type="button" className="button-secondary" onClick={reset} disabled={busy || !dirty}>
          Undo changes
        </button>
        <button type="submit" disabled={busy || !dirty}>
          {busy ? "Saving…" : "Save policy"}
        </button>
      </div>
    </form>
  );
}

export function TeamPolicyForm({ teamId, teamName, canEdit }: { teamId: string; teamName: string; canEdit: boolean }) {
  const { admin } = useServices();
  const policy = useLoad((signal) => admin.teamPolicy(teamId, signal), [admin, teamId]);
  if (policy.error) return <ErrorNotice error={policy.error} prefix="Could not load the policy" />;
  if (!policy.data) return <p role="status">Loading policy…</p>;
  const doc = policy.data.policy as unknown as Record<string, unknown>;
  return canEdit ? <EditablePolicy teamId={teamId} teamName={teamName} loaded={doc} /> : <ReadOnlyPolicy doc={doc} />;
}
