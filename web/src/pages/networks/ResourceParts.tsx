// Pieces the Images, Networks and Volumes pages share: the team choice and the labels of a
// create form, labels and facts in detail dialogs, and the "what happened" notice.

import { Fragment, useId, type ReactNode } from "react";
import type { Team } from "../../lib/resources";
import "./resources.css";

export interface TeamOption {
  id: string;
  name: string;
}

/**
 * The teams a create form offers: for an admin every team (and "no team"), for a member the
 * teams in which they hold `permission` in the environment, named when the team list knows them.
 */
export function teamOptions(admin: boolean, allowed: string[], teams: Team[]): TeamOption[] {
  if (admin) return teams.map((team) => ({ id: team.id, name: team.name }));
  const names = new Map(teams.map((team) => [team.id, team.name]));
  return allowed.map((id) => ({ id, name: names.get(id) ?? id })).sort((a, b) => a.name.localeCompare(b.name));
}

export function TeamSelect({
  options,
  value,
  onChange,
  allowNone,
  hint,
}: {
  options: TeamOption[];
  value: string;
  onChange: (id: string) => void;
  allowNone: boolean;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Team</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? `${id}-hint` : undefined}>
        {allowNone ? <option value="">No team (admins only)</option> : null}
        {options.map((team) => (
          <option key={team.id} value={team.id}>
            {team.name}
          </option>
        ))}
      </select>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Labels typed one `key=value` a line. */
export function LabelsField({ value, onChange, error }: { value: string; onChange: (text: string) => void; error?: string | null }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Labels</label>
      <textarea
        id={id}
        className="labels-input mono"
        rows={3}
        maxLength={16_384}
        value={value}
        placeholder="com.example.owner=web"
        aria-describedby={`${id}-hint`}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <p className="field-hint" id={`${id}-hint`}>
        One key=value a line. Keys starting with io.dokkerr. are reserved.
      </p>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** An object's labels as a definition list (text only, whatever they hold). */
export function LabelList({ labels }: { labels: Record<string, string> | null | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <p className="muted">None.</p>;
  return (
    <dl className="facts label-list">
      {entries.map(([key, value]) => (
        <Fragment key={key}>
          <dt className="mono">{key}</dt>
          <dd className="mono">{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** A list of facts: label → value; rows whose value is null or "" are left out. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows
        .filter(([, value]) => value !== null && value !== undefined && value !== "")
        .map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

/** The outcome of the last action, as an info notice a person can dismiss. */
export function OutcomeNotice({ title, lines, onDismiss }: { title: string; lines?: string[]; onDismiss: () => void }) {
  return (
    <div className="notice notice-info outcome" role="status">
      <p>{title}</p>
      {lines && lines.length > 0 ? (
        <ul className="outcome-lines mono small">
          {lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      ) : null}
      <button type="button" className="button-secondary button-small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** Whether the toolbar filter matches any of `texts` (case-insensitive). */
export function matches(filter: string, texts: (string | undefined | null)[]): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  return texts.some((text) => !!text && text.toLowerCase().includes(needle));
}
