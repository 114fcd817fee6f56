import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { HOSTILE, resetPage, rowOf, twoTeams } from "../../test/resourcePages";
import RegistriesPage from "./RegistriesPage";

const UPDATED = new Date(Date.now() - 2 * 3600_000).toISOString();

function registry(id: string, name: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name,
    address: "registry.example.com",
    organization_id: "o-1",
    team_id: "team-a",
    username: "ci",
    has_password: true,
    insecure: false,
    created_by: "alice",
    created_at: UPDATED,
    updated_at: UPDATED,
    ...overrides,
  };
}

const LOCAL = registry("r-1", "local", { address: "127.0.0.1:5000", insecure: true });
const HUB = registry("r-2", "hub", { address: "docker.io", team_id: null, username: "", has_password: false });
const REGISTRIES = [LOCAL, HUB, registry("r-3", HOSTILE)];

const LIST = "/api/v1/registries";
const VIEWER = memberPermissions(["containers:read", "images:pull"]);
const TEAM_ADMIN = memberPermissions(["containers:read", "team:manage"]);

function server(extra?: (call: Call) => Response | Promise<Response> | undefined) {
  return (call: Call): Response | Promise<Response> => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: REGISTRIES, next_cursor: null });
    if (call.method === "GET" && call.url === "/api/v1/teams") return twoTeams();
    if (call.method === "GET" && call.url === "/api/v1/organizations") {
      return json(200, { items: [{ id: "o-1", name: "acme", display_name: "Acme" }], next_cursor: null });
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

describe("RegistriesPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/registries"));
  afterEach(resetPage);

  it("lists the registries with address, plain HTTP, scope and user, each linking to its page", async () => {
    renderPage(<RegistriesPage section="" id="" />, server());
    await screen.findByRole("rowheader", { name: "local" });
    const local = rowOf("local");
    expect(within(local).getByText("127.0.0.1:5000")).toBeTruthy();
    expect(within(local).getByText("plain HTTP")).toBeTruthy();
    expect(within(local).getByText("ci")).toBeTruthy();
    expect(within(local).getByText("2 hours ago")).toBeTruthy();
    expect(within(local).getByRole("link", { name: "local" }).getAttribute("href")).toBe("#/registries/view?id=r-1");
    await waitFor(() => expect(within(rowOf("local")).getByText("Team Alpha")).toBeTruthy());

    const hub = rowOf("hub");
    expect(within(hub).queryByText("plain HTTP")).toBeNull();
    await waitFor(() => expect(within(rowOf("hub")).getByText("Every team of Acme")).toBeTruthy());
    expect(within(hub).getByText("—")).toBeTruthy();
    expect(screen.getByRole("link", { name: "New registry" }).getAttribute("href")).toBe("#/registries/new");
  });

  it("renders a hostile name as text, and filters", async () => {
    const user = userEvent.setup();
    const { container } = renderPage(<RegistriesPage section="" id="" />, server());
    await screen.findByRole("rowheader", { name: HOSTILE });
    expect(container.querySelector("img")).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "docker.io");
    expect(screen.queryByRole("rowheader", { name: "local" })).toBeNull();
    expect(screen.getByRole("rowheader", { name: "hub" })).toBeTruthy();
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "nothing like it");
    expect(screen.getByText("No registry matches.")).toBeTruthy();
  });

  it("hides New registry from a member who manages nothing", async () => {
    renderPage(<RegistriesPage section="" id="" />, server(), { permissions: VIEWER });
    await screen.findByRole("rowheader", { name: "local" });
    expect(screen.queryByRole("link", { name: "New registry" })).toBeNull();
  });

  it("shows a load failure with its code, an empty list as such, and a removal's outcome", async () => {
    renderPage(<RegistriesPage section="" id="" />, server((call) => (call.url === LIST ? problem(403, "permission_denied", "Not yours.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Not yours.");
    expect(alert.textContent).toContain("permission_denied");
    cleanup();
    window.history.replaceState(null, "", "#/registries?removed=local");
    renderPage(<RegistriesPage section="" id="" />, server((call) => (call.url === LIST ? json(200, { items: [], next_cursor: null }) : undefined)));
    expect(await screen.findByText("No registries are stored for your teams.")).toBeTruthy();
    expect(screen.getByText("Removed the registry local.")).toBeTruthy();
  });

  it("says so at an unknown address", () => {
    renderPage(<RegistriesPage section="nope" id="" />, server());
    expect(screen.getByRole("heading", { name: "Page not found" })).toBeTruthy();
  });
});

describe("CreateRegistryPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/registries/new"));
  afterEach(resetPage);

  it("checks the fields, stores the registry for the scope chosen and opens its page", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <RegistriesPage section="new" id="" />,
      server((call) => (call.method === "POST" && call.url === LIST ? json(201, registry("r-new", "mirror")) : undefined)),
    );
    const scope = (await screen.findByLabelText("Scope")) as HTMLSelectElement;
    await waitFor(() => expect(within(scope).getByRole("option", { name: "Every team of Acme" })).toBeTruthy());
    expect(within(scope).getAllByRole("option").map((o) => o.textContent)).toEqual(["Every team of Acme", "Alpha", "Beta"]);
    const password = screen.getByLabelText("Password");
    expect(password.getAttribute("type")).toBe("password");
    expect(password.getAttribute("autocomplete")).toBe("new-password");

    await user.click(screen.getByRole("button", { name: "Save registry" }));
    expect(screen.getByText("Give the registry a name.")).toBeTruthy();
    expect(screen.getByText("Give the registry's address.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "mirror");
    await user.type(screen.getByLabelText("Address"), "http://127.0.0.1:5000");
    await user.type(password, "s3cret");
    await user.click(screen.getByRole("button", { name: "Save registry" }));
    expect(screen.getByText(/Leave out the scheme/)).toBeTruthy();
    expect(screen.getByText("A password goes with a username: give the username too.")).toBeTruthy();
    expect(screen.getByLabelText("Address").getAttribute("aria-invalid")).toBe("true");
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await user.clear(screen.getByLabelText("Address"));
    await user.type(screen.getByLabelText("Address"), "127.0.0.1:5000");
    await user.type(screen.getByLabelText("Username"), "ci");
    await user.selectOptions(scope, "Beta");
    await user.click(screen.getByLabelText("Plain HTTP (no TLS)"));
    await user.click(screen.getByRole("button", { name: "Save registry" }));
    await waitFor(() => expect(window.location.hash).toBe("#/registries/view?id=r-new"));
    const create = calls.find((c) => c.method === "POST" && c.url === LIST)!;
    expect(create.body).toEqual({ name: "mirror", address: "127.0.0.1:5000", team_id: "team-b", username: "ci", password: "s3cret", insecure: true });
  });

  it("stores an organization's registry, and shows a taken name at the field", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <RegistriesPage section="new" id="" />,
      server((call) => (call.method === "POST" && call.url === LIST ? problem(409, "registry_exists", "The organization has a registry named hub.") : undefined)),
    );
    await screen.findByRole("option", { name: "Every team of Acme" });
    await user.type(screen.getByLabelText("Name"), "hub");
    await user.type(screen.getByLabelText("Address"), "docker.io");
    await user.click(screen.getByRole("button", { name: "Save registry" }));
    const shown = await screen.findByText(/The organization has a registry named hub\./);
    expect(shown.textContent).toContain("registry_exists");
    expect(screen.getByLabelText("Name").getAttribute("aria-invalid")).toBe("true");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ name: "hub", address: "docker.io", organization_id: "o-1", insecure: false });
  });

  it("offers a team admin their team only, and tells others they may not", async () => {
    renderPage(<RegistriesPage section="new" id="" />, server(), { permissions: TEAM_ADMIN });
    const scope = (await screen.findByLabelText("Scope")) as HTMLSelectElement;
    await waitFor(() => expect(within(scope).getAllByRole("option").map((o) => o.textContent)).toEqual(["Alpha"]));
    cleanup();
    renderPage(<RegistriesPage section="new" id="" />, server(), { permissions: VIEWER });
    expect(screen.getByText(/You may not store registries/)).toBeTruthy();
    expect(screen.queryByLabelText("Name")).toBeNull();
  });
});

