// One container: its state and the actions the caller may take, kept current from the events
// stream, with tabs for its facts, log, resource use and a console. The tab is in the address
// (replaced, not pushed), so a reload or a shared link opens the same tab.

import { useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { StateBadge } from "../../components/StateBadge";
import { Tabs, type TabItem } from "../../components/Tabs";
import { isApiError } from "../../lib/api";
import { inspectName, type ContainerInspect, type LifecycleAction } from "../../lib/containers";
import { eventsPath, type EngineEvent } from "../../lib/dokkerr";
import { useEnvironmentChoice } from "../../lib/environments";
import { useLoad } from "../../lib/hooks";
import { openLive } from "../../lib/live";
import { Link, navigate } from "../../lib/router";
import { useServices } from "../../lib/services";
import { useSession } from "../../lib/session";
import { ConsoleTab } from "./ConsoleTab";
import { LogsTab } from "./LogsTab";
import { OverviewTab } from "./OverviewTab";
import { StatsTab } from "./StatsTab";
import "./containers.css";
import { useTeamNames } from "../../lib/teams";

const TABS: (TabItem & { permission?: string })[] = [
  { id: "overview", label: "Overview" },
  { id: "logs", label: "Logs", permission: "containers:logs" },
  { id: "stats", label: "Stats" },
  { id: "console", label: "Console", permission: "containers:exec" },
];

/** Engine events come in bursts (kill, die, stop): one reload after the burst. */
const EVENT_RELOAD_MS = 250;

const ACTION_LABELS: Record<LifecycleAction, string> = {
  start: "Start",
  stop: "Stop",
  restart: "Restart",
  pause: "Pause",
  unpause: "Unpause",
  kill: "Kill",
};

/** The actions that make sense in a state. */
export function actionsFor(state: ContainerInspect["State"]): LifecycleAction[] {
  const running = state?.Running === true;
  const paused = state?.Paused === true;
  const restarting = state?.Restarting === true;
  if (paused) return ["unpause", "stop", "restart", "kill"];
  if (restarting) return ["stop", "kill"];
  if (running) return ["stop", "restart", "pause", "kill"];
  return ["start", "restart"];
}

export function isActive(state: ContainerInspect["State"]): boolean {
  return state?.Running === true || state?.Paused === true || state?.Restarting === true;
}

export default function ContainerDetailPage({ env: requestedEnv, id, tab }: { env: string; id: string; tab: string }) {
  const choice = useEnvironmentChoice();
  const env = requestedEnv || choice.env;
  const { containers, dokkerr } = useServices();
  const session = useSession();
  const isAdmin = session.permissions?.is_admin === true;

  const inspect = useLoad<ContainerInspect | undefined>(
    (signal) => (env && id ? containers.inspect(env, id, signal) : Promise.resolve(undefined)),
    [containers, env, id],
  );
  const notFound = isApiError(inspect.error) && inspect.error.status === 404;
  // A container that is gone (removed elsewhere) shows as gone, not as it last was.
  const container = notFound ? undefined : inspect.data;
  const fullId = container?.Id ?? "";
  const team = container?.Dokkerr?.team ?? "";
  const teams = useTeamNames();
  const reloadRef = useRef(inspect.reload);
  reloadRef.current = inspect.reload;

  // Keep the page current: this container's engine events trigger a reload.
  useEffect(() => {
    if (!env || !fullId) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const live = openLive({
      path: eventsPath(env),
      query: {
        type: "container",
        filters: JSON.stringify({ container: [fullId] }),
        // A member of several teams names the one whose events to follow.
        team: !isAdmin && team ? team : undefined,
      },
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onMessage: (data) => {
        let event: EngineEvent;
        try {
          event = JSON.parse(data) as EngineEvent;
        } catch {
          return;
        }
        if (event.Actor?.ID !== fullId) return;
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          reloadRef.current();
        }, EVENT_RELOAD_MS);
      },
    });
    return () => {
      live.close();
      if (timer !== null) clearTimeout(timer);
    };
  }, [dokkerr, env, fullId, team, isAdmin]);

  const [busy, setBusy] = useState<LifecycleAction | "remove" | null>(null);
  const [failure, setFailure] = useState<{ what: string; error: unknown } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [removeVolumes, setRemoveVolumes] = useState(false);

  const canOperate = !!env && session.canIn("containers:operate", env);
  const canDelete = !!env && session.canIn("containers:delete", env);
  const tabs = TABS.filter((t) => !t.permission || (!!env && session.canIn(t.permission, env)));
  const current = tabs.some((t) => t.id === tab) ? tab : "overview";
  const selectTab = (next: string) => navigate("/containers/view", { env, id, tab: next }, true);

  const name = container ? inspectName(container) : id;

  const act = async (action: LifecycleAction) => {
    if (!fullId) return;
    setBusy(action);
    setFailure(null);
    try {
      await containers.act(env, fullId, action);
    } catch (error) {
      setFailure({ what: `Could not ${action} ${name}`, error });
    } finally {
      setBusy(null);
      inspect.reload();
    }
  };

  const remove = async () => {
    if (!fullId || !container) return;
    setBusy("remove");
    setFailure(null);
    try {
      await containers.remove(env, fullId, { force: isActive(container.State), volumes: removeVolumes });
      setConfirmRemove(false);
      navigate("/containers", { env });
    } catch (error) {
      setConfirmRemove(false);
      setFailure({ what: `Could not remove ${name}`, error });
      inspect.reload();
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <div className="detail-head">
        <h1 id="page-title">
          <span className="visually-hidden">Container </span>
          <span className="mono">{name || "Container"}</span>
        </h1>
        {container ? <StateBadge state={container.State?.Status} /> : null}
        {container?.State?.Health?.Status ? <span className="badge">health: {container.State.Health.Status}</span> : null}
      </div>
      <p className="detail-sub muted">
        {container ? (
          <>
            <span className="mono">{container.Config?.Image ?? ""}</span>
            {" · "}
            {env}
            {team ? (
              <>
                {" · team "}
                {teams.nameOf(team)}
              </>
            ) : null}
            {" · "}
          </>
        ) : null}
        <Link to="/containers" query={{ env }}>
          All containers
        </Link>
        {fullId ? (
          <>
            {" · "}
            <Link to="/monitoring/metrics" query={{ kind: "container", env, id: fullId }}>
              Metric history
            </Link>
          </>
        ) : null}
      </p>

      {!id ? <p className="muted">No container was named in the address.</p> : null}
      {inspect.loading && !container ? <p role="status">Loading…</p> : null}
      {notFound ? (
        <div className="notice notice-error" role="alert">
          <p>There is no container {id} in this environment (it may have been removed).</p>
          <p className="notice-code">Code: {isApiError(inspect.error) ? inspect.error.code : ""}</p>
        </div>
      ) : (
        <ErrorNotice error={inspect.error} prefix="Could not load the container" />
      )}
      {failure ? <ErrorNotice error={failure.error} prefix={failure.what} /> : null}

      {container ? (
        <>
          {canOperate || canDelete ? (
            <div className="detail-actions" role="group" aria-label={`Actions for ${name}`}>
              {canOperate
                ? actionsFor(container.State).map((action) => (
                    <button
                      key={action}
                      type="button"
                      className={action === "kill" ? "button-danger" : action === "start" || action === "unpause" ? undefined : "button-secondary"}
                      disabled={busy !== null}
                      onClick={() => void act(action)}
                    >
                      {busy === action ? `${ACTION_LABELS[action]}…` : ACTION_LABELS[action]}
                    </button>
                  ))
                : null}
              {canDelete ? (
                <button type="button" className="button-danger" disabled={busy !== null} onClick={() => setConfirmRemove(true)}>
                  Remove
                </button>
              ) : null}
            </div>
          ) : null}

          <Tabs label="Container views" tabs={tabs} selected={current} onSelect={selectTab}>
            {current === "overview" ? <OverviewTab container={container} /> : null}
            {current === "logs" ? <LogsTab env={env} id={fullId} name={name} /> : null}
            {current === "stats" ? <StatsTab env={env} id={fullId} name={name} /> : null}
            {current === "console" ? <ConsoleTab env={env} id={fullId} name={name} running={container.State?.Running === true && container.State?.Paused !== true} /> : null}
          </Tabs>

          <ConfirmDialog
            open={confirmRemove}
            title={`Remove ${name}?`}
            confirmLabel={isActive(container.State) ? "Force remove" : "Remove"}
            danger
            busy={busy === "remove"}
            onConfirm={() => void remove()}
            onCancel={() => setConfirmRemove(false)}
          >
            <p>
              The container <span className="mono">{name}</span> and its writable layer are deleted; this cannot be undone.
              {isActive(container.State) ? " It is running: it will be killed first." : ""}
            </p>
            <label className="check">
              <input type="checkbox" checked={removeVolumes} onChange={(e) => setRemoveVolumes(e.target.checked)} />
              <span>Also remove its anonymous volumes</span>
            </label>
          </ConfirmDialog>
        </>
      ) : null}
    </section>
  );
}
