import { describe, expect, it } from "vitest";
import { alertTeams, canManageAlerts, canReadAlerts, describeRule, MAX_POINTS, MonitoringApi, stepFor } from "./monitoring";
import { createServices } from "./services";
import { fakeFetch, json } from "../test/fakeFetch";

const member = (perms: string[]) => ({ is_admin: false, platform: [], teams: { "team-a": perms }, organizations: {}, environments: {} });
const admin = { is_admin: true, platform: [], teams: {}, organizations: {}, environments: {} };

describe("monitoring routes and rules", () => {
  it("picks about 300 points a range, never more than the server takes", () => {
    expect(stepFor(15 * 60)).toBe(3);
    expect(stepFor(3600)).toBe(12);
    expect(stepFor(30 * 86400)).toBe(8640);
    expect(stepFor(10)).toBe(1);
    for (const seconds of [900, 3600, 21600, 86400, 604800, 2592000]) expect(seconds / stepFor(seconds)).toBeLessThanOrEqual(MAX_POINTS);
  });

  it("offers managing only where alerts:manage is held; platform rules to administrators", () => {
    expect(canManageAlerts(member(["alerts:read"]), "team-a")).toBe(false);
    expect(canManageAlerts(member(["alerts:read", "alerts:manage"]), "team-a")).toBe(true);
    expect(canManageAlerts(member(["alerts:manage"]), "team-b")).toBe(false);
    expect(canManageAlerts(member(["alerts:manage"]), null)).toBe(false);
    expect(canManageAlerts(admin, null)).toBe(true);
    expect(canManageAlerts(undefined, "team-a")).toBe(false);
    expect(canReadAlerts(member(["containers:read"]))).toBe(false);
    expect(canReadAlerts(member(["alerts:read"]))).toBe(true);
    expect(alertTeams(member(["alerts:manage"]), [])).toEqual(["team-a"]);
    expect(alertTeams(admin, [{ id: "x" }, { id: "y" }])).toEqual(["x", "y"]);
  });

  it("describes rules in words", () => {
    expect(describeRule({ metric: "cpu_percent", operator: ">", threshold: 20, for_seconds: 2 })).toBe("CPU (% of one core) > 20 for 2s");
    expect(describeRule({ event: "restart_loop", threshold: 5, for_seconds: 60 })).toBe("restart loop: 5 restarts in 60s");
    expect(describeRule({ event: "container_died", for_seconds: 0 })).toBe("container died");
  });

  it("asks for the history with the metrics comma-separated and whole seconds", async () => {
    const fake = fakeFetch(() => json(200, { target: "team:t", tier: "1m", from: 0, to: 1, step: 60, series: [] }));
    const services = createServices({ fetch: fake.fetch });
    services.tokens.set({ access_token: "a", refresh_token: "r", token_type: "Bearer", expires_in: 900 });
    const api = new MonitoringApi(services.api);
    await api.query({ target: "team:t", metrics: ["cpu_percent", "memory_bytes"], from: 1000.7, to: 4600.2, step: 12 });
    const url = new URL(fake.calls[0]!.url, "http://x");
    expect(url.pathname).toBe("/api/v1/metrics/query");
    expect(Object.fromEntries(url.searchParams)).toEqual({ target: "team:t", metric: "cpu_percent,memory_bytes", from: "1000", to: "4601", step: "12" });
  });
});
