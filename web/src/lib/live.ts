// Live WebSocket streams (events, stats, logs): each (re)connect takes a fresh
// single-use ticket from POST /api/v1/auth/ws-ticket, opens
// ws(s)://<host><path>?<query>&ticket=<ticket>, and reconnects with bounded
// exponential backoff until closed. A close with 1008 (access withdrawn) ends it.

import { ApiError, buildUrl, type Query } from "./api";

export type LiveStatus = "connecting" | "open" | "waiting" | "denied" | "closed";

/** The close code the server sends when the stream's access is withdrawn. */
export const CLOSE_POLICY_VIOLATION = 1008;

export interface WebSocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface LiveOptions {
  /** The WebSocket route's path, e.g. /api/v1/environments/local/events (no query). */
  path: string;
  /** Read at every (re)connect when a function: a stream can resume where it stopped (logs' since=). */
  query?: Query | (() => Query);
  /** Obtains a ticket for the path (normally Dokkerr.wsTicket). */
  getTicket: (path: string, signal: AbortSignal) => Promise<{ ticket: string }>;
  onMessage: (data: string) => void;
  onStatus?: (status: LiveStatus, detail?: string) => void;
  createSocket?: WebSocketFactory;
  /** Where the page is served from; the stream is opened on the same host. */
  location?: { protocol: string; host: string };
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A connection that stayed open this long resets the backoff. */
  stableAfterMs?: number;
}

export interface LiveConnection {
  close(): void;
  readonly status: LiveStatus;
}

export function liveUrl(location: { protocol: string; host: string }, path: string, query: Query | undefined, ticket: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${buildUrl(path, { ...query, ticket })}`;
}

/** The delay before reconnect attempt `attempt` (0-based): initial × 2^attempt, capped. */
export function backoffDelay(attempt: number, initialMs = 500, maxMs = 15_000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

/** Errors from the ticket request after which trying again cannot help. */
function isFinalTicketError(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 400);
}

export function openLive(options: LiveOptions): LiveConnection {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 15_000;
  const stableAfter = options.stableAfterMs ?? 5_000;
  const createSocket: WebSocketFactory = options.createSocket ?? ((url) => new WebSocket(url));
  const location = options.location ?? window.location;

  let status: LiveStatus = "connecting";
  let closed = false;
  let attempt = 0;
  let socket: WebSocketLike | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ticketAbort: AbortController | null = null;

  const setStatus = (next: LiveStatus, detail?: string) => {
    status = next;
    options.onStatus?.(next, detail);
  };

  const scheduleReconnect = (detail?: string) => {
    if (closed) return;
    const delay = backoffDelay(attempt, initial, max);
    attempt += 1;
    setStatus("waiting", detail);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
  };

  const stop = (final: LiveStatus, detail?: string) => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    ticketAbort?.abort();
    ticketAbort = null;
    const open = socket;
    socket = null;
    if (open) {
      open.onopen = open.onmessage = open.onerror = null;
      open.onclose = null;
      open.close(1000, "closed");
    }
    if (status !== final) setStatus(final, detail);
  };

  const connect = async () => {
    if (closed) return;
    setStatus("connecting");
    ticketAbort = new AbortController();
    let ticket: string;
    try {
      ticket = (await options.getTicket(options.path, ticketAbort.signal)).ticket;
    } catch (error) {
      if (closed) return;
      if (isFinalTicketError(error)) {
        stop("denied", error instanceof ApiError ? error.detail || error.title : undefined);
      } else {
        scheduleReconnect(error instanceof Error ? error.message : undefined);
      }
      return;
    } finally {
      ticketAbort = null;
    }
    if (closed) return;

    let openedAt: number | null = null;
    let ws: WebSocketLike;
    try {
      const query = typeof options.query === "function" ? options.query() : options.query;
      ws = createSocket(liveUrl(location, options.path, query, ticket));
    } catch (error) {
      scheduleReconnect(error instanceof Error ? error.message : undefined);
      return;
    }
    socket = ws;
    ws.onopen = () => {
      openedAt = Date.now();
      setStatus("open");
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") options.onMessage(event.data);
    };
    ws.onerror = () => {
      // A close event follows every error; reconnecting is decided there.
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (closed) return;
      if (event.code === CLOSE_POLICY_VIOLATION) {
        stop("denied", event.reason || "access withdrawn");
        return;
      }
      if (openedAt !== null && Date.now() - openedAt >= stableAfter) attempt = 0;
      scheduleReconnect(event.reason || undefined);
    };
  };

  void connect();

  return {
    close: () => stop("closed"),
    get status() {
      return status;
    },
  };
}
