// Test support for the monitoring pages: alerts and rules as the server sends them, and a server
// answering the requests every monitoring page makes.

import { json, problem, type Call } from "./fakeFetch";
import type { Alert, AlertRule } from "../lib/monitoring";

export const HOSTILE = "<img src=x onerror=alert(1)>";

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: "al-1",
    status: "firing",
    rule: { id: "r-1", name: "busy CPU" },
    team_id: "team-a",
    environment: "local",
    container: { id: "c".repeat(64), name: "web" },
    value: 51.25,
    summary: "cpu_percent of web is 51.25 (> 20)",
    started_at: new Date(Date.now() - 60_000).toISOString(),
    resolved_at: null,
    silenced: false,
    acknowledged_by: null,
    acknowledged_at: null,
    ...overrides,
  };
}

export function rule(overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: "r-1",
    team_id: "team-a",
    name: "busy CPU",
    enabled: true,
    metric: "cpu_percent",
    operator: ">",
    threshold: 20,
    for_seconds: 2,
    environment: "",
    container: "",
    webhook: null,
    created_by: "u-1",
    created_at: "2024-05-01T10:00:00Z",
    updated_at: "2024-05-01T10:00:00Z",
    ...overrides,
  };
}

/** Tickets, teams, rules, silences and alert lists; `extra` answers first. */
export function monitoringServer(
  state: { firing?: Alert[]; resolved?: Alert[]; rules?: AlertRule[] } = {},
  extra?: (call: Call) => Response | undefined,
) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    const url = new URL(call.url, "http://x");
    if (call.method === "POST" && url.pathname === "/api/v1/auth/ws-ticket") return json(200, { ticket: "tk", path: (call.body as { path: string }).path, expires_in: 30 });
    if (call.method === "GET" && url.pathname === "/api/v1/teams") return json(200, { items: [{ id: "team-a", name: "Team A" }], next_cursor: null });
    if (call.method === "GET" && url.pathname === "/api/v1/alerts/rules") return json(200, { items: state.rules ?? [] });
    if (call.method === "GET" && url.pathname === "/api/v1/alerts/silences") return json(200, { items: [] });
    if (call.method === "GET" && url.pathname === "/api/v1/alerts") {
      return json(200, { items: url.searchParams.get("state") === "resolved" ? (state.resolved ?? []) : (state.firing ?? []) });
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}
