// Pieces the Images, Networks and Volumes pages share: the toolbar and the notices around the
// list, the team choice and the labels of a create form, labels and facts in detail dialogs, and
// the "what happened" notice.

import { Fragment, useId, useState, type ReactNode } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { FieldError, SelectField } from "../../components/Field";
import type { EnvironmentChoice } from "../../lib/environments";
import { parseLabels, type Team } from "../../lib/resources";
import { useSession } from "../../lib/session";
import type { TeamNames } from "../../lib/teams";
import "./resources.css";

/** What the engine takes as a network or volume name. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

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
  return (
    <SelectField label="Team" value={value} onChange={(e) => onChange(e.target.value)} hint={hint}>
      {allowNone ? <option value="">No team (admins only)</option> : null}
      {options.map((team) => (
        <option key={team.id} value={team.id}>
          {team.name}
        </option>
      ))}
    </SelectField>
  );
}

/** The labels and the owning team of a new network or volume, and what is wrong with the form. */
export interface TeamOwnedForm {
  noun: string;
  admin: boolean;
  options: TeamOption[];
  team: string;
  setTeam: (id: string) => void;
  labels: string;
  setLabels: (text: string) => void;
  labelError: string | null;
  /** What is wrong with the form as a whole. */
  problem: string | null;
  setProblem: (problem: string | null) => void;
  /** Forgets the last submit's problems. */
  clear: () => void;
  /** The labels to send, once they and the team choice are right; else null with the problem shown. */
  checkLabelsAndTeam: () => Record<string, string> | null;
}

/** The state of a create form for a `noun` that a team owns: members create for the teams where they hold `permission`. */
export function useTeamOwnedForm(noun: string, permission: string, env: string, teams: TeamNames): TeamOwnedForm {
  const session = useSession();
  const admin = session.permissions?.is_admin ?? false;
  const options = teamOptions(admin, session.teamsWith(permission, env), teams.teams);
  const [team, setTeam] = useState(admin ? "" : (options[0]?.id ?? ""));
  const [labels, setLabels] = useState("");
  const [labelError, setLabelError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return {
    noun,
    admin,
    options,
    team,
    setTeam,
    labels,
    setLabels,
    labelError,
    problem,
    setProblem,
    clear: () => {
      setProblem(null);
      setLabelError(null);
    },
    checkLabelsAndTeam: () => {
      const parsed = parseLabels(labels);
      if ("error" in parsed) {
        setLabelError(parsed.error);
        return null;
      }
      if (!admin && !team) {
        setProblem(`Choose the team the ${noun} is for.`);
        return null;
      }
      return parsed.labels;
    },
  };
}

/** The end of such a form: the labels, the team, and what went wrong (`error`: the create request's). */
export function TeamOwnedFields({ form, teamsError, error }: { form: TeamOwnedForm; teamsError: unknown; error: unknown }) {
  return (
    <>
      <LabelsField value={form.labels} onChange={form.setLabels} error={form.labelError} />
      <TeamSelect
        options={form.options}
        value={form.team}
        onChange={form.setTeam}
        allowNone={form.admin}
        hint={form.admin ? `A ${form.noun} without a team is seen by admins only.` : `The team that owns the ${form.noun}.`}
      />
      {form.problem ? (
        <p className="error-text" role="alert">
          {form.problem}
        </p>
      ) : null}
      <ErrorNotice error={teamsError} prefix="Could not load the teams" />
      <ErrorNotice error={error} prefix={`Could not create the ${form.noun}`} />
    </>
  );
}

/** A list cell naming the team that owns an object, or a dash. */
export function TeamCell({ id, teams }: { id: string; teams: TeamNames }) {
  if (!id) return <span className="muted">—</span>;
  return <>{teams.nameOf(id)}</>;
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
        aria-describedby={error ? `${id}-problem ${id}-hint` : `${id}-hint`}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldError id={`${id}-problem`} error={error} alert />
      <p className="field-hint" id={`${id}-hint`}>
        One key=value a line. Keys starting with io.dokkerr. are reserved.
      </p>
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

/**
 * The toolbar of a list page: the environment (when the page has one), the filter, Refresh and
 * the page's own actions.
 */
export function ResourceToolbar({
  choice,
  filter,
  onFilter,
  placeholder,
  onRefresh,
  options,
  actions,
}: {
  /** The environment choice; none for a page whose things belong to no environment. */
  choice?: EnvironmentChoice;
  filter: string;
  onFilter: (text: string) => void;
  placeholder: string;
  onRefresh: () => void;
  /** Choices shown after the filter. */
  options?: ReactNode;
  /** Buttons after Refresh. */
  actions?: ReactNode;
}) {
  return (
    <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
      {choice ? <EnvironmentSelect choice={choice} /> : null}
      <label className="inline-label">
        <span>Filter</span>
        <input type="search" value={filter} maxLength={200} placeholder={placeholder} onChange={(e) => onFilter(e.target.value)} />
      </label>
      {options}
      <div className="toolbar-actions">
        <button type="button" className="button-secondary" onClick={onRefresh} disabled={choice ? !choice.env : undefined}>
          Refresh
        </button>
        {actions}
      </div>
    </form>
  );
}

export interface Outcome {
  title: string;
  lines?: string[];
}

/**
 * A list page's body: the outcome of the last action, the list's loading and failure, a word when
 * no environment is available, and the table (`total` counts the rows before the filter).
 */
export function ResourceList<T>({
  kind,
  choice,
  list,
  total,
  outcome,
  onDismissOutcome,
  columns,
  rows,
  rowKey,
}: {
  /** The object's name, one and many: "volume", "volumes". */
  kind: { one: string; many: string };
  choice: EnvironmentChoice;
  list: { error: unknown; loading: boolean };
  total: number;
  outcome: Outcome | null;
  onDismissOutcome: () => void;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
}) {
  const env = choice.env;
  const title = kind.many.charAt(0).toUpperCase() + kind.many.slice(1);
  return (
    <>
      {outcome ? <OutcomeNotice title={outcome.title} lines={outcome.lines} onDismiss={onDismissOutcome} /> : null}
      <ErrorNotice error={list.error} prefix={`Could not load the ${kind.many}`} />
      {list.loading || choice.loaded.loading ? <p role="status">{`Loading ${kind.many}…`}</p> : null}
      {!choice.loaded.loading && !choice.loaded.error && choice.environments.length === 0 ? (
        <p className="muted">No environment is available to you.</p>
      ) : null}
      <DataTable
        caption={`${title}${env ? ` in ${env}` : ""}`}
        columns={columns}
        rows={rows}
        rowKey={rowKey}
        busy={list.loading}
        empty={list.error || !env ? undefined : total === 0 ? `No ${kind.many} in this environment.` : `No ${kind.one} matches.`}
      />
    </>
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
