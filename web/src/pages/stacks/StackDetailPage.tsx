// One stack: its status (and why it failed), its containers, and the actions the caller may
// take (among them pulling the images again and redeploying), with tabs to edit the file
// (reviewing the line diff before deploying), to roll back to an earlier version, to read the
// merged log and to manage the stack's redeploy webhook. The tab is in the address (replaced, not
// pushed), so a reload or a shared link opens the same tab.

import { useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { Tabs, type TabItem } from "../../components/Tabs";
import { isApiError } from "../../lib/api";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import type { StackContainer, StackView } from "../../lib/stacks";
import { useTeamNames } from "../../lib/teams";
import { OutcomeNotice } from "../networks/ResourceParts";
import { StackEditTab } from "./StackEditTab";
import { StackHistoryTab } from "./StackHistoryTab";
import { StackLogsTab } from "./StackLogsTab";
import { StackWebhookTab } from "./StackWebhookTab";
import "../containers/containers.css";
import "./stacks.css";

const TABS: (TabItem & { permission?: string })[] = [
  { id: "containers", label: "Containers" },
  { id: "edit", label: "Edit", permission: "containers:create" },
  { id: "history", label: "History" },
  { id: "logs", label: "Logs", permission: "containers:logs" },
  { id: "webhook", label: "Webhook" },
];

type Busy = "stop" | "start" | "redeploy" | "remove" | null;

function ContainersTable({ env, stack }: { env: string; stack: StackView }) {
  const rows = [...stack.containers].sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
  const columns: Column<StackContainer>[] = [
    { id: "service", header: "Service", className: "mono", cell: (c) => c.service },
    {
      id: "name",
      header: "Container",
      rowHeader: true,
      className: "cell-name mono",
      cell: (c) => (c.id ? <Link to="/containers/view" query={{ env, id: c.id }}>{c.name}</Link> : c.name),
    },
    { id: "state", header: "State", cell: (c) => <StateBadge state={c.state} /> },
  ];
  return (
    <DataTable
      caption={`Containers of ${stack.name}`}
      columns={columns}
      rows={rows}
      rowKey={(c) => c.id || c.name}
      empty="The stack has no containers."
    />
  );
}

export default function StackDetailPage({ env: requestedEnv, name, tab }: { env: string; name: string; tab: string }) {
  const choice = useEnvironmentChoice();
  const env = requestedEnv || choice.env;
  const { stacks } = useServices();
  const session = useSession();
  const teams = useTeamNames();
  const loaded = useLoad<StackView | undefined>((signal) => (env && name ? stacks.get(env, name, signal) : Promise.resolve(undefined)), [stacks, env, name]);
  const notFound = isApiError(loaded.error) && loaded.error.status === 404;
  const stack = notFound ? undefined : loaded.data;

  const [busy, setBusy] = useState<Busy>(null);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [removeVolumes, setRemoveVolumes] = useState(false);

  const canOperate = !!env && session.canIn("containers:create", env);
  const canDelete = !!env && session.canIn("containers:delete", env);
  const tabs = TABS.filter((t) => !t.permission || (!!env && session.canIn(t.permission, env)));
  const current = tabs.some((t) => t.id === tab) ? tab : "containers";
  const selectTab = (next: string) => navigate("/stacks/view", { env, name, tab: next }, true);

  /** After a change: the page reads the stack again and says what happened. */
  const changed = (what: string) => {
    setFailure(null);
    setOutcome(what);
    loaded.reload();
  };

  const act = async (action: "stop" | "start") => {
    setBusy(action);
    setFailure(null);
    setOutcome(null);
    try {
      const view = await (action === "stop" ? stacks.stop(env, name) : stacks.start(env, name));
      setOutcome(action === "stop" ? `Stopped ${name}.` : `Started ${name}: ${view.status}.`);
    } catch (error) {
      setFailure({ what: `Could not ${action} ${name}`, error });
    } finally {
      setBusy(null);
      loaded.reload();
    }
  };

  /** Pulls every service's image again and recreates what runs an older one; the version stays. */
  const redeploy = async () => {
    setBusy("redeploy");
    setFailure(null);
    setOutcome(null);
    try {
      const view = await stacks.redeploy(env, name);
      setOutcome(`Pulled and redeployed ${name}: ${view.status}.`);
    } catch (error) {
      setFailure({ what: `Could not pull and redeploy ${name}`, error });
    } finally {
      setBusy(null);
      loaded.reload();
    }
  };

  const remove = async () => {
    setBusy("remove");
    setFailure(null);
    try {
      await stacks.remove(env, name, { volumes: removeVolumes });
      setConfirmRemove(false);
      navigate("/stacks", { env, removed: name });
    } catch (error) {
      setConfirmRemove(false);
      setFailure({ what: `Could not remove ${name}`, error });
      loaded.reload();
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Stack </span>
          <span className="mono">{name || "Stack"}</span>
        </h1>
        {stack ? (
          <>
            <StateBadge state={stack.status} />
            <span className="badge">version {stack.version}</span>
          </>
        ) : null}
      </div>
      <p className="detail-sub muted">
        {stack ? (
          <>
            {env}
            {stack.team_id ? ` · team ${teams.nameOf(stack.team_id)}` : ""}
            {" · updated "}
            <time dateTime={stack.updated_at} title={formatTime(stack.updated_at)}>
              {formatRelative(stack.updated_at)}
            </time>
            {" · "}
          </>
        ) : null}
        <Link to="/stacks" query={{ env }}>
          All stacks
        </Link>
      </p>

      {!name ? <p className="muted">No stack was named in the address.</p> : null}
      {loaded.loading && !stack ? <p role="status">Loading…</p> : null}
      {notFound ? (
        <div className="notice notice-error" role="alert">
          <p>There is no stack {name} in this environment (it may have been removed).</p>
          <p className="notice-code">Code: {isApiError(loaded.error) ? loaded.error.code : ""}</p>
        </div>
      ) : (
        <ErrorNotice error={loaded.error} prefix="Could not load the stack" />
      )}
      {failure ? <ErrorNotice error={failure.error} prefix={failure.what} /> : null}
      {outcome ? <OutcomeNotice title={outcome} onDismiss={() => setOutcome(null)} /> : null}

      {stack ? (
        <>
          {stack.status === "failed" && stack.error ? (
            <div className="notice notice-error">
              <p className="stack-error">The last deploy failed: {stack.error}</p>
            </div>
          ) : null}

          <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
            {canOperate && stack.status !== "stopped" ? (
              <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => void act("stop")}>
                {busy === "stop" ? "Stopping…" : "Stop"}
              </button>
            ) : null}
            {canOperate && stack.status !== "running" ? (
              <button type="button" disabled={busy !== null} onClick={() => void act("start")}>
                {busy === "start" ? "Starting…" : "Start"}
              </button>
            ) : null}
            {canOperate ? (
              <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => void redeploy()}>
                {busy === "redeploy" ? "Pulling and redeploying…" : "Pull and redeploy"}
              </button>
            ) : null}
            <button type="button" className="button-secondary" disabled={busy !== null} onClick={loaded.reload}>
              Refresh
            </button>
            {canDelete ? (
              <button type="button" className="button-danger" disabled={busy !== null} onClick={() => setConfirmRemove(true)}>
                Delete
              </button>
            ) : null}
          </div>
          {busy === "redeploy" ? (
            <p role="status" className="muted">
              Pulling the images of {name} again: containers whose image changed are recreated, and the server answers once every service is up,
              which can take a while.
            </p>
          ) : null}

          <Tabs label="Stack views" tabs={tabs} selected={current} onSelect={selectTab}>
            {current === "containers" ? <ContainersTable env={env} stack={stack} /> : null}
            {current === "edit" ? (
              <StackEditTab
                // A deploy makes a new version: the form starts again from it.
                key={`${stack.name}-${stack.version}`}
                env={env}
                stack={stack}
                onDeployed={(view) => changed(view.version === stack.version ? `Nothing changed: ${name} stays at version ${view.version}.` : `Deployed version ${view.version} of ${name}.`)}
              />
            ) : null}
            {current === "history" ? (
              <StackHistoryTab
                env={env}
                stack={stack}
                canRollBack={canOperate}
                onRolledBack={(from, view) => changed(`Rolled back to version ${from}: ${name} is now at version ${view.version}.`)}
              />
            ) : null}
            {current === "logs" ? <StackLogsTab env={env} stack={stack} /> : null}
            {current === "webhook" ? <StackWebhookTab env={env} stack={stack} canManage={canOperate} /> : null}
          </Tabs>

          <ConfirmDialog
            open={confirmRemove}
            title={`Delete the stack ${name}?`}
            confirmLabel="Delete"
            danger
            busy={busy === "remove"}
            onConfirm={() => void remove()}
            onCancel={() => setConfirmRemove(false)}
          >
            <p>
              The containers and networks of <span className="mono">{name}</span> are removed, with its history. This cannot be undone.
            </p>
            <label className="check">
              <input type="checkbox" checked={removeVolumes} onChange={(e) => setRemoveVolumes(e.target.checked)} />
              <span>Also remove the stack's volumes (and the data in them)</span>
            </label>
          </ConfirmDialog>
        </>
      ) : null}
    </section>
  );
}
