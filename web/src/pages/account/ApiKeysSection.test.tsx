import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { grantableScopes } from "../../lib/account";
import { ALL_PERMISSIONS } from "../../lib/permissions";
import type { User } from "../../lib/dokkerr";
import type { Permissions } from "../../lib/session";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { ADMIN_PERMISSIONS, renderPage } from "../../test/renderPage";
import AccountPage from "./AccountPage";
import { expiryFromDate } from "./ApiKeysSection";

const HOSTILE = "<img src=x onerror=alert(1)>";
const ME: User = { id: "u-1", username: "alice", is_admin: false };
const SECRET_KEY = "dk_0123456789abcdefSECRET";

const MEMBER: Permissions = {
  is_admin: false,
  platform: [],
  teams: { "t-1": ["containers:read", "containers:logs"], "t-2": ["containers:read", "images:read"] },
  organizations: {},
  environments: { local: ["t-1", "t-2"] },
};

const KEYS = [
  { id: "k-1", name: HOSTILE, prefix: "dk_abcd", scopes: ["containers:read"], team_id: "t-1", created_at: "2026-01-01T00:00:00.000Z", expires_at: null, last_used_at: null, revoked_at: null },
  { id: "k-2", name: "old", prefix: "dk_efgh", scopes: ["images:read"], team_id: null, created_at: "2026-01-01T00:00:00.000Z", expires_at: null, last_used_at: null, revoked_at: "2026-01-05T00:00:00.000Z" },
];
const TEAMS = { items: [{ id: "t-1", org_id: "o-1", name: "web" }, { id: "t-2", org_id: "o-1", name: "data" }, { id: "t-3", org_id: "o-1", name: "other" }], next_cursor: null };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === "/api/v1/api-keys") return json(200, { items: KEYS, next_cursor: null });
    if (call.url === "/api/v1/teams") return json(200, TEAMS);
    if (call.method === "POST" && call.url === "/api/v1/api-keys") {
      const body = call.body as Record<string, unknown>;
      return json(201, { id: "k-9", prefix: "dk_0123", key: SECRET_KEY, created_at: "2026-01-06T00:00:00.000Z", team_id: null, expires_at: null, ...body });
    }
    if (call.method === "DELETE") return noContent();
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const scopeBoxes = (dialog: HTMLElement) =>
  within(within(dialog).getByRole("group", { name: "Permissions" }))
    .getAllByRole("checkbox")
    .map((b) => b.closest("label")!.textContent);

describe("My account: API keys", () => {
  afterEach(cleanup);

  it("lists keys with their team and state; names are text; revoked keys cannot be revoked again", async () => {
    const { container } = renderPage(<AccountPage user={ME} section="api-keys" />, server(), { permissions: MEMBER });
    expect((await screen.findByText(HOSTILE)).textContent).toBe(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
    const first = screen.getByText(HOSTILE).closest("tr")!;
    await within(first).findByText("web");
    expect(within(first).getByText("active")).toBeTruthy();
    const old = screen.getByText("old").closest("tr")!;
    expect(within(old).getByText("revoked")).toBeTruthy();
    expect(within(old).queryByRole("button")).toBeNull();
  });

  it("offers only the scopes the caller holds, per team; creates the key and shows it once", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<AccountPage user={ME} section="api-keys" />, server(), { permissions: MEMBER });
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: "Create key" }));
    const dialog = screen.getByRole("dialog", { name: "Create an API key" });
    expect(scopeBoxes(dialog)).toEqual(["containers:read", "containers:logs", "images:read"]);
    // Only the caller's own teams.
    await within(dialog).findByRole("option", { name: "web" });
    expect(within(dialog).queryByRole("option", { name: "other" })).toBeNull();

    await user.type(within(dialog).getByLabelText("Name"), "CI");
    await user.click(within(dialog).getByRole("checkbox", { name: "images:read" }));
    await user.click(within(dialog).getByRole("checkbox", { name: "containers:logs" }));
    // Bound to team t-1, which has no images:read: that choice goes.
    await user.selectOptions(within(dialog).getByLabelText("Team"), "t-1");
    expect(scopeBoxes(dialog)).toEqual(["containers:read", "containers:logs"]);
    fireEvent.change(within(dialog).getByLabelText("Expires"), { target: { value: "2030-06-30" } });
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));

    const shown = await screen.findByRole("dialog", { name: "Your new API key" });
    expect(within(shown).getByText(SECRET_KEY)).toBeTruthy();
    expect(within(shown).getByText(/it will not be shown again/)).toBeTruthy();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.body).toEqual({ name: "CI", scopes: ["containers:logs"], team_id: "t-1", expires_at: expiryFromDate("2030-06-30") });
    expect(expiryFromDate("2030-06-30")).toBe(new Date(2030, 5, 30, 23, 59, 59).toISOString());

    await user.click(within(shown).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain(SECRET_KEY);
    // Nothing of it comes back with the next dialog.
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(document.body.textContent).not.toContain(SECRET_KEY);
  });

  it("shows scope_exceeds_permissions with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <AccountPage user={ME} section="api-keys" />,
      server((call) => (call.method === "POST" ? problem(403, "scope_exceeds_permissions", "You do not hold containers:read.") : undefined)),
      { permissions: MEMBER },
    );
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: "Create key" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "x");
    await user.click(within(dialog).getByRole("checkbox", { name: "containers:read" }));
    await user.click(within(dialog).getByRole("button", { name: "Create key" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("You do not hold containers:read.");
    expect(alert.textContent).toContain("scope_exceeds_permissions");
  });

  it("revokes a key after confirmation", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<AccountPage user={ME} section="api-keys" />, server(), { permissions: MEMBER });
    await user.click(await screen.findByRole("button", { name: `Revoke ${HOSTILE}` }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(calls.find((c) => c.method === "DELETE")?.url).toBe("/api/v1/api-keys/k-1"));
  });

  it("computes the grantable scopes as the server checks them", () => {
    expect(grantableScopes(ADMIN_PERMISSIONS)).toEqual(ALL_PERMISSIONS);
    expect(grantableScopes(MEMBER, "t-2")).toEqual(["containers:read", "images:read"]);
    expect(grantableScopes({ ...MEMBER, organizations: { "o-1": ["org:manage"] } })).toContain("org:manage");
    expect(grantableScopes({ ...MEMBER, scopes: ["images:read"] })).toEqual(["images:read"]);
    expect(grantableScopes(undefined)).toEqual([]);
  });

  it("offers no key creation to an account that holds nothing", async () => {
    renderPage(<AccountPage user={ME} section="api-keys" />, server(), {
      permissions: { is_admin: false, platform: [], teams: {}, organizations: {}, environments: {} },
    });
    await screen.findByText(HOSTILE);
    expect(screen.queryByRole("button", { name: "Create key" })).toBeNull();
    expect(screen.getByText(/holds no permission a key could carry/)).toBeTruthy();
  });
});
