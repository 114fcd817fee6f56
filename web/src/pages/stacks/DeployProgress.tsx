// The live progress of a deploy request (useStackProgress): the engine's events for the stack's
// containers as they come, and how many services have started. It stays, with the final list,
// once the request has ended, so that what happened (a container that died, one unhealthy) can
// still be read next to the server's answer.

import { useEffect, useId, useLayoutEffect, useRef } from "react";
import { progressCount, type ProgressEntry, type StackProgress } from "./useStackProgress";
import "./stacks.css";

const pad = (n: number) => String(n).padStart(2, "0");

/** "12:01:03": the events of one deploy are seconds apart, so the time of day is enough. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function EntryRow({ entry }: { entry: ProgressEntry }) {
  return (
    <li className={`deploy-progress-entry deploy-progress-${entry.tone}`}>
      <time className="deploy-progress-time" dateTime={new Date(entry.time).toISOString()}>
        {clockTime(entry.time)}
      </time>{" "}
      <span className="deploy-progress-subject mono" title={entry.detail}>
        {entry.subject}
      </span>{" "}
      <span className="deploy-progress-text">{entry.text}</span>
    </li>
  );
}

export interface DeployProgressProps {
  progress: StackProgress;
  /** The place on the page this panel stands for: it shows only the requests started there. */
  at?: string;
  /** The heading's level, to fit the page's outline. */
  level?: 2 | 3;
}

export function DeployProgress({ progress, at = "page", level = 3 }: DeployProgressProps) {
  const { state } = progress;
  const headingId = useId();
  const logRef = useRef<HTMLDivElement>(null);
  // Follow new entries unless the reader has scrolled up to read earlier ones.
  const follow = useRef(true);
  const count = state.entries.length;

  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && follow.current) log.scrollTop = log.scrollHeight;
  }, [count]);
  useEffect(() => {
    if (state.phase === "running") follow.current = true;
  }, [state.phase]);

  if (state.phase === "idle" || state.at !== at) return null;
  const running = state.phase === "running";
  const noStream = state.stream === "unavailable" || state.stream === "denied";
  // Nothing to show once it is over: a request refused before any container moved leaves no panel.
  if (!running && count === 0) return null;
  if (noStream && count === 0) {
    return (
      <p className="muted small deploy-progress-note">
        Live progress is not shown: it needs permission to read this environment's events (<span className="mono">events:read</span>).
      </p>
    );
  }

  const Heading = level === 2 ? "h2" : "h3";
  const outcome = state.phase === "failed" ? "Ended with an error: " : state.phase === "done" ? "Finished: " : "";
  return (
    <section className="deploy-progress" aria-labelledby={headingId}>
      <div className="deploy-progress-head">
        <Heading id={headingId}>
          Deploy progress of <span className="mono">{state.stack}</span>
        </Heading>
        {!running ? (
          <button type="button" className="button-secondary button-small" onClick={progress.dismiss}>
            Hide<span className="visually-hidden"> the deploy progress</span>
          </button>
        ) : null}
      </div>
      <p className="deploy-progress-count">
        {outcome}
        {progressCount(state)}
        {!running && state.phase === "done" && state.services && state.started.length < new Set([...state.services, ...state.started]).size
          ? "; the others were left as they were."
          : "."}
      </p>
      {running && state.stream === "waiting" ? (
        <p className="muted small deploy-progress-note">The event stream was interrupted: reconnecting. Events in between are not shown.</p>
      ) : null}
      {running && noStream ? (
        <p className="muted small deploy-progress-note">The event stream was closed: later events are not shown.</p>
      ) : null}
      {state.dropped > 0 ? (
        <p className="muted small deploy-progress-note">
          {state.dropped} earlier event{state.dropped === 1 ? " is" : "s are"} no longer listed.
        </p>
      ) : null}
      <div
        ref={logRef}
        className="deploy-progress-log"
        role="log"
        aria-live="polite"
        aria-labelledby={headingId}
        tabIndex={0}
        onScroll={(event) => {
          const log = event.currentTarget;
          follow.current = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
        }}
      >
        {count === 0 ? (
          <p className="muted small deploy-progress-waiting">
            {state.stream === "open" ? "Waiting for the engine's events…" : "Connecting to the engine's events…"}
          </p>
        ) : (
          <ol className="deploy-progress-list">
            {state.entries.map((entry) => (
              <EntryRow key={entry.id} entry={entry} />
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
