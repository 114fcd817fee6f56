import { describe, expect, it } from "vitest";
import { ApiClient } from "./api";
import type { Permissions } from "./permissions";
import {
  appendPage,
  credentialsProblem,
  editOf,
  mayCreateRegistry,
  mayManageRegistry,
  RegistriesApi,
  registryAddressProblem,
  registryChanges,
  registryNameProblem,
  scopeBody,
  scopeOptions,
  scopeText,
  type Registry,
} from "./registries";
import { TokenStore } from "./tokens";
import { fakeFetch, json, noContent, problem } from "../test/fakeFetch";

const NOBODY: Permissions = { is_admin: false, platform: [], teams: {}, organizations: {}, environments: {} };
const ADMIN: Permissions = { ...NOBODY, is_admin: true };

function registry(overrides: Partial<Registry> = {}): Registry {
  return {
    id: "r-1",
    name: "local",
    address: "127.0.0.1:5000",
    organization_id: "o-1",
    team_id: "t-1",
    username: "ci",
    has_password: true,
    insecure: true,
    created_by: "admin",
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

describe("registryNameProblem", () => {
  it("takes 1 to 64 bytes without control characters, as the server counts them", () => {
    expect(registryNameProblem("Harbor (prod)")).toBeNull();
    expect(registryNameProblem("  ")).toBe("Give the registry a name.");
    expect(registryNameProblem("a".repeat(64))).toBeNull();
    expect(registryNameProblem("a".repeat(65))).toMatch(/at most 64 bytes/);
    expect(registryNameProblem("é".repeat(32))).toBeNull();
    expect(registryNameProblem("é".repeat(33))).toMatch(/at most 64 bytes/);
    expect(registryNameProblem("a\tb")).toMatch(/control characters/);
  });
});

describe("registryAddressProblem", () => {
  it("takes HOST[:PORT] as image references name a registry", () => {
    for (const ok of ["registry.example.com", "127.0.0.1:5000", "docker.io", "localhost:5000", "[fd00::1]:5000", "[::1]", "  ghcr.io  "]) {
      expect(registryAddressProblem(ok), ok).toBeNull();
    }
  });

  it("says what to leave out: the scheme, a path", () => {
    expect(registryAddressProblem("")).toBe("Give the registry's address.");
    expect(registryAddressProblem("https://registry.example.com")).toMatch(/Leave out the scheme/);
    expect(registryAddressProblem("http://127.0.0.1:5000")).toMatch(/Plain HTTP/);
    expect(registryAddressProblem("registry.example.com/v2/")).toMatch(/without a path/);
  });

  it("refuses what is no host, a bad port and a bare IPv6 address", () => {
    expect(registryAddressProblem("my registry")).toMatch(/Not a registry address/);
    expect(registryAddressProblem("user@host")).toMatch(/Not a registry address/);
    expect(registryAddressProblem("-bad.example")).toMatch(/Not a registry address/);
    expect(registryAddressProblem("host:0")).toMatch(/1 to 65535/);
    expect(registryAddressProblem("host:65536")).toMatch(/1 to 65535/);
    expect(registryAddressProblem("host:")).toMatch(/1 to 65535/);
    expect(registryAddressProblem("host:port")).toMatch(/1 to 65535/);
    expect(registryAddressProblem("fd00::1")).toMatch(/in brackets/);
    expect(registryAddressProblem("[nothost]:5000")).toMatch(/Not a registry address/);
  });
});

describe("scopes", () => {
  const teams = [
    { id: "t-1", name: "web", org_id: "o-1" },
    { id: "t-2", name: "data", org_id: "o-1" },
    { id: "t-3", name: "ops", org_id: "o-2" },
  ];
  const orgs = [
    { id: "o-1", name: "acme", display_name: "Acme" },
    { id: "o-2", name: "globex" },
  ];

  it("offers an admin every organization and team, naming a team's organization when there are several", () => {
    expect(scopeOptions(ADMIN, teams, orgs).map((o) => [o.value, o.label])).toEqual([
      ["organization:o-1", "Every team of Acme"],
      ["organization:o-2", "Every team of globex"],
      ["team:t-2", "data (Acme)"],
      ["team:t-3", "ops (globex)"],
      ["team:t-1", "web (Acme)"],
    ]);
  });

  it("offers a member what they manage: an organization with its teams, or a team", () => {
    const orgManager: Permissions = { ...NOBODY, organizations: { "o-1": ["org:manage"] }, teams: { "t-3": ["containers:read"] } };
    expect(scopeOptions(orgManager, teams, orgs).map((o) => o.value)).toEqual(["organization:o-1", "team:t-2", "team:t-1"]);
    const teamAdmin: Permissions = { ...NOBODY, organizations: { "o-1": [] }, teams: { "t-1": ["team:manage"], "t-2": ["containers:read"] } };
    expect(scopeOptions(teamAdmin, teams, orgs).map((o) => [o.value, o.label])).toEqual([["team:t-1", "web"]]);
    // A team the list does not name yet shows its id.
    expect(scopeOptions({ ...NOBODY, teams: { "t-9": ["team:manage"] } }, [], []).map((o) => o.label)).toEqual(["t-9"]);
    expect(scopeOptions(NOBODY, teams, orgs)).toEqual([]);
    expect(scopeOptions(undefined, teams, orgs)).toEqual([]);
  });

  it("turns the choice into the create body's field", () => {
    expect(scopeBody("team:t-1")).toEqual({ team_id: "t-1" });
    expect(scopeBody("organization:o-1")).toEqual({ organization_id: "o-1" });
    expect(scopeBody("")).toBeNull();
    expect(scopeBody("team:")).toBeNull();
    expect(scopeBody("environment:local")).toBeNull();
  });

  it("says who may create and manage a registry", () => {
    expect(mayCreateRegistry(ADMIN)).toBe(true);
    expect(mayCreateRegistry({ ...NOBODY, organizations: { "o-1": ["org:manage"] } })).toBe(true);
    expect(mayCreateRegistry({ ...NOBODY, teams: { "t-1": ["team:manage"] } })).toBe(true);
    expect(mayCreateRegistry({ ...NOBODY, teams: { "t-1": ["containers:create"] } })).toBe(false);
    expect(mayCreateRegistry(undefined)).toBe(false);

    const teamOne = registry();
    const orgWide = registry({ team_id: null });
    expect(mayManageRegistry(ADMIN, orgWide)).toBe(true);
    expect(mayManageRegistry({ ...NOBODY, organizations: { "o-1": ["org:manage"] } }, teamOne)).toBe(true);
    expect(mayManageRegistry({ ...NOBODY, teams: { "t-1": ["team:manage"] } }, teamOne)).toBe(true);
    expect(mayManageRegistry({ ...NOBODY, teams: { "t-1": ["team:manage"] } }, orgWide)).toBe(false);
    expect(mayManageRegistry({ ...NOBODY, teams: { "t-1": ["images:pull"] } }, teamOne)).toBe(false);
  });

  it("says the scope in words", () => {
    const team = (id: string) => ({ "t-1": "web" })[id] ?? id;
    const org = (id: string) => ({ "o-1": "Acme" })[id] ?? id;
    expect(scopeText(registry(), team, org)).toBe("Team web");
    expect(scopeText(registry({ team_id: null }), team, org)).toBe("Every team of Acme");
  });
});

describe("registryChanges", () => {
  it("sends only what changed, and nothing when nothing did", () => {
    const r = registry();
    expect(registryChanges(r, editOf(r))).toBeNull();
    expect(registryChanges(r, { ...editOf(r), name: " renamed ", insecure: false })).toEqual({ name: "renamed", insecure: false });
    expect(registryChanges(r, { ...editOf(r), username: "bot", password: "new secret" })).toEqual({ username: "bot", password: "new secret" });
  });

  it("removes the stored password with null, only when there is one", () => {
    expect(registryChanges(registry(), { ...editOf(registry()), removePassword: true, password: "ignored" })).toEqual({ password: null });
    const none = registry({ has_password: false });
    expect(registryChanges(none, { ...editOf(none), removePassword: true })).toBeNull();
  });

  it("wants a username with a password, and what the server takes of each", () => {
    expect(credentialsProblem("", "secret")).toMatch(/username/);
    expect(credentialsProblem("", "", true)).toMatch(/username/);
    expect(credentialsProblem("ci", "secret")).toBeNull();
    expect(credentialsProblem("", "")).toBeNull();
    expect(credentialsProblem("a:b", "secret")).toMatch(/no “:”/);
    expect(credentialsProblem("u".repeat(256), "")).toMatch(/at most 255 bytes/);
    expect(credentialsProblem("ci", "p".repeat(8193))).toMatch(/at most 8192 bytes/);
  });
});

describe("appendPage", () => {
  it("adds a page's names once, keeping the next cursor", () => {
    const first = appendPage(null, { items: [{ name: "a" }, { name: "b" }], next_cursor: "c1" });
    expect(first).toEqual({ names: ["a", "b"], next: "c1" });
    expect(appendPage(first, { items: [{ name: "b" }, { name: "c" }], next_cursor: null })).toEqual({ names: ["a", "b", "c"], next: null });
    expect(appendPage(first, { items: [], next_cursor: "" })).toEqual({ names: ["a", "b"], next: null });
  });
});

describe("RegistriesApi", () => {
  function client(respond: Parameters<typeof fakeFetch>[0]) {
    const fake = fakeFetch(respond);
    const tokens = new TokenStore();
    tokens.set({ access_token: "t", refresh_token: "r", token_type: "Bearer", expires_in: 900 });
    return { registries: new RegistriesApi(new ApiClient({ tokens, fetch: fake.fetch })), calls: fake.calls };
  }

  it("sends each route to its address with its body", async () => {
    const { registries, calls } = client((call) => {
      if (call.method === "DELETE") return noContent();
      if (call.url === "/api/v1/registries" && call.method === "POST") return json(201, registry());
      if (call.url === "/api/v1/registries") return json(200, { items: [registry()], next_cursor: null });
      if (call.url.includes("/repositories")) return json(200, { items: [{ name: "library/busybox" }], next_cursor: "n2" });
      if (call.url.includes("/tags")) return json(200, { items: [{ name: "latest" }], next_cursor: null });
      if (call.url.endsWith("/check")) return json(200, { ok: true });
      return json(200, registry());
    });
    expect(await registries.list()).toHaveLength(1);
    expect((await registries.find("r-1"))?.name).toBe("local");
    expect(await registries.find("r-9")).toBeUndefined();
    await registries.create({ name: "local", address: "127.0.0.1:5000", team_id: "t-1", username: "ci", password: "pw", insecure: true });
    await registries.update("r 1", { password: null });
    await registries.check("r-1");
    expect(await registries.repositories("r-1", { limit: 100 })).toEqual({ items: [{ name: "library/busybox" }], next_cursor: "n2" });
    await registries.repositories("r-1", { limit: 100, cursor: "n2" });
    expect(await registries.tags("r-1", "library/busybox", { limit: 50 })).toEqual({ items: [{ name: "latest" }], next_cursor: null });
    await registries.remove("r-1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET /api/v1/registries",
      "GET /api/v1/registries",
      "GET /api/v1/registries",
      "POST /api/v1/registries",
      "PATCH /api/v1/registries/r%201",
      "POST /api/v1/registries/r-1/check",
      "GET /api/v1/registries/r-1/repositories?limit=100",
      "GET /api/v1/registries/r-1/repositories?limit=100&cursor=n2",
      "GET /api/v1/registries/r-1/tags?repository=library%2Fbusybox&limit=50",
      "DELETE /api/v1/registries/r-1",
    ]);
    expect(calls[3]!.body).toEqual({ name: "local", address: "127.0.0.1:5000", team_id: "t-1", username: "ci", password: "pw", insecure: true });
    expect(calls[4]!.body).toEqual({ password: null });
  });

  it("throws the check's problem with its code", async () => {
    const { registries } = client(() => problem(502, "registry_auth_failed", "The registry refused the stored login."));
    await expect(registries.check("r-1")).rejects.toMatchObject({ code: "registry_auth_failed", detail: "The registry refused the stored login." });
  });
});
