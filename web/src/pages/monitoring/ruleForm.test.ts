import { describe, expect, it } from "vitest";
import type { AlertRule } from "../../lib/monitoring";
import { emptyRuleForm, formFromRule, ruleBody } from "./ruleForm";

describe("ruleBody", () => {
  it("makes a metric rule for a team", () => {
    const form = { ...emptyRuleForm("team-a"), name: " busy ", threshold: "20", forSeconds: "2", container: "web" };
    expect(ruleBody(form, true)).toEqual({
      body: { name: "busy", team_id: "team-a", enabled: true, metric: "cpu_percent", operator: ">", threshold: 20, for_seconds: 2, container: "web" },
    });
  });

  it("makes event rules with only the fields each takes", () => {
    const died = { ...emptyRuleForm(""), name: "died", kind: "event" as const, event: "container_died" };
    expect(ruleBody(died, true)).toEqual({ body: { name: "died", enabled: true, event: "container_died" } });
    const loop = { ...died, event: "restart_loop", restarts: "4", windowSeconds: "120" };
    expect(ruleBody(loop, true)).toEqual({ body: { name: "died", enabled: true, event: "restart_loop", threshold: 4, for_seconds: 120 } });
    const oom = { ...died, event: "oom_killed", windowSeconds: "600" };
    expect(ruleBody(oom, true)).toEqual({ body: { name: "died", enabled: true, event: "oom_killed", for_seconds: 600 } });
  });

  it("sends a label selector, a bare key for any value", () => {
    const form = { ...emptyRuleForm("t"), name: "web", threshold: "1", labels: "tier=web, critical\n team = a " };
    const made = ruleBody(form, true);
    expect("body" in made && made.body.labels).toEqual({ tier: "web", critical: "", team: "a" });
    expect("problems" in ruleBody({ ...form, labels: "=x" }, true)).toBe(true);
    const round = formFromRule({ id: "r", team_id: "t", name: "n", enabled: true, event: "container_died", for_seconds: 0, environment: "", container: "", labels: { tier: "web", critical: "" }, webhook: null });
    expect(round.labels).toBe("tier=web, critical");
  });

  it("says what is wrong before asking the server", () => {
    const bad = { ...emptyRuleForm("t"), name: " ", threshold: "lots", forSeconds: "-1", webhook: true, webhookUrl: "ftp://x" };
    const made = ruleBody(bad, true);
    expect("problems" in made && Object.keys(made.problems).sort()).toEqual(["forSeconds", "name", "threshold", "webhookUrl"]);
  });

  it("on an edit, sends the scope as it stands and removes a webhook taken off", () => {
    const rule: AlertRule = {
      id: "r1", team_id: "t", name: "n", enabled: false, metric: "memory_bytes", operator: "<", threshold: 5, for_seconds: 30,
      environment: "local", container: "db", webhook: { url: "https://hooks.example/x", format: "alertmanager" },
    };
    const form = formFromRule(rule);
    expect(form).toMatchObject({ kind: "metric", metric: "memory_bytes", operator: "<", threshold: "5", forSeconds: "30", webhook: true, webhookFormat: "alertmanager" });
    const made = ruleBody({ ...form, environment: "", container: "", webhook: false }, false, true);
    expect(made).toEqual({
      body: { name: "n", enabled: false, metric: "memory_bytes", operator: "<", threshold: 5, for_seconds: 30, environment: "", container: "", labels: {}, webhook: null },
    });
  });
});
