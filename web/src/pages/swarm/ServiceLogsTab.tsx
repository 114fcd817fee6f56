// The last lines of a service's log, every task's merged by the engine. The server answers what
// was logged so far and does not follow a service's log, so it is read again on demand (Refresh).
// Lines look as on the container's Logs tab.

import { useLayoutEffect, useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField } from "../../components/Field";
import { useLoad } from "../../lib/hooks";
import { useSwarmApi, type ServiceLogEntry } from "../../lib/swarm";
import { MAX_LINE_CHARS, MAX_LOG_LINES, splitTimestamp, type LogLine, type LogStream } from "../containers/logBuffer";

export const TAILS = [100, 500, 1000, 5000] as const;
export const DEFAULT_TAIL = 500;

/**
 * The answer's pieces as lines. Pieces are joined per stream, as a TTY's output comes in pieces
 * of any size; what is left without a newline at the end is a line too, since no more will come.
 */
export function serviceLogLines(items: ReadonlyArray<ServiceLogEntry>): LogLine[] {
  const pending: Record<LogStream, string> = { stdout: "", stderr: "" };
  const out: LogLine[] = [];
  const emit = (stream: LogStream, raw: string) => {
    const { time, text } = splitTimestamp(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    out.push({ seq: out.length, stream, time, text });
  };
  for (const item of items) {
    const stream: LogStream = item.stream === "stderr" ? "stderr" : "stdout";
    let text = pending[stream] + item.data;
    let newline: number;
    while ((newline = text.indexOf("\n")) >= 0) {
      emit(stream, text.slice(0, newline));
      text = text.slice(newline + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      emit(stream, text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    pending[stream] = text;
  }
  for (const stream of ["stdout", "stderr"] as const) if (pending[stream]) emit(stream, pending[stream]);
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function ServiceLogsTab({ env, id, name }: { env: string; id: string; name: string }) {
  const swarm = useSwarmApi();
  const [tail, setTail] = useState<number>(DEFAULT_TAIL);
  const [showTime, setShowTime] = useState(true);
  // Times are always asked for, so that the toggle only changes what is shown.
  const logs = useLoad((signal) => swarm.logs(env, id, { tail, timestamps: true, signal }), [swarm, env, id, tail]);
  const viewRef = useRef<HTMLDivElement>(null);

  const all = logs.data ? serviceLogLines(logs.data.items) : [];
  // `tail` counts per task, so many tasks could make more lines than a page should hold.
  const lines = all.length > MAX_LOG_LINES ? all.slice(all.length - MAX_LOG_LINES) : all;

  // The newest lines are at the bottom: show them first, as the container's log does.
  useLayoutEffect(() => {
    const view = viewRef.current;
    if (view) view.scrollTop = view.scrollHeight;
  }, [logs.data]);

  let summary: string;
  if (logs.loading) summary = "Reading the log…";
  else if (!logs.data) summary = "";
  else if (all.length === 0) summary = "The service's tasks have logged nothing.";
  else if (lines.length < all.length) summary = `The last ${MAX_LOG_LINES} of ${all.length} lines (up to ${tail} of each task).`;
  else summary = `${plural(lines.length, "line")} (up to the last ${tail} of each task).`;

  return (
    <div>
      <div className="swarm-log-tools" role="group" aria-label="Log options">
        <SelectField label="Lines" value={String(tail)} onChange={(e) => setTail(Number(e.target.value))}>
          {TAILS.map((n) => (
            <option key={n} value={n}>
              {`Last ${n}`}
            </option>
          ))}
        </SelectField>
        <label className="check">
          <input type="checkbox" checked={showTime} onChange={(e) => setShowTime(e.target.checked)} />
          <span>Timestamps</span>
        </label>
        <button type="button" className="button-secondary" onClick={logs.reload} disabled={logs.loading}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={logs.error} prefix="Could not read the log" />
      <p role="status" className="muted small">
        {summary}
      </p>
      {logs.data?.truncated && !logs.loading ? (
        <p className="notice notice-info">
          The log was cut short: the lines asked for are more than the server reads at once, so the newest of them are missing. Choose fewer lines
          to see them.
        </p>
      ) : null}
      <div ref={viewRef} className="log-view" role="log" aria-live="off" aria-label={`Log of ${name}`} tabIndex={0}>
        {lines.map((line) => (
          <div key={line.seq} className={line.stream === "stderr" ? "log-line log-stderr" : "log-line"}>
            {showTime && line.time ? <span className="log-time">{line.time}</span> : null}
            {line.stream === "stderr" ? <span className="visually-hidden">stderr: </span> : null}
            {line.text}
          </div>
        ))}
      </div>
    </div>
  );
}
