import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { HOSTILE, resetPage, rowOf } from "../../test/resourcePages";
import { BASE, renderSwarm, service, spec, stackService, swarmServer } from "./swarmTesting";

const SERVICES = [
  service("s-1", "web", {
    replicas: { desired: 3, running: 1 },
    update_status: { state: "updating", message: "update in progress" },
  }),
  service("s-2", "agent", {
    spec: spec("agent", { image: "monitor/agent:2", mode: "global", replicas: undefined, ports: [] }),
    mode: "global",
    replicas: { desired: 2, running: 2 },
    ports: [],
    team: null,
    update_status: { state: "rollback_paused", message: "update paused" },
  }),
  service("s-3", HOSTILE.replace(/[^a-z]/g, "x"), { image: HOSTILE }),
];
const VIEWER = memberPermissions(["containers:read"]);

describe("ServicesSection", () => {
  afterEach(resetPage);

  it("lists the services with image, mode, tasks, ports, rollout and team, each linking to its page", async () => {
    renderSwarm("#/swarm/services?env=local", swarmServer({ services: SERVICES }));
    await screen.findByRole("rowheader", { name: "web" });
    expect(screen.getByText(/Swarm active · 2 nodes, 1 manager/)).toBeTruthy();
    const web = rowOf("web");
    expect(within(web).getByText("nginx:1.27")).toBeTruthy();
    expect(within(web).getByText("replicated")).toBeTruthy();
    const replicas = within(web).getByText("1/3");
    expect(replicas.className).toContain("replicas-short");
    expect(replicas.getAttribute("title")).toBe("1 running of 3 wanted");
    expect(within(web).getByText("8080->80/tcp")).toBeTruthy();
    const badge = within(web).getByText("updating");
    expect(badge.className).toContain("rollout-busy");
    expect(badge.getAttribute("title")).toBe("update in progress");
    await waitFor(() => expect(within(rowOf("web")).getByText("Alpha")).toBeTruthy());
    expect(within(web).getByRole("link", { name: "web" }).getAttribute("href")).toBe("#/swarm/services/view?env=local&id=s-1");

    const agent = rowOf("agent");
    expect(within(agent).getByText("global")).toBeTruthy();
    expect(within(agent).getByText("2/2").className).not.toContain("replicas-short");
    expect(within(agent).getByText("rollback paused").className).toContain("rollout-stuck");
    expect(within(agent).getAllByText("—")).toHaveLength(2);
    expect(screen.getByRole("link", { name: "New service" }).getAttribute("href")).toBe("#/swarm/services/new?env=local");
  });

  it("renders a hostile image as text, and filters", async () => {
    const user = userEvent.setup();
    const { container } = renderSwarm("#/swarm/services?env=local", swarmServer({ services: SERVICES }));
    await screen.findByRole("rowheader", { name: "web" });
    expect(screen.getByText(HOSTILE)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "monitor/");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["agent"]);
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "8080");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["web", HOSTILE.replace(/[^a-z]/g, "x")]);
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "nothing like it");
    expect(screen.getByText("No service matches.")).toBeTruthy();
  });

  it("marks a stack's services with the stack's name, linking to it, and filters by it", async () => {
    const user = userEvent.setup();
    renderSwarm("#/swarm/services?env=local", swarmServer({ services: [...SERVICES, stackService("s-9", "shop", "db")] }));
    const row = (await screen.findByRole("link", { name: "shop_db" })).closest("tr")!;
    const badge = within(row).getByRole("link", { name: "stack shop" });
    expect(badge.className).toContain("stack-badge");
    expect(badge.getAttribute("href")).toBe("#/swarm/stacks/view?env=local&id=shop");
    expect(badge.getAttribute("title")).toBe("Deployed with the stack shop");
    expect(within(rowOf("web")).queryByRole("link", { name: /^stack / })).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "shop");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["shop_dbstack shop"]);
  });

  it("hides New service from a viewer", async () => {
    renderSwarm("#/swarm/services?env=local", swarmServer({ services: SERVICES }), { permissions: VIEWER });
    await screen.findByRole("rowheader", { name: "web" });
    expect(screen.queryByRole("link", { name: "New service" })).toBeNull();
  });

  it("shows a load failure with its detail and code, an empty list as such, and a removal's outcome", async () => {
    renderSwarm(
      "#/swarm/services?env=local",
      swarmServer({}, (call) => (call.url === `${BASE}/services` ? problem(409, "not_swarm_manager", "The engine is no longer a Swarm manager.") : undefined)),
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load the services: The engine is no longer a Swarm manager.");
    expect(alert.textContent).toContain("not_swarm_manager");
    resetPage();
    renderSwarm("#/swarm/services?env=local&removed=web", swarmServer({}, (call) => (call.url === `${BASE}/services` ? json(200, { items: [] }) : undefined)));
    expect(await screen.findByText("No services in this environment.")).toBeTruthy();
    expect(screen.getByText("Removed the service web.")).toBeTruthy();
    await userEvent.setup().click(screen.getByRole("button", { name: "Dismiss" }));
    expect(window.location.hash).toBe("#/swarm/services?env=local");
  });
});
