import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage, rowOf } from "../../test/resourcePages";
import { BASE, node, renderSwarm, swarmServer } from "./swarmTesting";

const NODES = [
  node("node-2", "worker-1"),
  node("node-1", "manager-1", { role: "manager", leader: true, address: "10.0.0.1" }),
  node("node-3", "worker-2", { availability: "drain", state: "down", engine_version: "" }),
];
const HASH = "#/swarm/nodes?env=local";

describe("NodesSection", () => {
  afterEach(resetPage);

  it("lists the nodes, the leader first, with role, state, availability, engine and address", async () => {
    renderSwarm(HASH, swarmServer({ nodes: NODES }));
    await screen.findByRole("rowheader", { name: /manager-1/ });
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["manager-1this environment's engine", "worker-1", "worker-2"]);
    const manager = screen.getByRole("rowheader", { name: /^manager-1/ }).closest("tr")!;
    expect(within(manager).getByText("leader").className).toContain("leader-badge");
    expect(within(manager).getByText("ready").className).toContain("state-ready");
    expect(within(manager).getByText("27.3.1")).toBeTruthy();
    expect(within(manager).getByText("10.0.0.1")).toBeTruthy();
    const down = rowOf("worker-2");
    expect(within(down).getByText("down").className).toContain("state-down");
    expect(within(down).getByText("drain").className).toContain("availability-drain");
    expect(within(down).getByText("—")).toBeTruthy();
  });

  it("gives platform admins Drain, Pause and Activate, other than the node's own availability", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      HASH,
      swarmServer({ nodes: NODES }, (call) => (call.method === "PUT" ? json(200, { ...NODES[0], availability: (call.body as { availability: string }).availability }) : undefined)),
    );
    await screen.findByRole("rowheader", { name: "worker-1" });
    const actions = within(rowOf("worker-1")).getByRole("group", { name: "Actions for worker-1" });
    expect(within(actions).getAllByRole("button").map((b) => b.textContent)).toEqual(["Pause", "Drain"]);
    expect(within(within(rowOf("worker-2")).getByRole("group")).getAllByRole("button").map((b) => b.textContent)).toEqual(["Activate", "Pause"]);

    await user.click(within(actions).getByRole("button", { name: "Pause" }));
    expect(await screen.findByText("worker-1 is paused: it keeps its tasks and takes no new ones.")).toBeTruthy();

    // Draining is asked first.
    await user.click(within(rowOf("worker-1")).getByRole("button", { name: "Drain" }));
    const dialog = screen.getByRole("dialog", { name: "Drain worker-1?" });
    expect(calls.filter((c) => c.method === "PUT")).toHaveLength(1);
    await user.click(within(dialog).getByRole("button", { name: "Drain" }));
    expect(await screen.findByText("worker-1 is draining: its tasks move to other nodes.")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    const puts = calls.filter((c) => c.method === "PUT");
    expect(puts.map((c) => c.url)).toEqual([`${BASE}/swarm/nodes/node-2/availability`, `${BASE}/swarm/nodes/node-2/availability`]);
    expect(puts.map((c) => c.body)).toEqual([{ availability: "pause" }, { availability: "drain" }]);
  });

  it("shows a refused change with its detail and code", async () => {
    const user = userEvent.setup();
    renderSwarm(HASH, swarmServer({ nodes: NODES }, (call) => (call.method === "PUT" ? problem(409, "node_last_manager", "The last manager cannot be drained.") : undefined)));
    await screen.findByRole("rowheader", { name: "worker-1" });
    await user.click(within(rowOf("worker-2")).getByRole("button", { name: "Activate" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not change the node's availability: The last manager cannot be drained.");
    expect(alert.textContent).toContain("node_last_manager");
  });

  it("gives the actions to a platform role holding environments:manage too", async () => {
    renderSwarm(HASH, swarmServer({ nodes: NODES }), {
      permissions: { is_admin: false, platform: ["environments:manage"], teams: {}, organizations: {}, environments: {} },
    });
    await screen.findByRole("rowheader", { name: "worker-1" });
    expect(within(rowOf("worker-1")).getByRole("button", { name: "Drain" })).toBeTruthy();
  });

  it("shows others the nodes without any action", async () => {
    renderSwarm(HASH, swarmServer({ nodes: NODES }), { permissions: memberPermissions(["containers:read", "containers:create", "team:manage"]) });
    await screen.findByRole("rowheader", { name: "worker-1" });
    expect(screen.queryByRole("columnheader", { name: "Actions" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Drain" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Pause" })).toBeNull();
    await waitFor(() => expect(screen.queryByRole("status")).toBeNull());
  });
});
