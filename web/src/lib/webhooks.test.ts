import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "./api";
import type { Permissions } from "./permissions";
import { TokenStore } from "./tokens";
import {
  deliveryStateClass,
  editOf,
  eventsProblem,
  isUrlProblem,
  mayCreateWebhook,
  mayManageWebhook,
  orderedEvents,
  scopeBody,
  scopeOptions,
  scopeText,
  toggleEvent,
  verificationExample,
  webhookChanges,
  webhookNameProblem,
  WebhooksApi,
  webhookUrlProblem,
  type Webhook,
} from "./webhooks";
import { fakeFetch, json, noContent, problem } from "../test/fakeFetch";

const NOBODY: Permissions = { is_admin: false, platform: [], teams: {}, organizations: {}, environments: {} };
const ADMIN: Permissions = { ...NOBODY, is_admin: true };

function webhook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: "w-1",
    team_id: "t-1",
    name: "ci",
    url: "https://hooks.example.com/dokkerr",
    events: ["stack.deployed", "container.started"],
    enabled: true,
    created_by: "alice",
    created_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

describe("webhookNameProblem", () => {
  it("takes 1 to 100 bytes without control characters, as the server counts them", () => {
    expect(webhookNameProblem("CI (prod)")).toBeNull();
    expect(webhookNameProblem("   ")).toBe("Give the webhook a name.");
    expect(webhookNameProblem("a".repeat(100))).toBeNull();
    expect(webhookNameProblem("a".repeat(101))).toMatch(/at most 100 bytes/);
    expect(webhookNameProblem("é".repeat(50))).toBeNull();
    expect(webhookNameProblem("é".repeat(51))).toMatch(/at most 100 bytes/);
    expect(webhookNameProblem("a\tb")).toMatch(/control characters/);
  });
});

