// One engine stats document (GET …/containers/{id}/stats, or a message of its WebSocket) as the
// figures people read: CPU as a share of one core ×100 per core (the docker CLI's figure),
// memory without the page cache (what `docker stats` shows), network and block I/O totals.

export interface StatsSample {
  /** Milliseconds since the epoch, from the engine's `read`. */
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number | null;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function cpuPercent(doc: Json): number | null {
  const cpu = obj(doc.cpu_stats);
  const pre = obj(doc.precpu_stats);
  const total = num(obj(cpu.cpu_usage).total_usage);
  const preTotal = num(obj(pre.cpu_usage).total_usage);
  const system = num(cpu.system_cpu_usage);
  const preSystem = num(pre.system_cpu_usage);
  if (total === null || preTotal === null || system === null || preSystem === null) return null;
  const cpuDelta = total - preTotal;
  const systemDelta = system - preSystem;
  if (systemDelta <= 0 || cpuDelta < 0) return null;
  const perCpu = obj(cpu.cpu_usage).percpu_usage;
  const cpus = num(cpu.online_cpus) ?? (Array.isArray(perCpu) ? perCpu.length : 1);
  return (cpuDelta / systemDelta) * Math.max(1, cpus) * 100;
}

export function memoryUsed(doc: Json): number | null {
  const memory = obj(doc.memory_stats);
  const usage = num(memory.usage);
  if (usage === null) return null;
  const stats = obj(memory.stats);
  // cgroup v2 reports inactive_file, v1 total_inactive_file (or cache on old engines).
  const cache = num(stats.inactive_file) ?? num(stats.total_inactive_file) ?? num(stats.cache) ?? 0;
  return Math.max(0, usage - cache);
}

function sumFields(section: unknown, fields: string[]): number[] {
  const totals = fields.map(() => 0);
  for (const entry of Object.values(obj(section))) {
    const e = obj(entry);
    fields.forEach((field, i) => {
      totals[i]! += num(e[field]) ?? 0;
    });
  }
  return totals;
}

function blockIo(doc: Json): [number, number] {
  const entries = obj(doc.blkio_stats).io_service_bytes_recursive;
  let read = 0;
  let write = 0;
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      const e = obj(entry);
      const op = String(e.op ?? "").toLowerCase();
      const value = num(e.value) ?? 0;
      if (op === "read") read += value;
      else if (op === "write") write += value;
    }
  }
  return [read, write];
}

export function sampleFromStats(doc: unknown): StatsSample {
  const d = obj(doc);
  const parsed = typeof d.read === "string" ? Date.parse(d.read) : NaN;
  const at = Number.isNaN(parsed) || parsed <= 0 ? Date.now() : parsed;
  const used = memoryUsed(d);
  const limit = num(obj(d.memory_stats).limit);
  const [rx, tx] = sumFields(d.networks, ["rx_bytes", "tx_bytes"]) as [number, number];
  const [read, write] = blockIo(d);
  return {
    at,
    cpuPercent: cpuPercent(d),
    memoryBytes: used,
    memoryLimitBytes: limit,
    memoryPercent: used !== null && limit ? (used / limit) * 100 : null,
    networkRxBytes: rx,
    networkTxBytes: tx,
    blockReadBytes: read,
    blockWriteBytes: write,
    pids: num(obj(d.pids_stats).current),
  };
}
