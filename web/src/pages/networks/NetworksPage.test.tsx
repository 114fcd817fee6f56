import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import { FakeWebSocket, installFakeWebSocket } from "../../test/fakeWebSocket";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import NetworksPage from "./NetworksPage";
import { HOSTILE } from "../../test/resourcePages";

const id = (c: string) => c.repeat(64);
const NETWORKS = [
  { Name: "bridge", Id: id("1"), Driver: "bridge", Scope: "local", IPAM: { Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }] }, Internal: false, Containers: {}, Labels: {} },
  { Name: "host", Id: id("2"), Driver: "host", Scope: "local", IPAM: { Config: [] }, Internal: false, Containers: {}, Labels: {} },
  { Name: "none", Id: id("3"), Driver: "null", Scope: "local", IPAM: { Config: null }, Internal: false, Labels: null },
  {
    Name: "web-net",
    Id: id("4"),
    Driver: "bridge",
    Scope: "local",
    IPAM: { Config: [{ Subnet: "10.10.0.0/24", Gateway: "10.10.0.1" }] },
    Internal: true,
    Containers: { [id("a")]: { Name: "web-1", IPv4Address: "10.10.0.2/24" }, [id("b")]: { Name: "web-2", IPv4Address: "10.10.0.3/24" } },
    Labels: { "io.dokkerr.team": "team-a" },
  },
  { Name: HOSTILE, Id: id("5"), Driver: "bridge", Scope: "local", IPAM: { Config: [] }, Internal: false, Containers: {}, Labels: { "io.dokkerr.team": "team-b" } },
];
const TEAMS = [
  { id: "team-a", name: "Alpha", org_id: "o-1" },
  { id: "team-b", name: "Beta", org_id: "o-1" },
];

const LIST = "/api/v1/environments/local/networks";
const VIEWER = memberPermissions(["images:read", "networks:read", "volumes:read"]);
const DEVELOPER = memberPermissions(["networks:read", "networks:create", "networks:delete", "events:read"]);

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: NETWORKS, next_cursor: null });
    if (call.method === "GET" && call.url === "/api/v1/teams") return json(200, { items: TEAMS, next_cursor: null });
    if (call.url === "/api/v1/auth/ws-ticket") return problem(403, "forbidden", "No events here.");
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const listCalls = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url === LIST).length;
const rowOf = (name: string) => screen.getByText(name, { selector: "span" }).closest("tr")!;

async function openCreate(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Create network" }));
  return screen.findByRole("dialog");
}

