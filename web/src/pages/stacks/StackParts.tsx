// Pieces the stack pages share: the compose file and variables editors, a Git location's fields
// and facts, the line diff, and where a stack's page is.

import type { ReactNode } from "react";
import { Field, TextAreaField } from "../../components/Field";
import { hrefFor } from "../../lib/router";
import {
  DEFAULT_GIT_PATH,
  DEFAULT_GIT_REF,
  diffCounts,
  shortCommit,
  type DiffLine,
  type GitField,
  type GitLocationFields,
  type StackGit,
} from "../../lib/stacks";
import "./stacks.css";

/** The largest compose file the server reads is 256 KiB; the editor stops a little above it. */
export const MAX_COMPOSE_CHARS = 300_000;

export function stackHref(env: string, name: string, tab?: string): string {
  return hrefFor("/stacks/view", { env, name, tab });
}

export function ComposeEditor({ value, onChange, error }: { value: string; onChange: (text: string) => void; error?: unknown }) {
  return (
    <TextAreaField alertError
      label="Compose file"
      value={value}
      onChange={onChange}
      rows={18}
      error={error}
      className="compose-input"
      maxLength={MAX_COMPOSE_CHARS}
      hint="A Compose file (YAML) with a services: section. ${NAME} takes the value of a variable below."
    />
  );
}

export function VariablesEditor({ value, onChange, error, hint }: { value: string; onChange: (text: string) => void; error?: unknown; hint?: ReactNode }) {
  return (
    <TextAreaField alertError
      label="Variables"
      value={value}
      onChange={onChange}
      rows={4}
      error={error}
      className="variables-input"
      maxLength={100_000}
      placeholder="DB_PASSWORD=…"
      hint={hint ?? "One NAME=value a line. The server keeps the values and never shows them again."}
    />
  );
}

/**
 * Where a Compose file is in Git: the repository's URL, the branch or tag, and the file's path.
 * A problem is shown at its field; the one the server sent is announced as it appears.
 */
export function GitLocationEditor({
  value,
  onChange,
  errors,
  alertField,
}: {
  value: GitLocationFields;
  onChange: (next: GitLocationFields) => void;
  errors: Partial<Record<GitField, unknown>>;
  /** The field whose problem came from the server. */
  alertField?: GitField | null;
}) {
  const text = { autoComplete: "off", autoCapitalize: "off", spellCheck: false } as const;
  return (
    <div className="git-location">
      <Field
        label="Repository URL"
        type="url"
        inputMode="url"
        value={value.url}
        onChange={(e) => onChange({ ...value, url: e.target.value })}
        error={errors.url}
        alertError={alertField === "url"}
        placeholder="https://git.example.com/team/app.git"
        hint="An https:// URL of a public repository (file:// only for platform admins)."
        required
        maxLength={2048}
        {...text}
      />
      <div className="form-row">
        <Field
          label="Branch or tag"
          value={value.ref}
          onChange={(e) => onChange({ ...value, ref: e.target.value })}
          error={errors.ref}
          alertError={alertField === "ref"}
          hint={`${DEFAULT_GIT_REF} when left empty.`}
          maxLength={200}
          {...text}
        />
        <Field
          label="Path of the Compose file"
          value={value.path}
          onChange={(e) => onChange({ ...value, path: e.target.value })}
          error={errors.path}
          alertError={alertField === "path"}
          hint={`Relative to the repository's root; ${DEFAULT_GIT_PATH} when left empty.`}
          maxLength={1024}
          {...text}
        />
      </div>
    </div>
  );
}

/** Where a Git stack's file is read from, and the commit deployed (its first 12 hex digits). */
export function GitFacts({ git }: { git: StackGit }) {
  return (
    <dl className="facts stack-git-facts">
      <dt>Repository</dt>
      <dd className="mono">{git.url}</dd>
      <dt>Branch or tag</dt>
      <dd className="mono">{git.ref}</dd>
      <dt>Path</dt>
      <dd className="mono">{git.path}</dd>
      <dt>Commit</dt>
      <dd className="mono" title={git.commit}>
        {git.commit ? shortCommit(git.commit) : <span className="muted">not read yet</span>}
      </dd>
    </dl>
  );
}

const SIGN = { same: " ", removed: "-", added: "+" } as const;
const SPOKEN = { same: "", removed: "Removed: ", added: "Added: " } as const;

/**
 * A line diff as a list: removed lines marked "-", added "+", each also named for screen readers
 * (the colour is never the only cue). Every line is shown: compose files are short.
 */
export function DiffView({ diff, label }: { diff: DiffLine[]; label: string }) {
  const { removed, added } = diffCounts(diff);
  return (
    <div className="diff">
      <p className="diff-summary">
        {removed === 0 && added === 0 ? "No line changes." : `${removed} line${removed === 1 ? "" : "s"} removed, ${added} added.`}
      </p>
      <ol className="diff-lines mono" aria-label={label} tabIndex={0}>
        {diff.map((line, i) => (
          <li key={i} className={`diff-line diff-${line.kind}`}>
            <span className="diff-sign" aria-hidden="true">
              {SIGN[line.kind]}
            </span>
            <span className="visually-hidden">{SPOKEN[line.kind]}</span>
            <span className="diff-text">{line.text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
