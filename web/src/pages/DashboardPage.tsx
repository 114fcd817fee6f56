import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { containerName, type ContainerSummary, type EngineEvent, type Environment } from "../lib/dokkerr";
import { formatBytes, formatPercent } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useEngineEvents } from "../lib/events";
import type { LiveStatus } from "../lib/live";
import { Link } from "../lib/router";
import { useDokkerr } from "../lib/services";
import { useSession, type Permissions } from "../lib/session";
import type { BoardSample } from "../lib/statsBoard";
import { MAX_BOARD_CONTAINERS } from "../lib/statsBoard";
import { boardKey, useStatsBoards } from "../lib/useStatsBoard";

const MAX_EVENTS = 50;

// The alert tile comes in a chunk of its own: the dashboard is in the first bundle.
const FiringAlertsTile = lazy(() => import("./monitoring/FiringAlertsTile"));

interface ShownEvent {
  key: number;
  at: string;
  type: string;
  action: string;
  subject: string;
}

/** Whether the caller sees alerts anywhere (kept here: lib/monitoring is not in the first bundle). */
function seesAlerts(permissions: Permissions | undefined): boolean {
  if (!permissions) return false;
  return permissions.is_admin || Object.values(permissions.teams).some((list) => list.includes("alerts:read"));
}

function describe(event: EngineEvent, key: number): ShownEvent {
  const attrs = event.Actor?.Attributes ?? {};
  const seconds = typeof event.time === "number" ? event.time : event.timeNano ? event.timeNano / 1e9 : Date.now() / 1000;
  return {
    key,
    at: new Date(seconds * 1000).toLocaleTimeString(),
    type: String(event.Type ?? "event"),
    action: String(event.Action ?? ""),
    subject: attrs.name ?? attrs.image ?? event.Actor?.ID?.slice(0, 12) ?? "",
  };
}

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  open: "Live",
  waiting: "Reconnecting…",
  denied: "Not available",
  closed: "Closed",
};

/** The live totals of the running containers watched in one environment. */
interface Usage {
  cpuPercent: number;
  memoryBytes: number;
  /** How many containers the totals are over (those with a sample so far). */
  sampled: number;
  /** Running containers not watched (beyond the board's limit). */
  unwatched: number;
}

function usageOf(env: string, running: ContainerSummary[], total: number, samples: ReadonlyMap<string, BoardSample>): Usage {
  let cpuPercent = 0;
  let memoryBytes = 0;
  let sampled = 0;
  for (const c of running) {
    const sample = samples.get(boardKey(env, c.Id));
    if (!sample) continue;
    sampled += 1;
    cpuPercent += sample.cpuPercent ?? 0;
    memoryBytes += sample.memoryBytes ?? 0;
  }
  return { cpuPercent, memoryBytes, sampled, unwatched: Math.max(0, total - running.length) };
}

