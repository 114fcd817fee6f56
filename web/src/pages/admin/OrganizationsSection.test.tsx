import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Permissions } from "../../lib/session";
import { descriptionOf } from "../../test/dom";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import OrganizationsSection from "./OrganizationsSection";

const HOSTILE = "<img src=x onerror=alert(1)>";

const ACME = { id: "o1", name: "acme", display_name: "Acme Inc.", created_at: "2024-01-01T00:00:00Z" };
const EVIL = { id: "o2", name: HOSTILE, display_name: HOSTILE, created_at: "2024-01-01T00:00:00Z" };

const MEMBERS = [
  { user_id: "u-1", username: "alice", role: "admin" },
  { user_id: "u-2", username: "bob", role: "member" },
];

function users() {
  return {
    items: [
      { id: "u-1", username: "alice", is_admin: true, display_name: "", email: "" },
      { id: "u-2", username: "bob", is_admin: false, display_name: "", email: "" },
      { id: "u-3", username: "carol", is_admin: false, display_name: "Carol", email: "" },
    ],
    next_cursor: null,
  };
}

/** An org admin (not owner) of o1 who is not a platform admin. */
const ORG_ADMIN: Permissions = { is_admin: false, platform: [], teams: {}, organizations: { o1: ["org:manage"] }, environments: {} };
/** A plain member of o1. */
const ORG_MEMBER: Permissions = { is_admin: false, platform: [], teams: {}, organizations: { o1: [] }, environments: {} };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET") {
      if (call.url === "/api/v1/organizations") return json(200, { items: [ACME, EVIL], next_cursor: null });
      if (call.url === "/api/v1/organizations/o1") return json(200, ACME);
      if (call.url === "/api/v1/organizations/o1/members") return json(200, { items: MEMBERS, next_cursor: null });
      if (call.url === "/api/v1/organizations/o2/members") return json(200, { items: [], next_cursor: null });
      if (call.url === "/api/v1/organizations/o1/roles") {
        return json(200, { items: [{ id: "r1", org_id: "o1", name: "ci", permissions: ["containers:read", "images:pull"] }], next_cursor: null });
      }
      if (call.url.startsWith("/api/v1/users?")) return json(200, users());
    }
    if (call.url.startsWith("/api/v1/organizations/") && call.url !== "/api/v1/organizations/o1") {
      return problem(404, "organization_not_found", "No such organization.");
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const writes = (calls: Call[]) => calls.filter((c) => c.method !== "GET");

describe("OrganizationsSection", () => {
  beforeEach(() => {
    window.location.hash = "#/admin/organizations";
  });
  afterEach(() => {
    cleanup();
    window.location.hash = "";
  });

  it("lists organizations with the caller's role, hostile names as text", async () => {
    const { container } = renderPage(<OrganizationsSection />, server(), { permissions: { ...ORG_ADMIN, organizations: { o1: ["org:manage"], o2: [] } } });
    const acme = (await screen.findByRole("link", { name: "acme" })).closest("tr")!;
    expect(within(acme).getByText("Acme Inc.")).toBeTruthy();
    await within(acme).findByText("admin");
    const evil = screen.getAllByText(HOSTILE);
    expect(evil[0]!.textContent).toBe(HOSTILE);
    expect(within(evil[0]!.closest("tr")!).getByText("through a team")).toBeDefined();
    expect(container.querySelector("img")).toBeNull();
    // Creating and deleting organizations is the platform's.
    expect(screen.queryByRole("button", { name: "New organization" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
  });

  it("creates an organization and opens it", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OrganizationsSection />,
      server((call) => (call.method === "POST" ? json(201, { id: "o9", name: "newco", display_name: "New Co", created_at: "" }) : undefined)),
    );
    await screen.findByRole("link", { name: "acme" });
    await user.click(screen.getByRole("button", { name: "New organization" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "newco");
    await user.type(within(dialog).getByLabelText("Display name"), "New Co");
    await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
    await waitFor(() => expect(window.location.hash).toBe("#/admin/organizations?org=o9&view=members"));
    expect(writes(calls)).toEqual([expect.objectContaining({ method: "POST", url: "/api/v1/organizations", body: { name: "newco", display_name: "New Co" } })]);
  });

  it("shows a name conflict by the name field", async () => {
    const user = userEvent.setup();
    renderPage(
      <OrganizationsSection />,
      server((call) => (call.method === "POST" ? problem(409, "organization_exists", "An organization with that name exists.") : undefined)),
    );
    await screen.findByRole("link", { name: "acme" });
    await user.click(screen.getByRole("button", { name: "New organization" }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText("Name");
    await user.type(name, "acme");
    await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    const shown = descriptionOf(name);
    expect(shown).toContain("An organization with that name exists.");
    expect(shown).toContain("organization_exists");
  });

  it("deletes an organization after confirmation, and shows a refusal with its code", async () => {
    const user = userEvent.setup();
    let refuse = true;
    const { calls } = renderPage(
      <OrganizationsSection />,
      server((call) => {
        if (call.method !== "DELETE") return undefined;
        return refuse ? problem(403, "permission_denied", "This needs organizations:manage.") : noContent();
      }),
    );
    await screen.findByRole("link", { name: "acme" });
    await user.click(screen.getByRole("button", { name: "Delete acme" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete organization" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This needs organizations:manage.");
    expect(alert.textContent).toContain("permission_denied");
    refuse = false;
    await user.click(screen.getByRole("button", { name: "Delete acme" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete organization" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(2));
    expect(calls.filter((c) => c.method === "DELETE")[1]!.url).toBe("/api/v1/organizations/o1");
  });

  it("adds a member picked from the accounts, changes a role and removes a member", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=members";
    const user = userEvent.setup();
    const { calls } = renderPage(<OrganizationsSection />, server((call) => (call.method === "PUT" || call.method === "DELETE" ? noContent() : undefined)));
    await screen.findByRole("heading", { name: /acme/ });
    await screen.findByRole("option", { name: "carol (Carol)" });
    // Members already in are not offered.
    expect(screen.queryByRole("option", { name: "bob" })).toBeNull();
    await user.selectOptions(screen.getByLabelText("Account"), "u-3");
    await user.selectOptions(screen.getByLabelText("Role in the organization"), "admin");
    await user.click(screen.getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));

    await user.selectOptions(screen.getByLabelText("Role of bob"), "owner");
    await user.click(screen.getByRole("button", { name: "Save role of bob" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(2));

    await user.click(screen.getByRole("button", { name: "Remove bob" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(3));

    expect(writes(calls).map((c) => [c.method, c.url, c.body])).toEqual([
      ["PUT", "/api/v1/organizations/o1/members/u-3", { role: "admin" }],
      ["PUT", "/api/v1/organizations/o1/members/u-2", { role: "owner" }],
      ["DELETE", "/api/v1/organizations/o1/members/u-2", undefined],
    ]);
  });

  it("lets an organization admin add a member by account id, without offering the owner role", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=members";
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OrganizationsSection />,
      server((call) => (call.method === "PUT" ? problem(404, "user_not_found", "No such user.") : undefined)),
      { permissions: ORG_ADMIN },
    );
    await screen.findByText("bob");
    expect(calls.some((c) => c.url.startsWith("/api/v1/users"))).toBe(false);
    const role = screen.getByLabelText("Role in the organization");
    expect(within(role).queryByRole("option", { name: "owner" })).toBeNull();
    const id = screen.getByLabelText("User id");
    await user.type(id, "u-77");
    await user.click(screen.getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(id.getAttribute("aria-describedby")).toMatch(/problem/));
    const shown = descriptionOf(id);
    expect(shown).toContain("No such user.");
    expect(shown).toContain("user_not_found");
    expect(writes(calls)[0]).toEqual(expect.objectContaining({ method: "PUT", url: "/api/v1/organizations/o1/members/u-77", body: { role: "member" } }));
  });

  it("shows members read-only to a plain member", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=members";
    renderPage(<OrganizationsSection />, server(), { permissions: ORG_MEMBER });
    await screen.findByText("bob");
    expect(screen.getByText("member")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Remove/ })).toBeNull();
    expect(screen.queryByLabelText(/Role of/)).toBeNull();
    expect(screen.queryByRole("button", { name: "Add member" })).toBeNull();
  });

  it("creates a custom role with the chosen team permissions, in the catalog's order", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=roles";
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OrganizationsSection />,
      server((call) =>
        call.method === "POST" ? json(201, { id: "r2", org_id: "o1", name: "deployer", permissions: (call.body as { permissions: string[] }).permissions }) : undefined,
      ),
      { permissions: ORG_ADMIN },
    );
    await screen.findByText("ci");
    expect(screen.getByText("role:r1")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "New custom role" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "deployer");
    // Nothing chosen: said by the permissions, nothing sent.
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    expect(within(dialog).getByText("Choose at least one permission.")).toBeTruthy();
    await user.click(within(dialog).getByRole("checkbox", { name: /team:manage/ }));
    await user.click(within(dialog).getByRole("checkbox", { name: /containers:create/ }));
    await user.click(within(dialog).getByRole("checkbox", { name: /containers:read/ }));
    // Only team permissions are offered.
    expect(within(dialog).queryByRole("checkbox", { name: /org:manage|users:manage|images:manage/ })).toBeNull();
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(writes(calls)).toEqual([
      expect.objectContaining({
        method: "POST",
        url: "/api/v1/organizations/o1/roles",
        body: { name: "deployer", permissions: ["containers:read", "containers:create", "team:manage"] },
      }),
    ]);
  });

  it("starts a custom role from a built-in role and shows the server's refusal with its code", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=roles";
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OrganizationsSection />,
      server((call) => (call.method === "POST" ? problem(409, "role_exists", "The organization already has a role with that name.") : undefined)),
    );
    await screen.findByText("ci");
    await user.click(screen.getByRole("button", { name: "New custom role" }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText("Name");
    await user.type(name, "ci");
    await user.click(within(dialog).getByRole("button", { name: "operator" }));
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    expect(descriptionOf(name)).toContain("role_exists");
    expect((writes(calls)[0]!.body as { permissions: string[] }).permissions).toEqual([
      "containers:read",
      "containers:logs",
      "containers:operate",
      "containers:exec",
      "images:read",
      "networks:read",
      "volumes:read",
      "environments:read",
      "system:read",
      "events:read",
      "alerts:read",
      "alerts:manage",
    ]);
  });

  it("deletes a custom role after confirmation; hides it from those who do not manage", async () => {
    window.location.hash = "#/admin/organizations?org=o1&view=roles";
    const user = userEvent.setup();
    const { calls } = renderPage(<OrganizationsSection />, server((call) => (call.method === "DELETE" ? noContent() : undefined)));
    await screen.findByText("ci");
    await user.click(screen.getByRole("button", { name: "Delete role ci" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete role" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]!.url).toBe("/api/v1/organizations/o1/roles/r1");
    cleanup();

    renderPage(<OrganizationsSection />, server(), { permissions: ORG_MEMBER });
    await screen.findByText("ci");
    expect(screen.queryByRole("button", { name: /Delete role/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "New custom role" })).toBeNull();
  });

  it("says an organization the caller cannot see is not found, with the way back", async () => {
    window.location.hash = "#/admin/organizations?org=other&view=members";
    renderPage(<OrganizationsSection />, server(), { permissions: ORG_MEMBER });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("not found");
    expect(alert.textContent).toContain("organization_not_found");
    expect(screen.getByRole("link", { name: "All organizations" }).getAttribute("href")).toBe("#/admin/organizations");
  });
});
