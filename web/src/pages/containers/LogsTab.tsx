// The container's log, live over the logs WebSocket. Messages are assembled into lines and
// shown in batches (one update per FLUSH_MS, not one per message); the view renders its lines
// in blocks that re-render only when their lines change, so a long log costs little per update.

import { memo, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Query } from "../../lib/api";
import { logsPath } from "../../lib/containers";
import { useDebounced } from "../../lib/hooks";
import { openLive, type LiveStatus } from "../../lib/live";
import { useDokkerr } from "../../lib/services";
import { LiveStatusText } from "./LiveStatusText";
import { appendCapped, filterLines, highlightParts, linesAsText, LogAssembler, MAX_LOG_LINES, sinceAfter, type LogLine } from "./logBuffer";

export const FLUSH_MS = 100;
const BLOCK = 200;
export const INITIAL_TAIL = 500;

function LogLineView({ line, query, showTime }: { line: LogLine; query: string; showTime: boolean }) {
  return (
    <div className={line.stream === "stderr" ? "log-line log-stderr" : "log-line"}>
      {showTime && line.time ? <span className="log-time">{line.time}</span> : null}
      {line.stream === "stderr" ? <span className="visually-hidden">stderr: </span> : null}
      {query
        ? highlightParts(line.text, query).map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))
        : line.text}
    </div>
  );
}

interface BlockProps {
  lines: LogLine[];
  query: string;
  showTime: boolean;
}

const LogBlock = memo(
  function LogBlock({ lines, query, showTime }: BlockProps) {
    return (
      <>
        {lines.map((line) => (
          <LogLineView key={line.seq} line={line} query={query} showTime={showTime} />
        ))}
      </>
    );
  },
  (a, b) =>
    a.query === b.query &&
    a.showTime === b.showTime &&
    a.lines.length === b.lines.length &&
    a.lines[0]?.seq === b.lines[0]?.seq &&
    a.lines[a.lines.length - 1]?.seq === b.lines[b.lines.length - 1]?.seq,
);

/** Lines grouped by seq into blocks of BLOCK, so a block keeps its key as lines come and go. */
function blocks(lines: ReadonlyArray<LogLine>): [number, LogLine[]][] {
  const out: [number, LogLine[]][] = [];
  for (const line of lines) {
    const key = Math.floor(line.seq / BLOCK);
    const last = out[out.length - 1];
    if (last && last[0] === key) last[1].push(line);
    else out.push([key, [line]]);
  }
  return out;
}

function safeFileName(name: string): string {
  return (name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "") || "container").slice(0, 100);
}

export function LogsTab({ env, id, name }: { env: string; id: string; name: string }) {
  const dokkerr = useDokkerr();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [held, setHeld] = useState(0);
  const [follow, setFollow] = useState(true);
  const [showTime, setShowTime] = useState(true);
  const [search, setSearch] = useState("");
  const query = useDebounced(search, 150);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [detail, setDetail] = useState<string | undefined>();
  const queueRef = useRef<LogLine[]>([]);
  const followRef = useRef(follow);
  const flushRef = useRef<() => void>(() => undefined);
  const viewRef = useRef<HTMLDivElement>(null);
  const revokeRef = useRef<{ url: string; timer: ReturnType<typeof setTimeout> }[]>([]);

  useEffect(() => {
    const assembler = new LogAssembler();
    const liveQuery: Query = { follow: true, tail: INITIAL_TAIL, timestamps: true };
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!followRef.current) {
        setHeld(queueRef.current.length);
        return;
      }
      const batch = queueRef.current;
      queueRef.current = [];
      if (batch.length > 0) setLines((old) => appendCapped(old, batch));
      setHeld(0);
    };
    flushRef.current = flush;
    const live = openLive({
      path: logsPath(env, id),
      // Asked at every (re)connect: a reconnect asks only for what followed the last line.
      query: () => liveQuery,
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onStatus: (next, why) => {
        setStatus(next);
        setDetail(why);
        if (next === "waiting") assembler.reset();
        if (next === "connecting" && assembler.last) {
          liveQuery.since = sinceAfter(assembler.last);
          liveQuery.tail = MAX_LOG_LINES;
        }
      },
      onMessage: (data) => {
        const got = assembler.feed(data);
        if (got.length === 0) return;
        queueRef.current = appendCapped(queueRef.current, got);
        if (timer === null) timer = setTimeout(flush, FLUSH_MS);
      },
    });
    return () => {
      live.close();
      if (timer !== null) clearTimeout(timer);
      flushRef.current = () => undefined;
      queueRef.current = [];
    };
  }, [dokkerr, env, id]);

  useEffect(
    () => () => {
      for (const { url, timer } of revokeRef.current) {
        clearTimeout(timer);
        URL.revokeObjectURL(url);
      }
    },
    [],
  );

  useLayoutEffect(() => {
    const view = viewRef.current;
    if (follow && view) view.scrollTop = view.scrollHeight;
  }, [lines, follow, query]);

  // Scrolling up to read stops following, as in a terminal; the Follow box turns it back on.
  const onScroll = () => {
    const view = viewRef.current;
    if (!view || !followRef.current) return;
    if (view.scrollHeight - view.scrollTop - view.clientHeight > 48) {
      followRef.current = false;
      setFollow(false);
    }
  };

  const toggleFollow = () => {
    const next = !follow;
    followRef.current = next;
    setFollow(next);
    if (next) flushRef.current();
  };

  const download = () => {
    const blob = new Blob([linesAsText(lines, showTime)], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${safeFileName(name)}-logs.txt`;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The download has begun by then; the URL only holds the Blob in memory.
    const timer = setTimeout(() => {
      URL.revokeObjectURL(url);
      revokeRef.current = revokeRef.current.filter((r) => r.url !== url);
    }, 30_000);
    revokeRef.current.push({ url, timer });
  };

  const clear = () => {
    queueRef.current = [];
    setHeld(0);
    setLines([]);
  };

  const shown = filterLines(lines, query);

  return (
    <div>
      <h2 className="visually-hidden">Logs</h2>
      <div className="toolbar">
        <label className="inline-label">
          <span>Search</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} maxLength={500} placeholder="Filter lines" />
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={toggleFollow} />
          <span>Follow</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={showTime} onChange={(e) => setShowTime(e.target.checked)} />
          <span>Timestamps</span>
        </label>
        <button type="button" className="button-secondary" onClick={download} disabled={lines.length === 0}>
          Download
        </button>
        <button type="button" className="button-secondary" onClick={clear}>
          Clear
        </button>
        <LiveStatusText status={status} detail={detail} />
      </div>
      <p className="muted small">
        {query ? `${shown.length} of ${lines.length} lines match` : `${lines.length} lines`} (the newest {MAX_LOG_LINES} are kept)
        {!follow && held > 0 ? `; ${held} new lines held while paused` : ""}
      </p>
      <div ref={viewRef} className="log-view" role="log" aria-live="off" aria-label={`Log of ${name}`} tabIndex={0} onScroll={onScroll}>
        {blocks(shown).map(([key, block]) => (
          <LogBlock key={key} lines={block} query={query} showTime={showTime} />
        ))}
      </div>
    </div>
  );
}
