// Stats samples kept in the browser (a bounded ring) and the rates drawn from successive ones.

import type { StatsSample } from "../../lib/stats";

/** One hour at the engine's one sample a second. */
export const MAX_SAMPLES = 3600;

export interface StatsPoint {
  /** Milliseconds since the epoch. */
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  /** Bytes per second since the previous sample; null for the first or after a counter reset. */
  rxRate: number | null;
  txRate: number | null;
  readRate: number | null;
  writeRate: number | null;
  sample: StatsSample;
}

function rate(now: number, before: number, seconds: number): number | null {
  // A counter that went down means the container restarted: no rate across that.
  if (seconds <= 0 || now < before) return null;
  return (now - before) / seconds;
}

export function toPoint(previous: StatsSample | null, sample: StatsSample): StatsPoint {
  const seconds = previous ? (sample.at - previous.at) / 1000 : 0;
  return {
    at: sample.at,
    cpuPercent: sample.cpuPercent,
    memoryBytes: sample.memoryBytes,
    memoryLimitBytes: sample.memoryLimitBytes,
    memoryPercent: sample.memoryPercent,
    rxRate: previous ? rate(sample.networkRxBytes, previous.networkRxBytes, seconds) : null,
    txRate: previous ? rate(sample.networkTxBytes, previous.networkTxBytes, seconds) : null,
    readRate: previous ? rate(sample.blockReadBytes, previous.blockReadBytes, seconds) : null,
    writeRate: previous ? rate(sample.blockWriteBytes, previous.blockWriteBytes, seconds) : null,
    sample,
  };
}

/** A fixed-size ring of points, oldest first when read. */
export class PointRing {
  private items: (StatsPoint | undefined)[];
  private start = 0;
  size = 0;

  constructor(readonly capacity = MAX_SAMPLES) {
    this.items = new Array<StatsPoint | undefined>(capacity);
  }

  push(point: StatsPoint): void {
    const index = (this.start + this.size) % this.capacity;
    this.items[index] = point;
    if (this.size < this.capacity) this.size += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  last(): StatsPoint | undefined {
    return this.size === 0 ? undefined : this.items[(this.start + this.size - 1) % this.capacity];
  }

  /** The points no older than `ms` before the newest one. */
  window(ms: number): StatsPoint[] {
    const newest = this.last();
    if (!newest) return [];
    const from = newest.at - ms;
    const out: StatsPoint[] = [];
    for (let i = 0; i < this.size; i += 1) {
      const point = this.items[(this.start + i) % this.capacity]!;
      if (point.at >= from) out.push(point);
    }
    return out;
  }
}

export const RANGES = [
  { id: "1m", label: "1 min", ms: 60_000 },
  { id: "5m", label: "5 min", ms: 5 * 60_000 },
  { id: "15m", label: "15 min", ms: 15 * 60_000 },
  { id: "1h", label: "1 hour", ms: 60 * 60_000 },
] as const;

export type RangeId = (typeof RANGES)[number]["id"];

/** Chart points [unix seconds, value]. */
export function series(points: ReadonlyArray<StatsPoint>, pick: (p: StatsPoint) => number | null): [number, number | null][] {
  return points.map((p) => [p.at / 1000, pick(p)]);
}
