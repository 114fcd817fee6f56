// Typed routes of metric history and alerts (docs/api/v1.md, "Metrics history" and "Alerts"),
// and who may change what there. Loaded with the monitoring pages and the dashboard's alert tile,
// not with the first page.

import { useMemo } from "react";
import type { ApiClient } from "./api";
import type { ListPage } from "./dokkerr";
import type { Permissions } from "./permissions";
import { useServices } from "./services";

const enc = encodeURIComponent;

export type MetricName =
  | "cpu_percent"
  | "memory_bytes"
  | "memory_percent"
  | "network_receive_bytes_per_second"
  | "network_transmit_bytes_per_second"
  | "block_read_bytes_per_second"
  | "block_write_bytes_per_second"
  | "pids"
  | "oom_kills";

export type TargetKind = "container" | "team" | "environment";

export interface MetricSeries {
  metric: string;
  points: [number, number][];
}

export interface MetricQueryResult {
  target: string;
  tier: "raw" | "1m" | "1h" | string;
  from: number | string;
  to: number | string;
  step: number | string;
  series: MetricSeries[];
}

export interface MetricQuery {
  target: string;
  metrics: MetricName[];
  /** Unix seconds. */
  from: number;
  to: number;
  /** Seconds. */
  step: number;
}

export const RULE_METRICS = ["cpu_percent", "cpu_limit_percent", "memory_percent", "memory_bytes", "pids"] as const;
export type RuleMetric = (typeof RULE_METRICS)[number];

export const RULE_EVENTS = ["container_died", "oom_killed", "restart_loop", "unhealthy", "engine_unreachable", "backup_failed"] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

export type WebhookFormat = "dokkerr" | "alertmanager";

export interface Webhook {
  url: string;
  format: WebhookFormat;
}

export interface AlertRule {
  id: string;
  team_id: string | null;
  name: string;
  enabled: boolean;
  metric?: string;
  operator?: ">" | "<";
  threshold?: number;
  event?: string;
  for_seconds: number;
  environment: string;
  container: string;
  /** Label selector: each key must be on the container, with this value unless it is "". */
  labels?: Record<string, string>;
  webhook: Webhook | null;
  created_by?: string;
  created_at?: string | number;
  updated_at?: string | number;
  /** Only in the answer that creates the rule or gives it its first webhook. */
  webhook_secret?: string;
}

/** What a create or an edit sends; `team_id` only when creating. */
export interface RuleBody {
  name?: string;
  team_id?: string;
  metric?: string;
  operator?: ">" | "<";
  threshold?: number;
  for_seconds?: number;
  event?: string;
  environment?: string;
  container?: string;
  enabled?: boolean;
  webhook?: Webhook | null;
  labels?: Record<string, string>;
}

