// Log lines from the logs WebSocket: each message is {"stream","data"} holding whatever the
// engine handed over (whole lines with `timestamps=1`, or pieces of a TTY's output), so lines
// are assembled per stream, split from their timestamp, and kept up to a bound. The last
// timestamp gives the `since=` of a reconnect, so no line is shown twice.

export type LogStream = "stdout" | "stderr";

export interface LogLine {
  /** Increasing over the page's life: the line's key. */
  seq: number;
  stream: LogStream;
  /** RFC 3339 with nanoseconds as the engine wrote it, or "" when the line had none. */
  time: string;
  text: string;
}

export const MAX_LOG_LINES = 5000;
/** A line longer than this is cut into pieces: a stream without newlines stays bounded. */
export const MAX_LINE_CHARS = 64 * 1024;

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

/** A timestamp as [unix seconds, nanoseconds], or null. */
export function parseTimestamp(time: string): [number, number] | null {
  const match = TIMESTAMP.exec(`${time} `);
  if (!match) return null;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return null;
  const nanos = Number((match[2] ?? "").padEnd(9, "0"));
  return [Math.floor(ms / 1000), nanos];
}

export function compareTimes(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

/** The `since` that asks for lines strictly after `time`: one nanosecond later, as seconds.nanoseconds. */
export function sinceAfter(time: [number, number]): string {
  let [seconds, nanos] = time;
  nanos += 1;
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return `${seconds}.${String(nanos).padStart(9, "0")}`;
}

/** Splits the engine's "2024-05-01T12:00:00.123456789Z text" into its time and text. */
export function splitTimestamp(line: string): { time: string; text: string } {
  const match = TIMESTAMP.exec(line);
  if (!match) return { time: "", text: line };
  return { time: line.slice(0, match[0].length - 1), text: line.slice(match[0].length) };
}

/** Assembles the messages of one connection into complete lines. */
export class LogAssembler {
  private pending: Record<LogStream, string> = { stdout: "", stderr: "" };
  private seq: number;
  /** The newest timestamp of a complete line; survives reset(). */
  last: [number, number] | null = null;
  /** After a reconnect: lines up to this time were shown already (an inclusive `since` resends them). */
  private replayUntil: [number, number] | null = null;

  constructor(firstSeq = 0) {
    this.seq = firstSeq;
  }

  /** The lines completed by one message (after a reset, those at or before the last one shown are dropped). */
  feed(message: string): LogLine[] {
    let entry: unknown;
    try {
      entry = JSON.parse(message);
    } catch {
      return [];
    }
    if (!entry || typeof entry !== "object") return [];
    const { stream, data } = entry as { stream?: unknown; data?: unknown };
    if (typeof data !== "string") return [];
    const kind: LogStream = stream === "stderr" ? "stderr" : "stdout";
    let text = this.pending[kind] + data;
    const out: LogLine[] = [];
    let newline: number;
    while ((newline = text.indexOf("\n")) >= 0) {
      this.emit(kind, text.slice(0, newline), out);
      text = text.slice(newline + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      this.emit(kind, text.slice(0, MAX_LINE_CHARS), out);
      text = text.slice(MAX_LINE_CHARS);
    }
    this.pending[kind] = text;
    return out;
  }

  /** A new connection: what was half a line will come again, whole, after `last`. */
  reset(): void {
    this.pending = { stdout: "", stderr: "" };
    this.replayUntil = this.last;
  }

  private emit(stream: LogStream, raw: string, out: LogLine[]): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const { time, text } = splitTimestamp(line);
    const parsed = time ? parseTimestamp(time) : null;
    if (parsed) {
      // Only the start of a new connection is checked: a clock set back must not hide lines.
      if (this.replayUntil) {
        if (compareTimes(parsed, this.replayUntil) <= 0) return;
        this.replayUntil = null;
      }
      if (!this.last || compareTimes(parsed, this.last) > 0) this.last = parsed;
    }
    out.push({ seq: this.seq++, stream, time, text });
  }
}

/** `lines` followed by `more`, keeping only the newest `max`. */
export function appendCapped<T>(lines: ReadonlyArray<T>, more: ReadonlyArray<T>, max = MAX_LOG_LINES): T[] {
  if (more.length >= max) return more.slice(more.length - max);
  const drop = Math.max(0, lines.length + more.length - max);
  return [...lines.slice(drop), ...more];
}

/** The lines whose text contains `query` (case-insensitive); all of them for an empty query. */
export function filterLines(lines: ReadonlyArray<LogLine>, query: string): ReadonlyArray<LogLine> {
  const q = query.toLowerCase();
  if (!q) return lines;
  return lines.filter((line) => line.text.toLowerCase().includes(q));
}

/** `text` cut into plain and matching pieces, for <mark>ing the matches as text nodes. */
export function highlightParts(text: string, query: string): { text: string; match: boolean }[] {
  if (!query) return [{ text, match: false }];
  // Lower-casing may change a string's length (İ): then positions would not line up, so match as typed.
  const folds = text.toLowerCase().length === text.length && query.toLowerCase().length === query.length;
  const lower = folds ? text.toLowerCase() : text;
  const q = folds ? query.toLowerCase() : query;
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (;;) {
    const found = lower.indexOf(q, at);
    if (found < 0) break;
    if (found > at) parts.push({ text: text.slice(at, found), match: false });
    parts.push({ text: text.slice(found, found + q.length), match: true });
    at = found + q.length;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), match: false });
  return parts;
}

/** The kept lines as a text file. */
export function linesAsText(lines: ReadonlyArray<LogLine>, withTimes: boolean): string {
  return lines.map((l) => `${withTimes && l.time ? `${l.time} ` : ""}${l.stream === "stderr" ? "[stderr] " : ""}${l.text}\n`).join("");
}