describe("webhookUrlProblem", () => {
  it("takes http and https URLs with a host", () => {
    for (const ok of ["https://hooks.example.com/dokkerr", "http://127.0.0.1:8080/in?x=1", "  https://[fd00::1]:8443/  "]) {
      expect(webhookUrlProblem(ok), ok).toBeNull();
    }
  });

  it("refuses what the server refuses, saying why", () => {
    expect(webhookUrlProblem("")).toMatch(/Give the URL/);
    expect(webhookUrlProblem("not a url")).toMatch(/Not a URL/);
    expect(webhookUrlProblem("ftp://example.com/x")).toMatch(/https:\/\//);
    expect(webhookUrlProblem("http://user:pw@example.com/")).toMatch(/user information/);
    expect(webhookUrlProblem("http://@example.com/")).toMatch(/user information/);
    expect(webhookUrlProblem("https://example.com/#top")).toMatch(/fragment/);
    expect(webhookUrlProblem(`https://example.com/${"x".repeat(2048)}`)).toMatch(/at most 2048/);
  });
});

describe("events", () => {
  const known = ["container.started", "container.died", "stack.deployed", "webhook.test"];

  it("wants 1 to 50 events", () => {
    expect(eventsProblem([])).toMatch(/at least one/);
    expect(eventsProblem(["webhook.test"])).toBeNull();
    expect(eventsProblem(Array.from({ length: 51 }, (_, i) => `e${i}`))).toMatch(/At most 50/);
  });

  it("orders events as the server lists them, unknown ones last, each once", () => {
    expect(orderedEvents(["webhook.test", "zeta.x", "container.started", "alpha.x", "webhook.test"], known)).toEqual([
      "container.started",
      "webhook.test",
      "alpha.x",
      "zeta.x",
    ]);
  });

  it("toggles an event", () => {
    expect(toggleEvent(["a"], "b", true)).toEqual(["a", "b"]);
    expect(toggleEvent(["a", "b"], "a", false)).toEqual(["b"]);
    expect(toggleEvent(["a"], "a", true)).toEqual(["a"]);
  });
});

describe("scopes", () => {
  const teams = [
    { id: "t-1", name: "web", org_id: "o-1" },
    { id: "t-2", name: "data", org_id: "o-1" },
  ];

  it("offers an admin the platform, then every team by name", () => {
    expect(scopeOptions(ADMIN, teams).map((o) => [o.value, o.label])).toEqual([
      ["platform", "Platform (every event)"],
      ["team:t-2", "data"],
      ["team:t-1", "web"],
    ]);
  });

  it("offers a member the teams they manage only", () => {
    const member: Permissions = { ...NOBODY, teams: { "t-1": ["team:manage"], "t-2": ["containers:read"] } };
    expect(scopeOptions(member, teams).map((o) => o.value)).toEqual(["team:t-1"]);
    expect(scopeOptions({ ...NOBODY, teams: { "t-9": ["team:manage"] } }, []).map((o) => o.label)).toEqual(["t-9"]);
    expect(scopeOptions(NOBODY, teams)).toEqual([]);
    expect(scopeOptions(undefined, teams)).toEqual([]);
  });

  it("turns the choice into the create body's field", () => {
    expect(scopeBody("platform")).toEqual({});
    expect(scopeBody("team:t-1")).toEqual({ team_id: "t-1" });
    expect(scopeBody("team:")).toBeNull();
    expect(scopeBody("")).toBeNull();
    expect(scopeBody("organization:o-1")).toBeNull();
  });

  it("says who may create and manage a webhook, and its scope in words", () => {
    expect(mayCreateWebhook(ADMIN)).toBe(true);
    expect(mayCreateWebhook({ ...NOBODY, teams: { "t-1": ["team:manage"] } })).toBe(true);
    expect(mayCreateWebhook({ ...NOBODY, teams: { "t-1": ["alerts:manage"] } })).toBe(false);
    expect(mayCreateWebhook(undefined)).toBe(false);

    const platform = webhook({ team_id: null });
    expect(mayManageWebhook(ADMIN, platform)).toBe(true);
    expect(mayManageWebhook({ ...NOBODY, teams: { "t-1": ["team:manage"] } }, webhook())).toBe(true);
    expect(mayManageWebhook({ ...NOBODY, teams: { "t-1": ["team:manage"] } }, platform)).toBe(false);
    expect(mayManageWebhook({ ...NOBODY, teams: { "t-1": ["containers:read"] } }, webhook())).toBe(false);

    const name = (id: string) => ({ "t-1": "web" })[id] ?? id;
    expect(scopeText(webhook(), name)).toBe("web");
    expect(scopeText(platform, name)).toBe("Platform");
  });
});

describe("webhookChanges", () => {
  it("sends only what changed, events as a set, and nothing when nothing did", () => {
    const w = webhook();
    expect(webhookChanges(w, editOf(w))).toBeNull();
    expect(webhookChanges(w, { ...editOf(w), events: ["container.started", "stack.deployed"] })).toBeNull();
    expect(webhookChanges(w, { ...editOf(w), name: " renamed ", enabled: false })).toEqual({ name: "renamed", enabled: false });
    expect(webhookChanges(w, { ...editOf(w), url: " https://other.example.com/x ", events: ["webhook.test"] })).toEqual({
      url: "https://other.example.com/x",
      events: ["webhook.test"],
    });
  });
});

describe("problems and badges", () => {
  it("puts URL problems at the URL field", () => {
    const err = (code: string) => new ApiError({ status: 400, code, title: "x", detail: "y" });
    expect(isUrlProblem(err("webhook_url_forbidden"))).toBe(true);
    expect(isUrlProblem(err("webhook_url_invalid"))).toBe(true);
    expect(isUrlProblem(err("webhook_unreachable"))).toBe(true);
    expect(isUrlProblem(err("invalid_webhook"))).toBe(false);
    expect(isUrlProblem(new Error("webhook_url_invalid"))).toBe(false);
  });

  it("classes the delivery states and explains the signature", () => {
    expect(deliveryStateClass("delivered")).toBe("delivery-state delivery-delivered");
    expect(deliveryStateClass("failed")).toBe("delivery-state delivery-failed");
    expect(deliveryStateClass("pending")).toBe("delivery-state delivery-pending");
    expect(deliveryStateClass("odd state")).toBe("delivery-state");
    expect(verificationExample()).toContain('createHmac("sha256", secret).update(timestamp + "." + body)');
  });
});

describe("WebhooksApi", () => {
  function client(respond: Parameters<typeof fakeFetch>[0]) {
    const fake = fakeFetch(respond);
    const tokens = new TokenStore();
    tokens.set({ access_token: "t", refresh_token: "r", token_type: "Bearer", expires_in: 900 });
    return { webhooks: new WebhooksApi(new ApiClient({ tokens, fetch: fake.fetch })), calls: fake.calls };
  }

  it("sends each route to its address with its body", async () => {
    const { webhooks, calls } = client((call) => {
      if (call.method === "DELETE") return noContent();
      if (call.url === "/api/v1/webhooks/events") return json(200, { items: ["container.started", "webhook.test"] });
      if (call.url === "/api/v1/webhooks" && call.method === "POST") return json(201, { ...webhook(), secret: "whsec_1" });
      if (call.url === "/api/v1/webhooks") return json(200, { items: [webhook()] });
      if (call.url.endsWith("/test")) return json(202, { id: "d-1", event_type: "webhook.test", state: "pending" });
      if (call.url.includes("/deliveries")) return json(200, { items: [{ id: "d-1", state: "delivered" }] });
      if (call.url === "/api/v1/webhooks/w-9") return problem(404, "webhook_not_found", "There is no such webhook subscription.");
      if (call.method === "PATCH" && (call.body as { rotate_secret?: boolean }).rotate_secret) return json(200, { ...webhook(), secret: "whsec_2" });
      return json(200, webhook());
    });
    expect(await webhooks.list()).toHaveLength(1);
    expect(await webhooks.eventTypes()).toEqual(["container.started", "webhook.test"]);
    expect((await webhooks.find("w-1"))?.name).toBe("ci");
    expect(await webhooks.find("w-9")).toBeUndefined();
    expect((await webhooks.create({ name: "ci", url: "https://h.example/x", events: ["webhook.test"], team_id: "t-1", enabled: true })).secret).toBe("whsec_1");
    await webhooks.update("w 1", { enabled: false });
    expect((await webhooks.rotateSecret("w-1")).secret).toBe("whsec_2");
    expect(await webhooks.deliveries("w-1")).toHaveLength(1);
    await webhooks.deliveries("w-1", 10);
    expect((await webhooks.test("w-1")).state).toBe("pending");
    await webhooks.remove("w-1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET /api/v1/webhooks",
      "GET /api/v1/webhooks/events",
      "GET /api/v1/webhooks/w-1",
      "GET /api/v1/webhooks/w-9",
      "POST /api/v1/webhooks",
      "PATCH /api/v1/webhooks/w%201",
      "PATCH /api/v1/webhooks/w-1",
      "GET /api/v1/webhooks/w-1/deliveries?limit=50",
      "GET /api/v1/webhooks/w-1/deliveries?limit=10",
      "POST /api/v1/webhooks/w-1/test",
      "DELETE /api/v1/webhooks/w-1",
    ]);
    expect(calls[4]!.body).toEqual({ name: "ci", url: "https://h.example/x", events: ["webhook.test"], team_id: "t-1", enabled: true });
    expect(calls[5]!.body).toEqual({ enabled: false });
    expect(calls[6]!.body).toEqual({ rotate_secret: true });
  });

  it("throws other problems with their code", async () => {
    const { webhooks } = client(() => problem(403, "webhook_url_forbidden", "The webhook's host resolves to an address that is not public."));
    await expect(webhooks.create({ name: "x", url: "http://10.0.0.1/", events: ["webhook.test"] })).rejects.toMatchObject({ code: "webhook_url_forbidden" });
    await expect(webhooks.find("w-1")).rejects.toMatchObject({ code: "webhook_url_forbidden" });
  });
});
