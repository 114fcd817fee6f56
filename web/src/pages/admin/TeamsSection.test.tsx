import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEAM_ROLE_PERMISSIONS } from "../../lib/admin";
import type { Permissions } from "../../lib/session";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { DEFAULT_POLICY as POLICY } from "../../test/policy";
import { memberPermissions, renderPage } from "../../test/renderPage";
import TeamsSection from "./TeamsSection";

const HOSTILE = "<img src=x onerror=alert(1)>";

const ORGS = [
  { id: "o1", name: "acme", display_name: "" },
  { id: "o2", name: "globex", display_name: "" },
];
const WEB = { id: "t1", org_id: "o1", name: "web", created_at: "", my_permissions: [...TEAM_ROLE_PERMISSIONS.developer] };
const EVIL = { id: "t2", org_id: "o2", name: HOSTILE, created_at: "", my_permissions: ["containers:read"] };

/** Team admin of t1 (member of o1 through the team), not an organization manager. */
const TEAM_ADMIN: Permissions = { ...memberPermissions([...TEAM_ROLE_PERMISSIONS.admin], "t1"), organizations: { o1: [] } };
/** Owner or admin of o1. */
const ORG_MANAGER: Permissions = { ...memberPermissions([...TEAM_ROLE_PERMISSIONS.admin], "t1"), organizations: { o1: ["org:manage"] } };
/** A viewer in t1. */
const VIEWER: Permissions = { ...memberPermissions([...TEAM_ROLE_PERMISSIONS.viewer], "t1"), organizations: { o1: [] } };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET") {
      if (call.url === "/api/v1/organizations") return json(200, { items: ORGS, next_cursor: null });
      if (call.url === "/api/v1/organizations/o1") return json(200, ORGS[0]);
      if (call.url === "/api/v1/teams") return json(200, { items: [WEB, EVIL], next_cursor: null });
      if (call.url === "/api/v1/teams?org=o1") return json(200, { items: [WEB], next_cursor: null });
      if (call.url === "/api/v1/teams/t1") return json(200, WEB);
      if (call.url === "/api/v1/teams/t1/members") {
        return json(200, {
          items: [
            { user_id: "u-1", username: "alice", role: "admin" },
            { user_id: "u-2", username: "bob", role: "developer" },
            { user_id: "u-4", username: HOSTILE, role: "role:r1" },
          ],
          next_cursor: null,
        });
      }
      if (call.url === "/api/v1/organizations/o1/roles") {
        return json(200, { items: [{ id: "r1", org_id: "o1", name: "ci", permissions: ["containers:read"] }], next_cursor: null });
      }
      if (call.url === "/api/v1/organizations/o1/members") {
        return json(200, { items: [{ user_id: "u-5", username: "erin", role: "member" }], next_cursor: null });
      }
      if (call.url === "/api/v1/teams/t1/policy") return json(200, { team_id: "t1", policy: POLICY });
      if (call.url.startsWith("/api/v1/users?")) {
        return json(200, { items: [{ id: "u-6", username: "frank", is_admin: false, display_name: "", email: "" }], next_cursor: null });
      }
    }
    if (call.url.startsWith("/api/v1/teams/")) return problem(404, "team_not_found", "No such team.");
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const writes = (calls: Call[]) => calls.filter((c) => c.method !== "GET");

function at(hash: string) {
  window.location.hash = hash;
}

