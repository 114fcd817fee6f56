// The firing alerts the caller sees, kept fresh: the alert stream pushes the whole set when it
// opens and whenever it changes; while the stream is not open (reconnecting, refused, or a server
// without it) the list is read again every POLL_MS instead, so the page is never stale for long.

import { useCallback, useEffect, useRef, useState } from "react";
import { openLive, type LiveStatus } from "./live";
import { ALERTS_STREAM_PATH, useMonitoringApi, type Alert, type FiringMessage } from "./monitoring";
import { useDokkerr } from "./services";

export const POLL_MS = 10_000;

export interface FiringAlerts {
  /** undefined until the first answer (pushed or read). */
  items: Alert[] | undefined;
  status: LiveStatus;
  /** Whether the list comes from the stream (else from polling). */
  live: boolean;
  error: unknown;
  /** Reads the list once now. */
  refresh: () => void;
  /** Puts a changed alert (the answer to an acknowledgement) in place, until the next push or read. */
  update: (alert: Alert) => void;
}

export function parseFiring(data: string): Alert[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(data);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== "object") return null;
  const message = doc as Partial<FiringMessage>;
  if (message.type !== "firing" || !Array.isArray(message.items)) return null;
  return message.items;
}

export function useFiringAlerts(enabled = true): FiringAlerts {
  const dokkerr = useDokkerr();
  const monitoring = useMonitoringApi();
  const [items, setItems] = useState<Alert[] | undefined>(undefined);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [live, setLive] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const readRef = useRef<AbortController | null>(null);

  const read = useCallback(() => {
    readRef.current?.abort();
    const controller = new AbortController();
    readRef.current = controller;
    monitoring.alerts({ state: "firing", limit: 500 }, controller.signal).then(
      (list) => {
        if (controller.signal.aborted) return;
        setItems(list);
        setError(null);
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return;
        setError(cause);
      },
    );
  }, [monitoring]);

  useEffect(() => {
    if (!enabled) return undefined;
    const stream = openLive({
      path: ALERTS_STREAM_PATH,
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onStatus: (next) => {
        setStatus(next);
        // Pushes count as live only once one has arrived on an open socket.
        if (next !== "open") setLive(false);
      },
      onMessage: (data) => {
        const list = parseFiring(data);
        if (!list) return;
        setItems(list);
        setError(null);
        setLive(true);
      },
    });
    return () => stream.close();
  }, [dokkerr, enabled]);

  useEffect(() => {
    if (!enabled || live) return undefined;
    read();
    const timer = setInterval(read, POLL_MS);
    return () => {
      clearInterval(timer);
      readRef.current?.abort();
    };
  }, [enabled, live, read]);

  const update = useCallback((alert: Alert) => {
    setItems((list) => list?.map((a) => (a.id === alert.id ? alert : a)));
  }, []);

  return { items, status, live, error, refresh: read, update };
}
