// An interactive exec session over GET …/containers/{id}/exec (docs/api/v1.md): a single-use
// ticket for the path, then ws(s)://host<path>?cmd=…&tty=1&cols=C&rows=R&ticket=T. Binary
// messages carry the terminal's bytes both ways; text messages are control messages: the client
// sends {"type":"resize","cols","rows"} and {"type":"eof"}, the server ends with
// {"type":"exit","exit_code":N} and closes. A close with 1008 means access was withdrawn.
// Unlike live streams, a console is never reopened by itself: a new one is a new process.

import { ApiError } from "./api";
import { CLOSE_POLICY_VIOLATION, liveUrl } from "./live";

export type ConsoleStatus = "connecting" | "open" | "exited" | "denied" | "closed" | "failed";

/** The socket as the session uses it (a browser WebSocket fits). */
export interface ConsoleSocket {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export interface ConsoleOptions {
  /** The exec route's path, e.g. /api/v1/environments/local/containers/<id>/exec. */
  path: string;
  /** The process's argv; sent as repeated cmd= parameters. */
  cmd: string[];
  cols: number;
  rows: number;
  getTicket: (path: string, signal: AbortSignal) => Promise<{ ticket: string }>;
  /** Bytes the process wrote. */
  onOutput: (bytes: Uint8Array) => void;
  onStatus?: (status: ConsoleStatus, detail?: string) => void;
  /** The process ended; null when the engine could not say how. */
  onExit?: (exitCode: number | null) => void;
  createSocket?: (url: string) => ConsoleSocket;
  location?: { protocol: string; host: string };
}

export interface ConsoleSession {
  readonly status: ConsoleStatus;
  /** Typed input (encoded as UTF-8). */
  sendText(data: string): void;
  sendBytes(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Closes the process's stdin. */
  eof(): void;
  close(): void;
}

const OPEN = 1;
// What may be typed ahead while the session opens (a paste included).
const MAX_TYPED_AHEAD_BYTES = 64 * 1024;
/** The server accepts sizes of 1–1000. */
const clampSize = (n: number) => Math.max(1, Math.min(1000, Math.floor(Number.isFinite(n) ? n : 1)));

export function openConsole(options: ConsoleOptions): ConsoleSession {
  const location = options.location ?? window.location;
  const createSocket =
    options.createSocket ??
    ((url: string) => {
      const socket = new WebSocket(url);
      return socket as unknown as ConsoleSocket;
    });
  const encoder = new TextEncoder();
  let status: ConsoleStatus = "connecting";
  let socket: ConsoleSocket | null = null;
  let exited = false;
  let finished = false;
  const ticketAbort = new AbortController();
  // The size the process knows: the one in the URL, then each resize sent.
  let size = { cols: clampSize(options.cols), rows: clampSize(options.rows) };
  let known = size;
  // Keys typed while the session opens are sent once it is open, as a local terminal would;
  // bounded, and dropped if it never opens.
  let typedAhead: Uint8Array[] = [];
  let typedAheadBytes = 0;

  const send = (bytes: Uint8Array) => {
    if (bytes.length === 0 || finished) return;
    if (socket && socket.readyState === OPEN) {
      socket.send(bytes);
    } else if (typedAheadBytes + bytes.length <= MAX_TYPED_AHEAD_BYTES) {
      typedAhead.push(bytes);
      typedAheadBytes += bytes.length;
    }
  };

  const setStatus = (next: ConsoleStatus, detail?: string) => {
    status = next;
    options.onStatus?.(next, detail);
  };

  const finish = (final: ConsoleStatus, detail?: string) => {
    if (finished) return;
    finished = true;
    ticketAbort.abort();
    const open = socket;
    socket = null;
    if (open) {
      open.onopen = open.onmessage = open.onerror = null;
      open.onclose = null;
      try {
        open.close(1000, "closed");
      } catch {
        // Already closed.
      }
    }
    setStatus(final, detail);
  };

  const sendControl = (message: Record<string, unknown>): boolean => {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  };

  const sendSize = () => {
    if (size.cols === known.cols && size.rows === known.rows) return;
    if (sendControl({ type: "resize", cols: size.cols, rows: size.rows })) known = size;
  };

  const onText = (text: string) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    const m = message as { type?: unknown; exit_code?: unknown };
    if (m.type === "exit") {
      exited = true;
      const code = typeof m.exit_code === "number" && Number.isFinite(m.exit_code) ? m.exit_code : null;
      options.onExit?.(code);
      finish("exited", code === null ? "The process ended; its exit code is unknown." : `The process exited with code ${code}.`);
    }
  };

  const connect = async () => {
    setStatus("connecting");
    let ticket: string;
    try {
      ticket = (await options.getTicket(options.path, ticketAbort.signal)).ticket;
    } catch (error) {
      if (finished) return;
      const detail = error instanceof ApiError ? `${error.detail || error.title} (${error.code})` : error instanceof Error ? error.message : String(error);
      finish(error instanceof ApiError && (error.status === 401 || error.status === 403) ? "denied" : "failed", detail);
      return;
    }
    if (finished) return;
    let ws: ConsoleSocket;
    known = size;
    try {
      ws = createSocket(
        liveUrl(location, options.path, { cmd: options.cmd.length > 0 ? options.cmd : ["sh"], tty: true, cols: size.cols, rows: size.rows }, ticket),
      );
    } catch (error) {
      finish("failed", error instanceof Error ? error.message : "The connection could not be opened.");
      return;
    }
    ws.binaryType = "arraybuffer";
    socket = ws;
    ws.onopen = () => {
      setStatus("open");
      // A resize while the socket was opening.
      sendSize();
      const pending = typedAhead;
      typedAhead = [];
      typedAheadBytes = 0;
      for (const bytes of pending) ws.send(bytes);
    };
    ws.onmessage = (event) => {
      const data: unknown = event.data;
      if (typeof data === "string") onText(data);
      else if (data instanceof ArrayBuffer) options.onOutput(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) options.onOutput(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    };
    ws.onerror = () => {
      // A close event follows every error; the outcome is decided there.
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (exited) return;
      if (event.code === CLOSE_POLICY_VIOLATION) {
        finish("denied", event.reason || "access withdrawn");
        return;
      }
      const opened = status === "open";
      finish(
        "closed",
        event.reason || (opened ? "The connection ended." : "The server did not open the session (no permission, the container is not running, or the policy refused it)."),
      );
    };
  };

  void connect();

  return {
    get status() {
      return status;
    },
    sendText(data: string) {
      if (data) send(encoder.encode(data));
    },
    sendBytes(bytes: Uint8Array) {
      send(bytes);
    },
    resize(cols: number, rows: number) {
      size = { cols: clampSize(cols), rows: clampSize(rows) };
      sendSize();
    },
    eof() {
      sendControl({ type: "eof" });
    },
    close() {
      finish("closed", "Disconnected.");
    },
  };
}

/** xterm's onBinary hands over bytes as a string of char codes 0–255. */
export function binaryStringToBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 1) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}
