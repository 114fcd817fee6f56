// The secrets and configs of a Swarm, a tab each: name, team, labels and age, create and remove.
// A value is written once, when it is created, and never read back: neither the API nor this page
// ever shows it again, so the form's copy goes with the dialog. The tab is in the address
// (replaced, not pushed).

import { useMemo, useState } from "react";
import { type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, TextAreaField } from "../../components/Field";
import { FormDialog } from "../../components/FormDialog";
import { Tabs } from "../../components/Tabs";
import { useAction, useLoad } from "../../lib/hooks";
import { navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { servicePermissions, useSwarmApi, type FileKind, type SwarmFile } from "../../lib/swarm";
import { useTeamNames, type TeamNames } from "../../lib/teams";
import {
  matches,
  NAME_PATTERN,
  ResourceList,
  ResourceToolbar,
  TeamCell,
  TeamOwnedFields,
  useTeamOwnedForm,
  type Outcome,
} from "../networks/ResourceParts";
import { When, type SectionProps } from "./SwarmParts";

/** The managers keep secrets and configs alike in their raft log, which bounds an object at 500 KiB. */
const MAX_VALUE_BYTES = 500 * 1024;

const KINDS: Record<FileKind, { one: string; title: string; maxBytes: number; about: string }> = {
  secrets: {
    one: "secret",
    title: "Secrets",
    maxBytes: MAX_VALUE_BYTES,
    about: "Passwords, keys and certificates: the managers keep them encrypted, and a service's tasks read them as files under /run/secrets.",
  },
  configs: {
    one: "config",
    title: "Configs",
    maxBytes: MAX_VALUE_BYTES,
    about: "Configuration files a service's tasks read, such as an nginx.conf. Not for passwords: a task's config is not kept in memory only, as a secret is.",
  },
};

export const MAX_FILE_NAME = 64;

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function LabelsCell({ labels }: { labels: Record<string, string> | null | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="value-list mono small">
      {entries.map(([key, value]) => (
        <li key={key}>{`${key}=${value}`}</li>
      ))}
    </ul>
  );
}

function CreateDialog({ env, kind, teams, onClose, onCreated }: { env: string; kind: FileKind; teams: TeamNames; onClose: () => void; onCreated: (name: string) => void }) {
  const swarm = useSwarmApi();
  const noun = KINDS[kind];
  const form = useTeamOwnedForm(noun.one, "containers:create", env, teams);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [nameError, setNameError] = useState<string | null>(null);
  const [valueError, setValueError] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();

  const submit = async () => {
    form.clear();
    setError(null);
    const n = name.trim();
    const badName = !n || n.length > MAX_FILE_NAME || !NAME_PATTERN.test(n) ? `A name is 1 to ${MAX_FILE_NAME} letters, digits, '_', '.' and '-', starting with a letter or digit.` : null;
    const badValue = value === "" ? `Give the ${noun.one}'s value.` : byteLength(value) > noun.maxBytes ? `A ${noun.one}'s value is at most ${noun.maxBytes / 1024} KiB.` : null;
    setNameError(badName);
    setValueError(badValue);
    const labels = form.checkLabelsAndTeam();
    if (badName || badValue || !labels) return;
    await run(async () => {
      await swarm.createFile(env, kind, { name: n, data: value, ...(Object.keys(labels).length > 0 ? { labels } : {}) }, form.team || undefined);
      onCreated(n);
    });
  };

  return (
    <FormDialog
      title={`Create a ${noun.one}`}
      submitLabel="Create"
      busyLabel="Creating…"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      formClassName="form-stack"
      noValidate
      wide
    >
      <Field
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={nameError}
        maxLength={MAX_FILE_NAME}
        required
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
        hint={`Services name the ${noun.one} by it; a ${noun.one} keeps its name and value for life.`}
      />
      <TextAreaField
        label="Value"
        value={value}
        onChange={setValue}
        error={valueError}
        rows={8}
        className="swarm-text swarm-value"
        maxLength={noun.maxBytes}
        autoComplete="off"
        hint={`Write-only: once created, the value is never shown again, here or through the API. To change it, create a new ${noun.one} and point the services to it. At most ${noun.maxBytes / 1024} KiB.`}
      />
      <TeamOwnedFields form={form} teamsError={teams.error} error={error} />
    </FormDialog>
  );
}

type Open = { kind: "create" } | { kind: "remove"; file: SwarmFile } | null;

function FilesPanel({ choice, env, kind }: Pick<SectionProps, "choice" | "env"> & { kind: FileKind }) {
  const swarm = useSwarmApi();
  const session = useSession();
  const teams = useTeamNames();
  const noun = KINDS[kind];
  const list = useLoad((signal) => swarm.files(env, kind, signal), [swarm, env, kind]);
  const [filter, setFilter] = useState("");
  const [open, setOpen] = useState<Open>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const removal = useAction();
  const may = servicePermissions(session.canIn, env);

  const rows = useMemo(() => [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [list.data]);
  const shown = rows.filter((f) =>
    matches(filter, [f.name, f.team ? teams.nameOf(f.team) : "", ...Object.entries(f.labels ?? {}).map(([k, v]) => `${k}=${v}`)]),
  );

  const close = () => {
    setOpen(null);
    removal.setError(null);
  };

  const remove = (file: SwarmFile) =>
    removal.run(async () => {
      await swarm.removeFile(env, kind, file.id);
      setOpen(null);
      setOutcome({ title: `Removed the ${noun.one} ${file.name}.` });
      list.reload();
    });

  const columns: Column<SwarmFile>[] = [
    { id: "name", header: "Name", rowHeader: true, className: "cell-name mono", cell: (f) => f.name },
    { id: "team", header: "Team", cell: (f) => <TeamCell id={f.team ?? ""} teams={teams} /> },
    { id: "labels", header: "Labels", className: "cell-wrap", cell: (f) => <LabelsCell labels={f.labels} /> },
    { id: "created", header: "Created", cell: (f) => <When at={f.created} /> },
    { id: "updated", header: "Updated", cell: (f) => <When at={f.updated} /> },
  ];
  if (may.remove) {
    columns.push({
      id: "actions",
      header: "Actions",
      cell: (f) => (
        <div className="row-actions" role="group" aria-label={`Actions for ${f.name}`}>
          <button type="button" className="button-danger" onClick={() => setOpen({ kind: "remove", file: f })}>
            Remove
          </button>
        </div>
      ),
    });
  }

  return (
    <>
      <p className="muted">
        {noun.about} Values are write-only: the list never shows them.
      </p>
      <ResourceToolbar
        choice={choice}
        filter={filter}
        onFilter={setFilter}
        placeholder="Name, team, label"
        onRefresh={list.reload}
        actions={
          may.create ? (
            <button type="button" onClick={() => setOpen({ kind: "create" })}>
              {`Create ${noun.one}`}
            </button>
          ) : null
        }
      />
      <ResourceList
        kind={{ one: noun.one, many: kind }}
        choice={choice}
        list={list}
        total={rows.length}
        outcome={outcome}
        onDismissOutcome={() => setOutcome(null)}
        columns={columns}
        rows={shown}
        rowKey={(f) => f.id}
      />
      {open?.kind === "create" ? (
        <CreateDialog
          env={env}
          kind={kind}
          teams={teams}
          onClose={close}
          onCreated={(name) => {
            close();
            setOutcome({ title: `Created the ${noun.one} ${name}. Its value is not shown again.` });
            list.reload();
          }}
        />
      ) : null}
      {open?.kind === "remove" ? (
        <ConfirmDialog
          open
          title={`Remove the ${noun.one} ${open.file.name}?`}
          confirmLabel="Remove"
          danger
          busy={removal.busy}
          onConfirm={() => void remove(open.file)}
          onCancel={close}
        >
          <p>
            The {noun.one} <span className="mono">{open.file.name}</span> and its value are deleted from the Swarm. A service that uses it makes the
            managers refuse. This cannot be undone.
          </p>
          <ErrorNotice error={removal.error} prefix="Could not remove" />
        </ConfirmDialog>
      ) : null}
    </>
  );
}

const TABS = [
  { id: "secrets", label: "Secrets" },
  { id: "configs", label: "Configs" },
];

export default function SecretsSection({ choice, env, tab }: SectionProps & { tab: string }) {
  const current: FileKind = tab === "configs" ? "configs" : "secrets";
  const select = (next: string) => navigate("/swarm/secrets", { env, tab: next }, true);
  return (
    <>
      <h1 id="page-title">Secrets &amp; configs</h1>
      <Tabs label="Secrets and configs" tabs={TABS} selected={current} onSelect={select}>
        {/* Keyed: each kind has its own list, filter and dialogs. */}
        <FilesPanel key={current} choice={choice} env={env} kind={current} />
      </Tabs>
    </>
  );
}