export interface Alert {
  id: string;
  status: "firing" | "resolved" | string;
  rule: { id: string; name: string };
  team_id: string | null;
  environment: string;
  container: { id: string; name: string };
  value: number | null;
  summary: string;
  started_at: string;
  resolved_at: string | null;
  silenced: boolean;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface Delivery {
  id: string;
  url: string;
  format: string;
  state: "pending" | "delivered" | "failed" | string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface Silence {
  id: string;
  team_id: string | null;
  rule_id: string | null;
  container: string | null;
  ends_at: string;
  comment: string | null;
  created_by?: string;
  created_at?: string;
}

export interface SilenceBody {
  team_id?: string;
  rule_id?: string;
  container?: string;
  duration_seconds: number;
  comment?: string;
}

/** The push of the alert stream: the firing alerts the caller sees, whole, at open and on change. */
export interface FiringMessage {
  type: "firing";
  items: Alert[];
}

export const ALERTS_STREAM_PATH = "/api/v1/alerts/stream";

/** The server's limit on points in one series. */
export const MAX_POINTS = 11_000;

/** A step near range/300 (about 300 points a series), in whole seconds, at least one. */
export function stepFor(rangeSeconds: number): number {
  return Math.max(1, Math.ceil(rangeSeconds / 300));
}

export class MonitoringApi {
  constructor(readonly api: ApiClient) {}

  query(q: MetricQuery, signal?: AbortSignal): Promise<MetricQueryResult> {
    return this.api.get("/api/v1/metrics/query", {
      signal,
      query: { target: q.target, metric: q.metrics.join(","), from: Math.floor(q.from), to: Math.ceil(q.to), step: q.step },
    });
  }

  async rules(signal?: AbortSignal): Promise<AlertRule[]> {
    return (await this.api.get<ListPage<AlertRule>>("/api/v1/alerts/rules", { signal })).items;
  }

  createRule(body: RuleBody): Promise<AlertRule> {
    return this.api.post("/api/v1/alerts/rules", body);
  }

  updateRule(id: string, body: RuleBody): Promise<AlertRule> {
    return this.api.patch(`/api/v1/alerts/rules/${enc(id)}`, body);
  }

  deleteRule(id: string): Promise<void> {
    return this.api.delete(`/api/v1/alerts/rules/${enc(id)}`);
  }

  async alerts(filter: { state?: "firing" | "resolved"; limit?: number; beforeMs?: number }, signal?: AbortSignal): Promise<Alert[]> {
    const page = await this.api.get<ListPage<Alert>>("/api/v1/alerts", {
      signal,
      query: { state: filter.state, limit: filter.limit, before_ms: filter.beforeMs },
    });
    return page.items;
  }

  acknowledge(id: string): Promise<Alert> {
    return this.api.post(`/api/v1/alerts/${enc(id)}/ack`);
  }

  async deliveries(id: string, signal?: AbortSignal): Promise<Delivery[]> {
    return (await this.api.get<ListPage<Delivery>>(`/api/v1/alerts/${enc(id)}/deliveries`, { signal })).items;
  }

  async silences(signal?: AbortSignal): Promise<Silence[]> {
    return (await this.api.get<ListPage<Silence>>("/api/v1/alerts/silences", { signal })).items;
  }

  createSilence(body: SilenceBody): Promise<Silence> {
    return this.api.post("/api/v1/alerts/silences", body);
  }

  endSilence(id: string): Promise<void> {
    return this.api.delete(`/api/v1/alerts/silences/${enc(id)}`);
  }
}

/** The monitoring routes on the app's API client (made here, not in the services object, so the first page's bundle does not carry them). */
export function useMonitoringApi(): MonitoringApi {
  const { api } = useServices();
  return useMemo(() => new MonitoringApi(api), [api]);
}

/** Whether the caller sees alerts anywhere (admins: everywhere). */
export function canReadAlerts(permissions: Permissions | undefined): boolean {
  if (!permissions) return false;
  if (permissions.is_admin) return true;
  return Object.values(permissions.teams).some((list) => list.includes("alerts:read") || list.includes("alerts:manage"));
}

/** Whether the caller may change the rules, silences and alerts of `team` (null: the platform's, admins only). */
export function canManageAlerts(permissions: Permissions | undefined, team: string | null): boolean {
  if (!permissions) return false;
  if (permissions.is_admin) return true;
  if (team === null) return false;
  return permissions.teams[team]?.includes("alerts:manage") ?? false;
}

/** The teams in which the caller may manage alerts (admins: every team they are shown). */
export function alertTeams(permissions: Permissions | undefined, allTeams: { id: string }[]): string[] {
  if (!permissions) return [];
  if (permissions.is_admin) return allTeams.map((t) => t.id);
  return Object.entries(permissions.teams)
    .filter(([, list]) => list.includes("alerts:manage"))
    .map(([team]) => team);
}

const METRIC_TEXT: Record<string, string> = {
  cpu_percent: "CPU (% of one core)",
  cpu_limit_percent: "CPU (% of its limit)",
  memory_percent: "memory (% of its limit)",
  memory_bytes: "memory (bytes)",
  pids: "processes",
};

const EVENT_TEXT: Record<string, string> = {
  container_died: "container died",
  oom_killed: "OOM-killed",
  restart_loop: "restart loop",
  unhealthy: "health check failing",
  engine_unreachable: "engine not answering",
  backup_failed: "scheduled backup failed",
};

export function metricLabel(metric: string): string {
  return METRIC_TEXT[metric] ?? metric;
}

export function eventLabel(event: string): string {
  return EVENT_TEXT[event] ?? event;
}

/** A rule's condition in words: "cpu_percent > 20 for 2s", "restart loop: 3 restarts in 300s". */
export function describeRule(rule: Pick<AlertRule, "metric" | "operator" | "threshold" | "event" | "for_seconds">): string {
  if (rule.event) {
    if (rule.event === "restart_loop") return `${eventLabel(rule.event)}: ${rule.threshold ?? 3} restarts in ${rule.for_seconds}s`;
    if (rule.event === "oom_killed") return `${eventLabel(rule.event)} (quiet ${rule.for_seconds}s to resolve)`;
    return eventLabel(rule.event);
  }
  return `${metricLabel(rule.metric ?? "")} ${rule.operator ?? ">"} ${rule.threshold ?? 0} for ${rule.for_seconds}s`;
}
