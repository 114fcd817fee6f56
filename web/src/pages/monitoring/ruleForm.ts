// The alert rule form's state and the request body it makes: a metric rule (a threshold held for
// a time) or an event rule (died, OOM-killed, restart loop), its scope and its webhook.

import type { AlertRule, RuleBody, WebhookFormat } from "../../lib/monitoring";

export interface RuleFormState {
  name: string;
  /** "" for a platform rule (administrators only). */
  team: string;
  kind: "metric" | "event";
  metric: string;
  operator: ">" | "<";
  threshold: string;
  forSeconds: string;
  event: string;
  /** restart_loop: restarts within the window. */
  restarts: string;
  /** restart_loop: the window; oom_killed: the quiet time before it resolves. */
  windowSeconds: string;
  environment: string;
  container: string;
  /** The label selector as typed: `key=value` or `key` (any value), by commas or lines. */
  labels: string;
  enabled: boolean;
  webhook: boolean;
  webhookUrl: string;
  webhookFormat: WebhookFormat;
}

export function emptyRuleForm(team: string): RuleFormState {
  return {
    name: "",
    team,
    kind: "metric",
    metric: "cpu_percent",
    operator: ">",
    threshold: "80",
    forSeconds: "60",
    event: "container_died",
    restarts: "3",
    windowSeconds: "300",
    environment: "",
    container: "",
    labels: "",
    enabled: true,
    webhook: false,
    webhookUrl: "",
    webhookFormat: "dokkerr",
  };
}

export function formFromRule(rule: AlertRule): RuleFormState {
  const base = emptyRuleForm(rule.team_id ?? "");
  return {
    ...base,
    name: rule.name,
    kind: rule.event ? "event" : "metric",
    metric: rule.metric ?? base.metric,
    operator: rule.operator ?? ">",
    threshold: rule.event ? base.threshold : String(rule.threshold ?? ""),
    forSeconds: rule.event ? base.forSeconds : String(rule.for_seconds),
    event: rule.event ?? base.event,
    restarts: rule.event === "restart_loop" ? String(rule.threshold ?? 3) : base.restarts,
    windowSeconds: rule.event ? String(rule.for_seconds) : base.windowSeconds,
    environment: rule.environment ?? "",
    container: rule.container ?? "",
    labels: Object.entries(rule.labels ?? {})
      .map(([key, value]) => (value === "" ? key : `${key}=${value}`))
      .join(", "),
    enabled: rule.enabled,
    webhook: rule.webhook !== null,
    webhookUrl: rule.webhook?.url ?? "",
    webhookFormat: rule.webhook?.format ?? "dokkerr",
  };
}

export type RuleProblems = Partial<Record<"name" | "threshold" | "forSeconds" | "restarts" | "windowSeconds" | "labels" | "webhookUrl", string>>;

/** `a=1, b` → {a: "1", b: ""}; null when an entry has no key or there are more than 20. */
export function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  const entries = text.split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.length > 20) return null;
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    const key = (equals < 0 ? entry : entry.slice(0, equals)).trim();
    if (!key) return null;
    labels[key] = equals < 0 ? "" : entry.slice(equals + 1).trim();
  }
  return labels;
}

function number(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function wholeSeconds(text: string, max = 86_400): number | null {
  const n = number(text);
  return n !== null && Number.isInteger(n) && n >= 0 && n <= max ? n : null;
}

/**
 * The body of a create (with `creating`) or of an edit, or what is wrong with the form. The
 * server checks all of it again; these checks only save a round trip for the obvious.
 */
export function ruleBody(form: RuleFormState, creating: boolean, hadWebhook = false): { body: RuleBody } | { problems: RuleProblems } {
  const problems: RuleProblems = {};
  if (!form.name.trim()) problems.name = "Give the rule a name.";
  const body: RuleBody = { name: form.name.trim(), enabled: form.enabled };
  if (creating && form.team) body.team_id = form.team;
  if (form.kind === "metric") {
    const threshold = number(form.threshold);
    if (threshold === null) problems.threshold = "A number.";
    const forSeconds = wholeSeconds(form.forSeconds);
    if (forSeconds === null) problems.forSeconds = "Whole seconds, from 0 to 86400.";
    body.metric = form.metric;
    body.operator = form.operator;
    if (threshold !== null) body.threshold = threshold;
    if (forSeconds !== null) body.for_seconds = forSeconds;
  } else {
    body.event = form.event;
    if (form.event === "restart_loop") {
      const restarts = number(form.restarts);
      if (restarts === null || restarts < 1 || !Number.isInteger(restarts)) problems.restarts = "A whole number of restarts, 1 or more.";
      else body.threshold = restarts;
    }
    if (form.event === "restart_loop" || form.event === "oom_killed") {
      const window = wholeSeconds(form.windowSeconds);
      if (window === null) problems.windowSeconds = "Whole seconds, from 0 to 86400.";
      else body.for_seconds = window;
    }
  }
  // An edit sends the scope as it stands, so that emptying a field widens the rule again.
  if (form.environment || !creating) body.environment = form.environment;
  if (form.container.trim() || !creating) body.container = form.container.trim();
  const labels = parseLabels(form.labels);
  if (labels === null) problems.labels = "key=value or key, by commas; at most 20.";
  else if (Object.keys(labels).length > 0 || !creating) body.labels = labels;
  if (form.webhook) {
    if (!/^https?:\/\/\S+$/i.test(form.webhookUrl.trim())) problems.webhookUrl = "An http:// or https:// address.";
    body.webhook = { url: form.webhookUrl.trim(), format: form.webhookFormat };
  } else if (!creating && hadWebhook) {
    body.webhook = null;
  }
  return Object.keys(problems).length > 0 ? { problems } : { body };
}
