import { useEffect, useRef, useState } from "react";
import { ErrorNotice } from "../components/ErrorNotice";
import { eventsPath, type EngineEvent, type Environment } from "../lib/dokkerr";
import { useLoad } from "../lib/hooks";
import { openLive, type LiveStatus } from "../lib/live";
import { Link } from "../lib/router";
import { useDokkerr } from "../lib/services";

const MAX_EVENTS = 50;

interface ShownEvent {
  key: number;
  at: string;
  type: string;
  action: string;
  subject: string;
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

function EnvironmentCard({ env }: { env: Environment }) {
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
      <Link to="/containers" query={{ env: env.id }}>
        Containers in {env.name}
      </Link>
    </li>
  );
}

function RecentEvents({ environments, onContainerEvent }: { environments: Environment[]; onContainerEvent: () => void }) {
  const dokkerr = useDokkerr();
  const [env, setEnv] = useState(() => (environments.find((e) => e.status === "up") ?? environments[0])?.id ?? "");
  const [events, setEvents] = useState<ShownEvent[]>([]);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [detail, setDetail] = useState<string | undefined>();
  const onEventRef = useRef(onContainerEvent);
  onEventRef.current = onContainerEvent;

  useEffect(() => {
    if (!env) return;
    setEvents([]);
    let next = 0;
    const live = openLive({
      path: eventsPath(env),
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onStatus: (s, d) => {
        setStatus(s);
        setDetail(d);
      },
      onMessage: (data) => {
        let parsed: EngineEvent;
        try {
          parsed = JSON.parse(data) as EngineEvent;
        } catch {
          return;
        }
        const shown = describe(parsed, next++);
        setEvents((list) => [shown, ...list].slice(0, MAX_EVENTS));
        if (parsed.Type === "container") onEventRef.current();
      },
    });
    return () => live.close();
  }, [dokkerr, env]);

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
            <EnvironmentCard key={env.id} env={env} />
          ))}
        </ul>
      ) : null}
      {envs.data && envs.data.length > 0 ? <RecentEvents environments={envs.data} onContainerEvent={onContainerEvent} /> : null}
    </section>
  );
}
