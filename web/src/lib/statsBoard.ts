// Live CPU and memory of several containers over one WebSocket
// (GET /api/v1/environments/{env}/stats?id=…, up to 50 ids): the server sends each container's
// newest sample once a second.

import { openLive, type LiveConnection, type LiveStatus } from "./live";

export const MAX_BOARD_CONTAINERS = 50;

export interface BoardSample {
  id: string;
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The samples of one board message; malformed items are skipped. */
export function parseBoardMessage(data: string): BoardSample[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [];
  }
  const items = parsed && typeof parsed === "object" ? (parsed as { items?: unknown }).items : undefined;
  if (!Array.isArray(items)) return [];
  const samples: BoardSample[] = [];
  for (const item of items) {
    if (!item || typeof item !== "object") continue;
    const o = item as Record<string, unknown>;
    if (typeof o.id !== "string") continue;
    samples.push({
      id: o.id,
      cpuPercent: num(o.cpu_percent),
      memoryBytes: num(o.memory_bytes),
      memoryLimitBytes: num(o.memory_limit_bytes),
    });
  }
  return samples;
}

export function statsBoardPath(env: string): string {
  return `/api/v1/environments/${encodeURIComponent(env)}/stats`;
}

export function openStatsBoard(options: {
  env: string;
  ids: readonly string[];
  getTicket: (path: string, signal: AbortSignal) => Promise<{ ticket: string }>;
  onSamples: (samples: BoardSample[]) => void;
  onStatus?: (status: LiveStatus) => void;
}): LiveConnection {
  return openLive({
    path: statsBoardPath(options.env),
    query: { id: options.ids.slice(0, MAX_BOARD_CONTAINERS) },
    getTicket: options.getTicket,
    onMessage: (data) => {
      const samples = parseBoardMessage(data);
      if (samples.length > 0) options.onSamples(samples);
    },
    onStatus: options.onStatus,
  });
}
