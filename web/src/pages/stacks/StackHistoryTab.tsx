// A stack's versions, newest first, each with its file; rolling back deploys an earlier version's
// file and values (kept by the server) again as a new version, after a look at what changes.
// The rollback's progress shows in the question while it runs (the rest of the page is inert
// behind it), and above the versions once the question has closed.

import { useMemo } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatRelative, formatTime } from "../../lib/format";
import { useConfirmed, useLoad } from "../../lib/hooks";
import { useServices } from "../../lib/services";
import { composeServiceNames, diffLines, type StackVersion, type StackView } from "../../lib/stacks";
import { DeployProgress } from "./DeployProgress";
import { DiffView } from "./StackParts";
import { composeImages, type StackProgress } from "./useStackProgress";

function RollbackDiff({ from, to }: { from: string; to: StackVersion }) {
  const diff = useMemo(() => diffLines(from, to.compose), [from, to.compose]);
  return <DiffView diff={diff} label={`Changes from the deployed file to version ${to.version}`} />;
}

export function StackHistoryTab({
  env,
  stack,
  canRollBack,
  progress,
  onRolledBack,
}: {
  env: string;
  stack: StackView;
  canRollBack: boolean;
  /** The page's deploy progress: a rollback shows its own in it. */
  progress: StackProgress;
  onRolledBack: (from: number, view: StackView) => void;
}) {
  const { stacks } = useServices();
  // Read again whenever the stack's version moves (a deploy or a rollback elsewhere on the page).
  const history = useLoad((signal) => stacks.history(env, stack.name, signal), [stacks, env, stack.name, stack.version]);
  const rollback = useConfirmed(async (version: StackVersion) => {
    const view = await progress.track(stack.name, () => stacks.rollback(env, stack.name, version.version), {
      at: "rollback",
      services: composeServiceNames(version.compose),
      images: composeImages(version.compose),
    });
    onRolledBack(version.version, view);
  });

  const columns: Column<StackVersion>[] = [
    { id: "version", header: "Version", rowHeader: true, cell: (v) => `Version ${v.version}` },
    {
      id: "created",
      header: "Deployed",
      cell: (v) => (
        <>
          <time dateTime={v.created_at} title={formatTime(v.created_at)}>
            {formatRelative(v.created_at)}
          </time>
          {v.created_by ? (
            <span className="muted small">
              {" by "}
              <span className="mono">{v.created_by}</span>
            </span>
          ) : null}
        </>
      ),
    },
    {
      id: "variables",
      header: "Variables",
      className: "mono small cell-wrap",
      cell: (v) => Object.keys(v.variables ?? {}).join(", ") || <span className="muted">none</span>,
    },
    {
      id: "file",
      header: "File",
      cell: (v) => (
        <details className="version-file">
          <summary>
            Show the file<span className="visually-hidden">{` of version ${v.version}`}</span>
          </summary>
          <pre tabIndex={0}>{v.compose}</pre>
        </details>
      ),
    },
    {
      id: "actions",
      header: "Actions",
      cell: (v) =>
        v.version === stack.version ? (
          <span className="muted">Deployed now</span>
        ) : canRollBack ? (
          <button type="button" className="button-secondary" disabled={rollback.busy} onClick={() => rollback.ask(v)}>
            Roll back to this version<span className="visually-hidden">{` (version ${v.version})`}</span>
          </button>
        ) : null,
    },
  ];

  return (
    <>
      <ErrorNotice error={history.error} prefix="Could not load the history" />
      {history.loading && !history.data ? <p role="status">Loading the history…</p> : null}
      {rollback.subject === null ? <DeployProgress progress={progress} at="rollback" level={2} /> : null}
      <DataTable
        caption={`Versions of ${stack.name}`}
        columns={columns}
        rows={history.data ?? []}
        rowKey={(v) => String(v.version)}
        busy={history.loading}
        empty={history.error ? undefined : "No versions."}
      />
      <ConfirmDialog
        open={rollback.subject !== null}
        title={`Roll back ${stack.name} to version ${rollback.subject?.version ?? ""}?`}
        confirmLabel="Roll back"
        busy={rollback.busy}
        onConfirm={() => void rollback.confirm()}
        onCancel={rollback.cancel}
      >
        <p>
          The file and variables of that version are deployed again as a new version; services whose configuration changes are
          recreated.
        </p>
        {rollback.subject ? <RollbackDiff from={stack.compose} to={rollback.subject} /> : null}
        {rollback.busy ? (
          <p role="status" className="muted">
            Deploying: the server answers once every service is up.
          </p>
        ) : null}
        <ErrorNotice error={rollback.error} prefix="Could not roll back" />
        {/* Only once confirmed: a new question does not show the last rollback's events. */}
        {rollback.busy || rollback.error ? <DeployProgress progress={progress} at="rollback" /> : null}
      </ConfirmDialog>
    </>
  );
}