describe("TeamsSection", () => {
  beforeEach(() => at("#/admin/teams"));
  afterEach(() => {
    cleanup();
    at("");
  });

  it("lists teams with their organization and the caller's permissions, hostile names as text", async () => {
    const { container } = renderPage(<TeamsSection />, server(), { permissions: TEAM_ADMIN });
    const web = (await screen.findByRole("link", { name: "web" })).closest("tr")!;
    await within(web).findByText("acme");
    expect(within(web).getByText("developer (20 permissions)")).toBeTruthy();
    const evil = screen.getByRole("link", { name: HOSTILE });
    expect(evil.textContent).toBe(HOSTILE);
    expect(within(evil.closest("tr")!).getByText("custom (1 permission)")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    // Neither creating nor deleting teams without org:manage.
    expect(screen.queryByRole("button", { name: "New team" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
  });

  it("filters by organization on the server", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<TeamsSection />, server());
    await screen.findByRole("link", { name: "web" });
    await screen.findByRole("option", { name: "acme" });
    await user.selectOptions(screen.getByLabelText("Organization"), "o1");
    await waitFor(() => expect(screen.queryByRole("link", { name: HOSTILE })).toBeNull());
    expect(window.location.hash).toBe("#/admin/teams?org=o1");
    expect(calls.filter((c) => c.url.startsWith("/api/v1/teams")).map((c) => c.url)).toEqual(["/api/v1/teams", "/api/v1/teams?org=o1"]);
  });

  it("creates a team in an organization the caller manages, and deletes one", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <TeamsSection />,
      server((call) => {
        if (call.method === "POST") return json(201, { id: "t9", org_id: "o1", name: "ops", created_at: "" });
        if (call.method === "DELETE") return noContent();
        return undefined;
      }),
      { permissions: ORG_MANAGER },
    );
    await screen.findByRole("link", { name: "web" });
    // Only teams of the managed organization can be deleted.
    expect(screen.getByRole("button", { name: "Delete web" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: `Delete ${HOSTILE}` })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Delete web" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete team" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));

    await user.click(screen.getByRole("button", { name: "New team" }));
    const dialog = screen.getByRole("dialog");
    const orgSelect = within(dialog).getByLabelText("Organization");
    expect(within(orgSelect).getAllByRole("option").map((o) => o.textContent)).toEqual(["acme"]);
    await user.type(within(dialog).getByLabelText("Name"), "ops");
    await user.click(within(dialog).getByRole("button", { name: "Create team" }));
    await waitFor(() => expect(window.location.hash).toBe("#/admin/teams?team=t9&view=members"));
    expect(writes(calls).map((c) => [c.method, c.url, c.body])).toEqual([
      ["DELETE", "/api/v1/teams/t1", undefined],
      ["POST", "/api/v1/teams", { org_id: "o1", name: "ops" }],
    ]);
  });

  it("changes a member's role to a custom role of the organization, adds and removes members", async () => {
    at("#/admin/teams?team=t1&view=members");
    const user = userEvent.setup();
    const { calls, container } = renderPage(<TeamsSection />, server((call) => (call.method === "PUT" || call.method === "DELETE" ? noContent() : undefined)), {
      permissions: TEAM_ADMIN,
    });
    await screen.findByRole("heading", { name: /web/ });
    const evilRole = await screen.findByLabelText(`Role of ${HOSTILE}`);
    await waitFor(() => expect((evilRole as HTMLSelectElement).selectedOptions[0]!.textContent).toBe("ci (custom)"));
    expect(container.querySelector("img")).toBeNull();

    await user.selectOptions(screen.getByLabelText("Role of bob"), "ci (custom)");
    await user.click(screen.getByRole("button", { name: "Save role of bob" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));

    // A team admin who cannot list accounts picks from the organization's members.
    expect(calls.some((c) => c.url.startsWith("/api/v1/users"))).toBe(false);
    await user.selectOptions(screen.getByLabelText("Account"), "erin");
    await user.selectOptions(screen.getByLabelText("Role in the team"), "operator");
    await user.click(screen.getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(2));

    await user.click(screen.getByRole("button", { name: "Remove alice" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(writes(calls)).toHaveLength(3));

    expect(writes(calls).map((c) => [c.method, c.url, c.body])).toEqual([
      ["PUT", "/api/v1/teams/t1/members/u-2", { role: "role:r1" }],
      ["PUT", "/api/v1/teams/t1/members/u-5", { role: "operator" }],
      ["DELETE", "/api/v1/teams/t1/members/u-1", undefined],
    ]);
  });

  it("shows a refused role change with its code", async () => {
    at("#/admin/teams?team=t1&view=members");
    const user = userEvent.setup();
    renderPage(<TeamsSection />, server((call) => (call.method === "PUT" ? problem(403, "permission_denied", "Managing members needs team:manage.") : undefined)), {
      permissions: TEAM_ADMIN,
    });
    await screen.findByLabelText("Role of bob");
    await user.selectOptions(screen.getByLabelText("Role of bob"), "viewer");
    await user.click(screen.getByRole("button", { name: "Save role of bob" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not change the role of bob: Managing members needs team:manage.");
    expect(alert.textContent).toContain("permission_denied");
  });

  it("shows members read-only to a viewer", async () => {
    at("#/admin/teams?team=t1&view=members");
    renderPage(<TeamsSection />, server(), { permissions: VIEWER });
    await screen.findByText("bob");
    expect(await screen.findByText("ci (custom)")).toBeTruthy();
    expect(screen.queryByLabelText(/Role of/)).toBeNull();
    expect(screen.queryByRole("button", { name: /Remove/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Add member" })).toBeNull();
  });

  it("says a team of another organization is not found", async () => {
    at("#/admin/teams?team=elsewhere&view=policy");
    renderPage(<TeamsSection />, server(), { permissions: VIEWER });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("not found");
    expect(alert.textContent).toContain("team_not_found");
    expect(screen.getByRole("link", { name: "All teams" })).toBeTruthy();
  });

  describe("security policy", () => {
    it("loads the policy, edits a number, a list and a size, and sends the whole document", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const user = userEvent.setup();
      const { calls } = renderPage(
        <TeamsSection />,
        server((call) => (call.method === "PUT" ? json(200, { team_id: "t1", policy: call.body }) : undefined)),
        { permissions: ORG_MANAGER },
      );
      const pids = (await screen.findByLabelText("Processes per container")) as HTMLInputElement;
      expect(pids.value).toBe("4096");
      expect((screen.getByLabelText("Shared memory per container") as HTMLInputElement).value).toBe("1");
      expect((screen.getByLabelText("Unit of Shared memory per container") as HTMLSelectElement).value).toBe("GiB");
      expect((screen.getByLabelText("Log drivers") as HTMLInputElement).value).toBe("json-file, local, none");
      expect(screen.getByRole("button", { name: "Save policy" })).toHaveProperty("disabled", true);
      // Risky relaxations are marked.
      expect(screen.getByLabelText("Privileged containers").getAttribute("aria-describedby")).toBeTruthy();
      expect(screen.getAllByText(/lets containers take over the host/).length).toBeGreaterThan(0);

      await user.clear(pids);
      await user.type(pids, "512");
      const logs = screen.getByLabelText("Log drivers");
      await user.type(logs, ", syslog");
      await user.clear(screen.getByLabelText("Default memory limit"));
      await user.type(screen.getByLabelText("Default memory limit"), "256");
      await user.clear(screen.getByLabelText("Total CPUs per environment"));
      await user.type(screen.getByLabelText("Total CPUs per environment"), "2.5");
      await user.click(screen.getByLabelText("Exec as root"));
      await user.click(screen.getByRole("button", { name: "Save policy" }));
      await screen.findByText("Policy saved.");

      const put = writes(calls)[0]!;
      expect(put.method).toBe("PUT");
      expect(put.url).toBe("/api/v1/teams/t1/policy");
      expect(put.body).toEqual({
        ...POLICY,
        max_pids: 512,
        allowed_log_drivers: ["json-file", "local", "none", "syslog"],
        default_memory_bytes: 256 * 1024 * 1024,
        max_total_nano_cpus: 2_500_000_000,
        allow_root_exec: true,
      });
      // The server's key order, every key.
      expect(Object.keys(put.body as object)).toEqual(Object.keys(POLICY));
    });

    it("converts a size when its unit changes", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const user = userEvent.setup();
      const { calls } = renderPage(
        <TeamsSection />,
        server((call) => (call.method === "PUT" ? json(200, { team_id: "t1", policy: call.body }) : undefined)),
      );
      const shm = (await screen.findByLabelText("Shared memory per container")) as HTMLInputElement;
      await user.selectOptions(screen.getByLabelText("Unit of Shared memory per container"), "MiB");
      expect(shm.value).toBe("1024");
      await user.clear(shm);
      await user.type(shm, "512");
      await user.click(screen.getByRole("button", { name: "Save policy" }));
      await screen.findByText("Policy saved.");
      expect((writes(calls)[0]!.body as { max_shm_bytes: number }).max_shm_bytes).toBe(512 * 1024 * 1024);
    });

    it("refuses malformed numbers by their fields without sending", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const user = userEvent.setup();
      const { calls } = renderPage(<TeamsSection />, server(), { permissions: ORG_MANAGER });
      const pids = await screen.findByLabelText("Processes per container");
      await user.clear(pids);
      await user.type(pids, "lots");
      const low = screen.getByLabelText("Lowest host port");
      await user.clear(low);
      await user.type(low, "70000");
      await user.click(screen.getByRole("button", { name: "Save policy" }));
      expect(screen.getByRole("alert").textContent).toContain("2 fields need a change");
      expect(pids.getAttribute("aria-invalid")).toBe("true");
      expect(pids.getAttribute("aria-describedby")!.split(" ").map((x) => document.getElementById(x)!.textContent).join(" ")).toContain(
        "Enter a whole number from 1 to 4194304.",
      );
      expect(low.getAttribute("aria-invalid")).toBe("true");
      expect(writes(calls)).toHaveLength(0);
    });

    it("shows the server's refusal with its code, by the field it names", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const user = userEvent.setup();
      renderPage(
        <TeamsSection />,
        server((call) =>
          call.method === "PUT" ? problem(400, "invalid_policy", "Invalid team policy: extra_capabilities entry 'ALL': ALL cannot be granted; set allow_privileged instead.") : undefined,
        ),
        { permissions: ORG_MANAGER },
      );
      const caps = await screen.findByLabelText("Extra capabilities");
      await user.type(caps, "ALL");
      await user.click(screen.getByRole("button", { name: "Save policy" }));
      const alert = await screen.findByRole("alert");
      expect(alert.textContent).toContain("ALL cannot be granted");
      expect(alert.textContent).toContain("invalid_policy");
      expect(caps.getAttribute("aria-invalid")).toBe("true");
    });

    it("shows an unknown_field problem with its code", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const user = userEvent.setup();
      renderPage(
        <TeamsSection />,
        server((call) => (call.method === "PUT" ? problem(400, "unknown_field", "The body holds an unknown field 'x'.") : undefined)),
      );
      await user.click(await screen.findByLabelText("Devices"));
      await user.click(screen.getByRole("button", { name: "Save policy" }));
      const alert = await screen.findByRole("alert");
      expect(alert.textContent).toContain("unknown field 'x'");
      expect(alert.textContent).toContain("unknown_field");
    });

    it("is read-only for those who do not manage the organization", async () => {
      at("#/admin/teams?team=t1&view=policy");
      const { calls } = renderPage(
        <TeamsSection />,
        server((call) => (call.url === "/api/v1/teams/t1/policy" ? json(200, { team_id: "t1", policy: { ...POLICY, allow_privileged: true } }) : undefined)),
        { permissions: TEAM_ADMIN },
      );
      await screen.findByText("Privileged containers");
      expect(screen.queryByRole("button", { name: "Save policy" })).toBeNull();
      expect(screen.queryByRole("textbox")).toBeNull();
      expect(screen.queryByRole("checkbox")).toBeNull();
      const privileged = screen.getByText("Privileged containers").closest("div")!;
      expect(within(privileged).getByText("Allowed")).toBeTruthy();
      expect(within(privileged).getByText("relaxed")).toBeTruthy();
      expect(screen.getByText("json-file, local, none")).toBeTruthy();
      expect(screen.getByText("1.0 GiB")).toBeTruthy();
      expect(writes(calls)).toHaveLength(0);
    });
  });
});
