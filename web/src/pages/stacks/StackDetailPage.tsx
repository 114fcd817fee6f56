// One stack: its status (and why it failed), its containers, and the actions the caller may
// take (among them pulling the images again and redeploying, suggested when the last image update
// check found a newer digest for one of its images; and whether that check redeploys the stack by
// itself); for a stack read from Git, where its file is and the commit deployed, with Sync from Git
// to deploy the commit its branch or tag names now; with tabs to edit the file (reviewing the line
// diff before deploying; a Git stack's location instead), to roll back to an earlier version, to
// read the merged log and to manage the stack's redeploy webhook. The tab is in the address
// (replaced, not pushed), so a reload or a shared link opens the same tab. Every deploy started
// here (pull and redeploy, sync, an edit, a rollback) shows the engine's events for the stack's
// containers while it runs: the page holds that progress, so it outlives the tab's form, which
// starts again from each new version.

import { useEffect, useId, useMemo, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { Tabs, type TabItem } from "../../components/Tabs";
import { isApiError } from "../../lib/api";
import { useEnvironmentChoice } from "../../lib/environments";
import { formatRelative, formatTime } from "../../lib/format";
import { useLoad } from "../../lib/hooks";
import { imagesWithUpdates, updatesByImage, useImageUpdatesApi, type ImageUpdate } from "../../lib/imageUpdates";
import { Link, navigate } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { composeServiceNames, shortCommit, type StackContainer, type StackView } from "../../lib/stacks";
import { useTeamNames } from "../../lib/teams";
import { OutcomeNotice } from "../networks/ResourceParts";
import { DeployProgress } from "./DeployProgress";
import { StackEditTab } from "./StackEditTab";
import { StackHistoryTab } from "./StackHistoryTab";
import { StackLogsTab } from "./StackLogsTab";
import { GitFacts } from "./StackParts";
import { StackWebhookTab } from "./StackWebhookTab";
import { useStackProgress } from "./useStackProgress";
import "../containers/containers.css";
import "../images/updates.css";
import "./stacks.css";

const TABS: (TabItem & { permission?: string })[] = [
  { id: "containers", label: "Containers" },
  { id: "edit", label: "Edit", permission: "containers:create" },
  { id: "history", label: "History" },
  { id: "logs", label: "Logs", permission: "containers:logs" },
  { id: "webhook", label: "Webhook" },
];

type Busy = "stop" | "start" | "redeploy" | "git-sync" | "auto-update" | "remove" | null;

/** The images of the stack that have a newer digest in their registry, and what to do about it. */
function UpdateNotice({ images, canRedeploy, automatic }: { images: string[]; canRedeploy: boolean; automatic: boolean }) {
  if (images.length === 0) return null;
  return (
    <div className="notice notice-info update-notice">
      {images.length === 1 ? (
        <p>
          Update available for <span className="mono">{images[0]}</span>: the registry has a newer image under this tag.
        </p>
      ) : (
        <>
          <p>Update available for these images: the registry has newer ones under their tags.</p>
          <ul>
            {images.map((image) => (
              <li key={image} className="mono">
                {image}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        {canRedeploy
          ? "Pull and redeploy to run the newer image: only the containers whose image changed are recreated."
          : "Someone who may deploy this stack can pull and redeploy it to run the newer image."}
        {automatic ? " The stack is also redeployed automatically at the server's next scheduled check." : ""}
      </p>
    </div>
  );
}

/** Whether the image update check redeploys the stack by itself; read-only for those who may not deploy it. */
function AutoUpdateSwitch({
  checked,
  canChange,
  busy,
  saving,
  onChange,
}: {
  checked: boolean;
  canChange: boolean;
  /** Another action runs: the switch waits for it. */
  busy: boolean;
  saving: boolean;
  onChange: (enabled: boolean) => void;
}) {
  const hint = useId();
  return (
    <div className="stack-auto-update">
      <label className="check">
        <input
          type="checkbox"
          checked={checked}
          disabled={!canChange || busy}
          aria-describedby={hint}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>Redeploy automatically when an image update is found</span>
      </label>
      {saving ? (
        <span role="status" className="muted small">
          Saving…
        </span>
      ) : null}
      <p className="field-hint" id={hint}>
        {canChange
          ? "The server's image update check then pulls and redeploys the stack as Pull and redeploy does, rolling a service back when its new container does not start."
          : "Only someone who may deploy this stack can change this."}
      </p>
    </div>
  );
}

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
  // The last image update check's results; without images:read, or when they fail, no notice.
  const updatesApi = useImageUpdatesApi();
  const readUpdates = !!env && session.canIn("images:read", env);
  const updates = useLoad(
    (signal) => (readUpdates ? updatesApi.list(env, signal).catch(() => [] as ImageUpdate[]) : Promise.resolve<ImageUpdate[]>([])),
    [updatesApi, env, readUpdates],
  );
  const byImage = useMemo(() => updatesByImage(updates.data ?? []), [updates.data]);

  const [busy, setBusy] = useState<Busy>(null);
  const progress = useStackProgress(env, name);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [removeVolumes, setRemoveVolumes] = useState(false);
  // The switch shows the choice at once; the stack as read again replaces it.
  const [autoUpdate, setAutoUpdate] = useState<boolean | null>(null);
  useEffect(() => setAutoUpdate(null), [loaded.data]);

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
      const view = await progress.track(name, () => stacks.redeploy(env, name), {
        services: stack ? composeServiceNames(stack.compose) : null,
        images: stack?.images,
      });
      setOutcome(`Pulled and redeployed ${name}: ${view.status}.`);
    } catch (error) {
      setFailure({ what: `Could not pull and redeploy ${name}`, error });
    } finally {
      setBusy(null);
      loaded.reload();
      updates.reload();
    }
  };

  /** A Git stack: deploys the commit its branch or tag names now, when it is not the one deployed. */
  const syncGit = async () => {
    setBusy("git-sync");
    setFailure(null);
    setOutcome(null);
    try {
      // The commit deployed may name other services: they are not counted.
      const view = await progress.track(name, () => stacks.syncGit(env, name), { images: stack?.images });
      const short = shortCommit(view.git?.commit ?? "");
      setOutcome(
        view.changed ? `Deployed commit ${short}: ${name} is now at version ${view.version}.` : `Already at ${short}: nothing new to deploy.`,
      );
    } catch (error) {
      setFailure({ what: `Could not sync ${name} from Git`, error });
    } finally {
      setBusy(null);
      loaded.reload();
    }
  };

  /** Opts the stack in to or out of being redeployed by the image update check. */
  const changeAutoUpdate = async (enabled: boolean) => {
    setBusy("auto-update");
    setAutoUpdate(enabled);
    setFailure(null);
    setOutcome(null);
    try {
      const view = await stacks.setAutoUpdate(env, name, enabled);
      setAutoUpdate(!!view.auto_update);
      setOutcome(view.auto_update ? `${name} is redeployed automatically when an image update is found.` : `${name} is no longer redeployed automatically.`);
      loaded.reload();
    } catch (error) {
      setAutoUpdate(null);
      setFailure({ what: `Could not ${enabled ? "turn on" : "turn off"} automatic redeploys of ${name}`, error });
    } finally {
      setBusy(null);
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

          <UpdateNotice images={imagesWithUpdates(stack.images, byImage)} canRedeploy={canOperate} automatic={!!stack.auto_update} />

          {stack.git ? (
            <section className="stack-git" aria-labelledby="stack-git-title">
              <h2 id="stack-git-title">From Git</h2>
              <GitFacts git={stack.git} />
            </section>
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
            {canOperate && stack.git ? (
              <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => void syncGit()}>
                {busy === "git-sync" ? "Syncing from Git…" : "Sync from Git"}
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
          {busy === "git-sync" && stack.git ? (
            <p role="status" className="muted">
              Reading {stack.git.ref} of the repository: a new commit is deployed as a new version, and the server answers once every service is
              up, which can take a while.
            </p>
          ) : null}
          {busy === "redeploy" ? (
            <p role="status" className="muted">
              Pulling the images of {name} again: containers whose image changed are recreated, and the server answers once every service is up,
              which can take a while.
            </p>
          ) : null}
          <DeployProgress progress={progress} level={2} />
          <AutoUpdateSwitch
            checked={autoUpdate ?? !!stack.auto_update}
            canChange={canOperate}
            busy={busy !== null}
            saving={busy === "auto-update"}
            onChange={(enabled) => void changeAutoUpdate(enabled)}
          />

          <Tabs label="Stack views" tabs={tabs} selected={current} onSelect={selectTab}>
            {current === "containers" ? <ContainersTable env={env} stack={stack} /> : null}
            {current === "edit" ? (
              <StackEditTab
                // A deploy makes a new version, and a Git stack may become an inline one: the form starts again from it.
                key={`${stack.name}-${stack.version}-${stack.git ? "git" : "inline"}`}
                env={env}
                stack={stack}
                progress={progress}
                onDeployed={(view, what) =>
                  changed(
                    what ??
                      (view.version === stack.version ? `Nothing changed: ${name} stays at version ${view.version}.` : `Deployed version ${view.version} of ${name}.`),
                  )
                }
              />
            ) : null}
            {current === "history" ? (
              <StackHistoryTab
                env={env}
                stack={stack}
                canRollBack={canOperate}
                progress={progress}
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