describe("NetworksPage", () => {
  beforeEach(() => {
    window.location.hash = "#/networks";
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("lists networks with driver, subnet, internal, team names and attached containers; filters by team name", async () => {
    const user = userEvent.setup();
    renderPage(<NetworksPage env="" />, server());
    await screen.findByText("web-net");
    await waitFor(() => expect(within(rowOf("web-net")).getByText("Alpha")).toBeTruthy());
    const row = rowOf("web-net");
    expect(within(row).getByText("10.10.0.0/24 via 10.10.0.1")).toBeTruthy();
    expect(within(row).getByText("yes")).toBeTruthy();
    expect(within(row).getByText("2")).toBeTruthy();
    expect(within(rowOf(HOSTILE)).getByText("Beta")).toBeTruthy();
    // No team, and no count: the container list could not be read and the engine's list has none.
    expect(within(rowOf("bridge")).getAllByText("—")).toHaveLength(2);

    await user.type(screen.getByLabelText("Filter"), "beta");
    expect(screen.queryByText("web-net")).toBeNull();
    expect(screen.getByText(HOSTILE)).toBeTruthy();
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "10.10.");
    expect(screen.getByText("web-net")).toBeTruthy();
    expect(screen.queryByText("bridge", { selector: "span" })).toBeNull();
  });

  it("counts attached containers from the container list, which the engine's network list leaves out", async () => {
    const containers = "/api/v1/environments/local/containers?all=1&limit=1000&fields=Id%2CImageID%2CNetworkSettings";
    const net = (networkId: string) => ({ NetworkID: networkId });
    renderPage(
      <NetworksPage env="" />,
      server((call) =>
        call.url === containers
          ? json(200, {
              items: [
                { Id: "c1", NetworkSettings: { Networks: { bridge: net(id("1")), [HOSTILE]: net(id("5")) } } },
                { Id: "c2", NetworkSettings: { Networks: { bridge: net(id("1")) } } },
                { Id: "c3", NetworkSettings: { Networks: { host: net(id("2")) } } },
              ],
              next_cursor: null,
            })
          : undefined,
      ),
    );
    await screen.findByText("web-net");
    await waitFor(() => expect(within(rowOf("bridge")).getByText("2")).toBeTruthy());
    expect(within(rowOf("host")).getByText("1")).toBeTruthy();
    expect(within(rowOf(HOSTILE)).getByText("1")).toBeTruthy();
    expect(within(rowOf("web-net")).getByText("0")).toBeTruthy();
  });

  it("offers no remove button for the engine's built-in networks", async () => {
    renderPage(<NetworksPage env="" />, server());
    await screen.findByText("web-net");
    for (const name of ["bridge", "host", "none"]) {
      expect(within(rowOf(name)).queryByRole("button", { name: "Remove" })).toBeNull();
      expect(within(rowOf(name)).getByRole("button", { name: "Details" })).toBeTruthy();
    }
    expect(within(rowOf("web-net")).getByRole("button", { name: "Remove" })).toBeTruthy();
  });

  it("renders a hostile network name as text", async () => {
    const { container } = renderPage(<NetworksPage env="" />, server());
    const cell = await screen.findByText(HOSTILE);
    expect(cell.textContent).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    expect(container.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("hides create and remove from a viewer", async () => {
    renderPage(<NetworksPage env="" />, server(), { permissions: VIEWER });
    await screen.findByText("web-net");
    expect(screen.queryByRole("button", { name: "Create network" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
    expect(screen.getAllByRole("button", { name: "Details" }).length).toBe(NETWORKS.length);
  });

  it("shows a load failure with its code", async () => {
    renderPage(<NetworksPage env="" />, server((call) => (call.url === LIST ? problem(502, "engine_error", "The engine said no.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The engine said no.");
    expect(alert.textContent).toContain("engine_error");
  });

  it("creates a network as an admin with the engine's create body and the team in the query", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <NetworksPage env="" />,
      server((call) => (call.method === "POST" && call.url.startsWith(LIST) ? json(201, { Id: id("9"), Warning: "" }) : undefined)),
    );
    await screen.findByText("web-net");
    const dialog = await openCreate(user);
    await user.type(within(dialog).getByLabelText("Name"), "backend");
    await user.selectOptions(within(dialog).getByLabelText("Driver"), "overlay");
    await user.type(within(dialog).getByLabelText("Subnet"), "172.30.0.0/16");
    await user.type(within(dialog).getByLabelText("Gateway"), "172.30.0.1");
    await user.click(within(dialog).getByLabelText(/Internal/));
    await user.click(within(dialog).getByLabelText("Attachable"));
    await user.type(within(dialog).getByLabelText("Labels"), "com.example.tier=back{Enter}owner = ops");
    const team = within(dialog).getByLabelText("Team") as HTMLSelectElement;
    expect([...team.options].map((o) => o.textContent)).toEqual(["No team (admins only)", "Alpha", "Beta"]);
    await user.selectOptions(team, "team-a");
    const before = listCalls(calls);
    await user.click(within(dialog).getByRole("button", { name: "Create" }));

    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.url.startsWith(LIST))).toBe(true));
    const create = calls.find((c) => c.method === "POST" && c.url.startsWith(LIST))!;
    expect(create.url).toBe(`${LIST}?team=team-a`);
    expect(create.body).toEqual({
      Name: "backend",
      Driver: "overlay",
      Internal: true,
      Attachable: true,
      IPAM: { Config: [{ Subnet: "172.30.0.0/16", Gateway: "172.30.0.1" }] },
      Labels: { "com.example.tier": "back", owner: "ops" },
    });
    expect(await screen.findByText("Created the network backend.")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1));
  });

  it("lets a member create only bridge networks for their own teams; an empty subnet leaves IPAM to the engine", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <NetworksPage env="" />,
      server((call) => {
        if (call.method === "POST" && call.url.startsWith(LIST)) return json(201, { Id: id("9"), Warning: "" });
        if (call.url === "/api/v1/teams") return json(200, { items: [TEAMS[0]], next_cursor: null });
        return undefined;
      }),
      { permissions: DEVELOPER },
    );
    await screen.findByText("web-net");
    const dialog = await openCreate(user);
    const driver = within(dialog).getByLabelText("Driver") as HTMLSelectElement;
    expect(driver.disabled).toBe(true);
    expect([...driver.options].map((o) => o.value)).toEqual(["bridge"]);
    const team = within(dialog).getByLabelText("Team") as HTMLSelectElement;
    expect([...team.options].map((o) => o.textContent)).toEqual(["Alpha"]);
    await user.type(within(dialog).getByLabelText("Name"), "my-net");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.url.startsWith(LIST))).toBe(true));
    const create = calls.find((c) => c.method === "POST" && c.url.startsWith(LIST))!;
    expect(create.url).toBe(`${LIST}?team=team-a`);
    expect(create.body).toEqual({ Name: "my-net", Driver: "bridge", Internal: false, Attachable: false, Labels: {} });
  });

  it("refuses reserved labels, a malformed subnet and a gateway outside the subnet in the form", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<NetworksPage env="" />, server());
    await screen.findByText("web-net");
    const dialog = await openCreate(user);
    await user.type(within(dialog).getByLabelText("Name"), "n1");
    await user.type(within(dialog).getByLabelText("Labels"), "IO.Dokkerr.team=team-b");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("reserved for Dokkerr");

    await user.clear(within(dialog).getByLabelText("Labels"));
    await user.type(within(dialog).getByLabelText("Subnet"), "10.0.0.0");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("CIDR");

    await user.clear(within(dialog).getByLabelText("Subnet"));
    await user.type(within(dialog).getByLabelText("Subnet"), "10.0.0.0/33");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("prefix length");

    await user.clear(within(dialog).getByLabelText("Subnet"));
    await user.type(within(dialog).getByLabelText("Subnet"), "10.0.0.0/24");
    await user.type(within(dialog).getByLabelText("Gateway"), "10.0.1.1");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("inside the subnet");

    expect(calls.some((c) => c.method === "POST" && c.url.startsWith(LIST))).toBe(false);
  });

  it("shows a 409 network_conflict with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <NetworksPage env="" />,
      server((call) =>
        call.method === "POST" && call.url.startsWith(LIST) ? problem(409, "network_conflict", "A network named web-net exists.") : undefined,
      ),
    );
    await screen.findByText("web-net");
    const dialog = await openCreate(user);
    await user.type(within(dialog).getByLabelText("Name"), "web-net");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("A network named web-net exists.");
    expect(alert.textContent).toContain("network_conflict");
  });

  it("removes after confirmation, and shows a refusal with its code", async () => {
    const user = userEvent.setup();
    let refuse = true;
    const { calls } = renderPage(
      <NetworksPage env="" />,
      server((call) => {
        if (call.method !== "DELETE") return undefined;
        return refuse ? problem(409, "network_conflict", "The network has active endpoints.") : noContent();
      }),
    );
    await screen.findByText("web-net");
    await user.click(within(rowOf("web-net")).getByRole("button", { name: "Remove" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The network has active endpoints.");
    expect(alert.textContent).toContain("network_conflict");

    refuse = false;
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(await screen.findByText("Removed the network web-net.")).toBeTruthy();
    const deletes = calls.filter((c) => c.method === "DELETE");
    expect(deletes.map((c) => c.url)).toEqual([`${LIST}/${id("4")}`, `${LIST}/${id("4")}`]);
  });

  it("shows the details: connected containers with their addresses, and labels as text", async () => {
    const user = userEvent.setup();
    renderPage(
      <NetworksPage env="" />,
      server((call) =>
        call.url === `${LIST}/${id("4")}`
          ? json(200, { ...NETWORKS[3], Labels: { "io.dokkerr.team": "team-a", note: HOSTILE }, Attachable: true })
          : undefined,
      ),
    );
    await screen.findByText("web-net");
    await user.click(within(rowOf("web-net")).getByRole("button", { name: "Details" }));
    const dialog = await screen.findByRole("dialog");
    const web1 = await within(dialog).findByText("web-1");
    expect(web1.closest("tr")!.textContent).toContain("10.10.0.2/24");
    expect(within(dialog).getByText("web-2")).toBeTruthy();
    expect(within(dialog).getByText(HOSTILE)).toBeTruthy();
    expect(within(dialog).getByText("Alpha")).toBeTruthy();
    expect(document.querySelector("img")).toBeNull();
  });

  it("reloads on network events from a member's stream, without ?team= when they have one team", async () => {
    installFakeWebSocket();
    const sockets = FakeWebSocket.instances;
    const { calls } = renderPage(
      <NetworksPage env="" />,
      server((call) => (call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t-1", path: call.url, expires_in: 30 }) : undefined)),
      { permissions: DEVELOPER },
    );
    await screen.findByText("web-net");
    await waitFor(() => expect(sockets.length).toBe(1));
    // One team: the server picks it, no ?team= needed.
    expect(sockets[0]!.url).toContain("/api/v1/environments/local/events?type=network&ticket=t-1");
    const before = listCalls(calls);
    act(() => {
      sockets[0]!.open();
      sockets[0]!.json({ Type: "network", Action: "create" });
      sockets[0]!.json({ Type: "network", Action: "connect" });
    });
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1), { timeout: 2500 });
  });

  it("opens one event stream per team for a member of several teams", async () => {
    installFakeWebSocket();
    const sockets = FakeWebSocket.instances;
    const permissions = {
      is_admin: false,
      platform: [],
      teams: { "team-a": ["networks:read", "events:read"], "team-b": ["networks:read", "events:read"] },
      organizations: {},
      environments: { local: ["team-a", "team-b"] },
    };
    renderPage(
      <NetworksPage env="" />,
      server((call) => (call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t", path: call.url, expires_in: 30 }) : undefined)),
      { permissions },
    );
    await waitFor(() => expect(sockets.length).toBe(2));
    expect(sockets.map((s) => new URL(s.url).searchParams.get("team")).sort()).toEqual(["team-a", "team-b"]);
  });
});
