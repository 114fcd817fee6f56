import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { HOSTILE, resetPage, rowOf } from "../../test/resourcePages";
import { BASE, renderSwarm, stackEntry, swarmServer } from "./swarmTesting";

const STACKS = [
  stackEntry("shop", { services: 3, running: 2, desired: 4 }),
  stackEntry("agents", { team: null, services: 1, running: 2, desired: 2 }),
  stackEntry("blog", { team: "team-b" }),
];
const HASH = "#/swarm/stacks?env=local";

describe("StacksSection", () => {
  afterEach(resetPage);

  it("lists the stacks with team, services and tasks, each linking to its page", async () => {
    const { calls } = renderSwarm(HASH, swarmServer({ stacks: STACKS }));
    expect(await screen.findByRole("heading", { name: "Stacks", level: 1 })).toBeTruthy();
    await screen.findByRole("rowheader", { name: "shop" });
    expect(screen.getByRole("table", { name: "Stacks in local" })).toBeTruthy();
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["agents", "blog", "shop"]);
    const shop = rowOf("shop");
    expect(within(shop).getByText("3")).toBeTruthy();
    const tasks = within(shop).getByText("2/4");
    expect(tasks.className).toContain("replicas-short");
    expect(tasks.getAttribute("title")).toBe("2 running of 4 wanted");
    await waitFor(() => expect(within(rowOf("shop")).getByText("Alpha")).toBeTruthy());
    expect(within(rowOf("blog")).getByText("Beta")).toBeTruthy();
    expect(within(rowOf("agents")).getByText("2/2").className).not.toContain("replicas-short");
    expect(within(rowOf("agents")).getByText("—")).toBeTruthy();
    expect(within(shop).getByRole("link", { name: "shop" }).getAttribute("href")).toBe("#/swarm/stacks/view?env=local&id=shop");
    expect(screen.getByRole("link", { name: "Deploy stack" }).getAttribute("href")).toBe("#/swarm/stacks/new?env=local");
    expect(calls.some((c) => c.url === `${BASE}/swarm/stacks`)).toBe(true);
    const nav = screen.getByRole("navigation", { name: "Swarm" });
    expect(within(nav).getByRole("link", { name: "Stacks" }).getAttribute("aria-current")).toBe("page");
  });

  it("filters by name and team, and shows a hostile name as text", async () => {
    const user = userEvent.setup();
    const odd = HOSTILE.replace(/[^a-z]/g, "x");
    const { container } = renderSwarm(HASH, swarmServer({ stacks: [...STACKS, stackEntry(odd)] }));
    await screen.findByRole("rowheader", { name: "shop" });
    expect(container.querySelector("img")).toBeNull();
    await waitFor(() => expect(within(rowOf("blog")).getByText("Beta")).toBeTruthy());
    await user.type(screen.getByLabelText("Filter"), "beta");
    expect(screen.getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["blog"]);
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "nothing like it");
    expect(screen.getByText("No stack matches.")).toBeTruthy();
  });

  it("hides Deploy stack from a viewer", async () => {
    renderSwarm(HASH, swarmServer({ stacks: STACKS }), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByRole("rowheader", { name: "shop" });
    expect(screen.queryByRole("link", { name: "Deploy stack" })).toBeNull();
  });

  it("shows a load failure with its detail and code, an empty list as such, and a removal's outcome", async () => {
    renderSwarm(
      HASH,
      swarmServer({}, (call) => (call.url === `${BASE}/swarm/stacks` ? problem(409, "not_swarm_manager", "The engine is no longer a Swarm manager.") : undefined)),
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load the stacks: The engine is no longer a Swarm manager.");
    expect(alert.textContent).toContain("not_swarm_manager");
    resetPage();
    renderSwarm(`${HASH}&removed=shop`, swarmServer({ stacks: [] }));
    expect(await screen.findByText("No stacks in this environment.")).toBeTruthy();
    expect(screen.getByText("Removed the stack shop.")).toBeTruthy();
    await userEvent.setup().click(screen.getByRole("button", { name: "Dismiss" }));
    expect(window.location.hash).toBe(HASH);
  });
});