describe("RegistryDetailPage", () => {
  const ONE = "/api/v1/registries/r-1";
  beforeEach(() => window.history.replaceState(null, "", "#/registries/view?id=r-1"));
  afterEach(resetPage);

  it("tests the connection and says how it went", async () => {
    const user = userEvent.setup();
    let check = 0;
    renderPage(
      <RegistriesPage section="view" id="r-1" />,
      server((call) => {
        if (call.method !== "POST" || call.url !== `${ONE}/check`) return undefined;
        check += 1;
        return check === 1 ? json(200, { ok: true }) : problem(502, "registry_auth_failed", "The registry refused the stored login.");
      }),
    );
    expect(await screen.findByRole("heading", { name: "Registry local", level: 1 })).toBeTruthy();
    expect(screen.getByText("Stored (never shown)")).toBeTruthy();
    expect(screen.getByText("Plain HTTP (no TLS)")).toBeTruthy();
    const actions = screen.getByRole("group", { name: "Actions for local" });
    await user.click(within(actions).getByRole("button", { name: "Test connection" }));
    expect(await screen.findByText("Connected: 127.0.0.1:5000 answered and accepted the stored login.")).toBeTruthy();
    await user.click(within(actions).getByRole("button", { name: "Test connection" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The connection test failed: The registry refused the stored login.");
    expect(alert.textContent).toContain("registry_auth_failed");
    expect(screen.queryByText(/Connected:/)).toBeNull();
  });

  it("browses the repositories a page at a time and lists a repository's tags", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <RegistriesPage section="view" id="r-1" />,
      server((call) => {
        if (call.url === `${ONE}/repositories?limit=100`) {
          return json(200, { items: [{ name: "app" }, { name: "library/busybox" }], next_cursor: "c2" });
        }
        if (call.url === `${ONE}/repositories?limit=100&cursor=c2`) return json(200, { items: [{ name: "zeta" }], next_cursor: null });
        if (call.url === `${ONE}/tags?repository=library%2Fbusybox&limit=100`) {
          return json(200, { items: [{ name: "1.36" }, { name: "latest" }], next_cursor: null });
        }
        return undefined;
      }),
    );
    await screen.findByRole("heading", { name: "Registry local", level: 1 });
    // Nothing is asked of the registry before the person browses.
    expect(calls.some((c) => c.url.includes("/repositories"))).toBe(false);
    await user.click(screen.getByRole("button", { name: "Browse repositories" }));
    const repos = await screen.findByRole("list", { name: "Repositories in local" });
    expect(within(repos).getAllByRole("button").map((b) => b.textContent)).toEqual(["app", "library/busybox"]);
    await user.click(screen.getByRole("button", { name: "Load more repositories" }));
    await waitFor(() => expect(within(repos).getAllByRole("button").map((b) => b.textContent)).toEqual(["app", "library/busybox", "zeta"]));
    expect(screen.queryByRole("button", { name: "Load more repositories" })).toBeNull();

    await user.click(within(repos).getByRole("button", { name: "library/busybox" }));
    expect(within(repos).getByRole("button", { name: "library/busybox" }).getAttribute("aria-pressed")).toBe("true");
    const tags = await screen.findByRole("list", { name: "Tags of library/busybox" });
    expect(within(tags).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["1.36", "latest"]);
  });

  it("shows an empty catalog and a catalog's problem", async () => {
    const user = userEvent.setup();
    let asked = 0;
    renderPage(
      <RegistriesPage section="view" id="r-1" />,
      server((call) => {
        if (!call.url.startsWith(`${ONE}/repositories`)) return undefined;
        asked += 1;
        return asked === 1 ? json(200, { items: [], next_cursor: null }) : problem(502, "registry_unreachable", "No answer from 127.0.0.1:5000.");
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Browse repositories" }));
    expect(await screen.findByText("The registry lists no repositories.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Reload repositories" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not list the repositories: No answer from 127.0.0.1:5000.");
    expect(alert.textContent).toContain("registry_unreachable");
  });

  it("edits the name, login and plain HTTP, sending only what changed", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <RegistriesPage section="view" id="r-1" />,
      server((call) => (call.method === "PATCH" && call.url === ONE ? json(200, { ...LOCAL, name: "local2", has_password: false, insecure: false }) : undefined)),
    );
    await screen.findByRole("heading", { name: "Registry local", level: 1 });
    await user.click(screen.getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit local" });
    const name = within(dialog).getByLabelText("Name");
    await user.clear(name);
    await user.type(name, "local2");
    await user.click(within(dialog).getByLabelText("Remove the stored password"));
    expect((within(dialog).getByLabelText("Password") as HTMLInputElement).disabled).toBe(true);
    await user.click(within(dialog).getByLabelText("Plain HTTP (no TLS)"));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved local2.")).toBeTruthy();
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ name: "local2", password: null, insecure: false });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("deletes after a confirmation and goes back to the list", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <RegistriesPage section="view" id="r-1" />,
      server((call) => (call.method === "DELETE" && call.url === ONE ? noContent() : undefined)),
    );
    await screen.findByRole("heading", { name: "Registry local", level: 1 });
    await user.click(within(screen.getByRole("group", { name: "Actions for local" })).getByRole("button", { name: "Delete" }));
    const confirm = screen.getByRole("dialog", { name: "Delete the registry local?" });
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(window.location.hash).toBe("#/registries?removed=local"));
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([ONE]);
  });

  it("hides edit and delete from a member who may not manage it, and says when it is not there", async () => {
    renderPage(<RegistriesPage section="view" id="r-1" />, server(), { permissions: VIEWER });
    await screen.findByRole("heading", { name: "Registry local", level: 1 });
    expect(screen.getByRole("button", { name: "Test connection" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    cleanup();
    renderPage(<RegistriesPage section="view" id="r-9" />, server());
    expect(await screen.findByText(/There is no registry with this id among yours/)).toBeTruthy();
  });
});