function EnvironmentCard({ env, usage }: { env: Environment; usage: Usage | undefined }) {
  const up = env.status === "up";
  const counts = env.counts;
  return (
    <li className="card">
      <div className="card-head">
        <h3>{env.name}</h3>
        <span className={`status-pill ${up ? "status-up" : "status-down"}`}>{up ? "Up" : "Down"}</span>
      </div>
      {env.error ? <p className="error-text">{env.error}</p> : null}
      {env.engine?.version ? (
        <p className="muted">
          Docker {env.engine.version}
          {env.engine.os ? ` · ${env.engine.os}/${env.engine.arch ?? ""}` : ""}
        </p>
      ) : null}
      {counts ? (
        <dl className="counts">
          <div>
            <dt>Running</dt>
            <dd>{counts.running}</dd>
          </div>
          <div>
            <dt>Paused</dt>
            <dd>{counts.paused}</dd>
          </div>
          <div>
            <dt>Stopped</dt>
            <dd>{counts.stopped}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{counts.containers}</dd>
          </div>
          {counts.images !== undefined ? (
            <div>
              <dt>Images</dt>
              <dd>{counts.images}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {usage && usage.sampled > 0 ? (
        <dl className="counts live-usage" aria-live="off">
          <div>
            <dt>CPU</dt>
            <dd>{formatPercent(usage.cpuPercent)}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{formatBytes(usage.memoryBytes)}</dd>
          </div>
        </dl>
      ) : null}
      {usage && usage.unwatched > 0 ? (
        <p className="muted small">Live figures cover {MAX_BOARD_CONTAINERS} of the running containers.</p>
      ) : null}
      <Link to="/containers" query={{ env: env.id }}>
        Containers in {env.name}
      </Link>
    </li>
  );
}

function RecentEvents({ environments, onContainerEvent }: { environments: Environment[]; onContainerEvent: () => void }) {
  const [env, setEnv] = useState(() => (environments.find((e) => e.status === "up") ?? environments[0])?.id ?? "");
  const [events, setEvents] = useState<ShownEvent[]>([]);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [detail, setDetail] = useState<string | undefined>();
  const onEventRef = useRef(onContainerEvent);
  onEventRef.current = onContainerEvent;
  const nextKey = useRef(0);

  // A new environment starts an empty list.
  useEffect(() => setEvents([]), [env]);
  useEngineEvents(env, {
    onStatus: (s, d) => {
      setStatus(s);
      setDetail(d);
    },
    onEvent: (event) => {
      const shown = describe(event, nextKey.current++);
      setEvents((list) => [shown, ...list].slice(0, MAX_EVENTS));
      if (event.Type === "container") onEventRef.current();
    },
  });

  return (
    <section aria-labelledby="events-title" className="panel">
      <div className="panel-head">
        <h2 id="events-title">Recent events</h2>
        <label className="inline-label">
          <span>Environment</span>
          <select value={env} onChange={(e) => setEnv(e.target.value)}>
            {environments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <span className={`live-status live-${status}`} role="status">
          {STATUS_TEXT[status]}
          {detail && status !== "open" ? ` — ${detail}` : ""}
        </span>
      </div>
      {events.length === 0 ? (
        <p className="muted">No events since this page opened.</p>
      ) : (
        <ol className="event-list">
          {events.map((e) => (
            <li key={e.key}>
              <time>{e.at}</time> <span className="badge">{e.type}</span> <strong>{e.action}</strong> {e.subject}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function DashboardPage() {
  const dokkerr = useDokkerr();
  const { permissions } = useSession();
  const envs = useLoad((signal) => dokkerr.environments(signal), [dokkerr]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { reload } = envs;

  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  // Container events change the counts: reload them, at most once a second.
  const onContainerEvent = () => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      reload();
    }, 1000);
  };

  // The running containers of each environment that is up, for their live CPU and memory; read
  // again when the counts change.
  const up = (envs.data ?? []).filter((e) => e.status === "up");
  const runningKey = up.map((e) => `${e.id}:${e.counts?.running ?? 0}`).join(",");
  const running = useLoad(
    async (signal) => {
      const lists = await Promise.all(
        up.map(async (e) => {
          try {
            const page = await dokkerr.containers(e.id, { status: "running", limit: MAX_BOARD_CONTAINERS }, signal);
            return [e.id, page.items] as const;
          } catch {
            return [e.id, [] as ContainerSummary[]] as const;
          }
        }),
      );
      return new Map<string, ContainerSummary[]>(lists);
    },
    [dokkerr, runningKey],
  );
  const groups = useMemo(() => {
    const out: Record<string, string[]> = {};
    for (const [env, list] of running.data ?? []) out[env] = list.map((c) => c.Id);
    return out;
  }, [running.data]);
  const samples = useStatsBoards(groups);
  const busiest = [...(running.data ?? [])]
    .flatMap(([env, list]) => list.map((c) => ({ env, c, sample: samples.get(boardKey(env, c.Id)) })))
    .filter((x) => x.sample && x.sample.cpuPercent !== null)
    .sort((a, b) => (b.sample!.cpuPercent ?? 0) - (a.sample!.cpuPercent ?? 0))
    .slice(0, 5);
  const names = new Map((envs.data ?? []).map((e) => [e.id, e.name]));

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Dashboard</h1>
      <h2>Environments</h2>
      <ErrorNotice error={envs.error} prefix="Could not load the environments" />
      {envs.data === undefined && envs.loading ? <p role="status">Loading…</p> : null}
      {envs.data && envs.data.length === 0 ? <p className="muted">No environment is granted to you.</p> : null}
      {envs.data && envs.data.length > 0 ? (
        <ul className="cards">
          {envs.data.map((env) => (
            <EnvironmentCard
              key={env.id}
              env={env}
              usage={running.data?.has(env.id) ? usageOf(env.id, running.data.get(env.id)!, env.counts?.running ?? 0, samples) : undefined}
            />
          ))}
        </ul>
      ) : null}
      {seesAlerts(permissions) ? (
        <Suspense fallback={null}>
          <FiringAlertsTile />
        </Suspense>
      ) : null}
      {busiest.length > 0 ? (
        <section aria-labelledby="busiest-title" className="panel">
          <h2 id="busiest-title">Busiest containers</h2>
          <table className="data-table">
            <caption className="visually-hidden">Running containers by CPU, live</caption>
            <thead>
              <tr>
                <th scope="col">Container</th>
                <th scope="col">Environment</th>
                <th scope="col" className="cell-number">
                  CPU
                </th>
                <th scope="col" className="cell-number">
                  Memory
                </th>
              </tr>
            </thead>
            <tbody>
              {busiest.map(({ env, c, sample }) => (
                <tr key={`${env}/${c.Id}`}>
                  <th scope="row">
                    <Link to="/containers/view" query={{ env, id: c.Id }} className="mono">
                      {containerName(c)}
                    </Link>
                  </th>
                  <td>{names.get(env) ?? env}</td>
                  <td className="cell-number">{formatPercent(sample!.cpuPercent)}</td>
                  <td className="cell-number">{formatBytes(sample!.memoryBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {envs.data && envs.data.length > 0 ? <RecentEvents environments={envs.data} onContainerEvent={onContainerEvent} /> : null}
    </section>
  );
}
