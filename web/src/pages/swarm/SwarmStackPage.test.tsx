import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage, rowOf } from "../../test/resourcePages";
import { POLL_MS } from "./ServiceDetailPage";
import { BASE, renderSwarm, service, stackEntry, stackService, swarmServer } from "./swarmTesting";

const SERVICES = [
  stackService("s-1", "shop", "web", { replicas: { desired: 2, running: 2 } }),
  stackService("s-2", "shop", "db", { replicas: { desired: 1, running: 1 } }),
  stackService("s-3", "blog", "web"),
  service("s-4", "shop_lookalike"),
];
const STACKS = [stackEntry("shop", { services: 2, running: 3, desired: 3 }), stackEntry("blog")];
const HASH = "#/swarm/stacks/view?env=local&id=shop";

describe("SwarmStackPage", () => {
  afterEach(() => {
    vi.useRealTimers();
    resetPage();
  });

  it("lists the stack's own services, by their label, each linking to its page", async () => {
    renderSwarm(HASH, swarmServer({ stacks: STACKS, services: SERVICES }));
    expect(await screen.findByRole("heading", { name: "Stack shop", level: 1 })).toBeTruthy();
    const table = await screen.findByRole("table", { name: "Services of shop" });
    expect(within(table).getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["shop_db", "shop_web"]);
    expect(within(rowOf("shop_web")).getByRole("link", { name: "shop_web" }).getAttribute("href")).toBe("#/swarm/services/view?env=local&id=s-1");
    expect(within(rowOf("shop_web")).getByText("2/2")).toBeTruthy();
    expect(screen.getByText("3/3")).toBeTruthy();
    await waitFor(() => expect(screen.getByText(/· team Alpha/)).toBeTruthy());
    const actions = screen.getByRole("group", { name: "Actions for shop" });
    expect(within(actions).getByRole("link", { name: "Update" }).getAttribute("href")).toBe("#/swarm/stacks/update?env=local&id=shop");
    expect(screen.getByRole("link", { name: "All stacks" }).getAttribute("href")).toBe("#/swarm/stacks?env=local");
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("removes the stack after a confirmation, keeping the dialog with the server's refusal", async () => {
    const user = userEvent.setup();
    let removes = 0;
    const { calls } = renderSwarm(
      HASH,
      swarmServer({ stacks: STACKS, services: SERVICES }, (call) => {
        if (call.method !== "DELETE") return undefined;
        removes += 1;
        return removes === 1 ? problem(409, "not_swarm_manager", "The engine is no longer a Swarm manager.") : noContent();
      }),
    );
    await screen.findByRole("table", { name: "Services of shop" });
    await user.click(within(screen.getByRole("group", { name: "Actions for shop" })).getByRole("button", { name: "Remove" }));
    const dialog = screen.getByRole("dialog", { name: "Remove the stack shop?" });
    expect(dialog.textContent).toContain("Every service of shop (2) is removed");
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);

    await user.click(within(screen.getByRole("group", { name: "Actions for shop" })).getByRole("button", { name: "Remove" }));
    const again = screen.getByRole("dialog", { name: "Remove the stack shop?" });
    await user.click(within(again).getByRole("button", { name: "Remove" }));
    const alert = await within(again).findByRole("alert");
    expect(alert.textContent).toContain("Could not remove the stack: The engine is no longer a Swarm manager.");
    expect(alert.textContent).toContain("not_swarm_manager");
    await user.click(within(again).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(window.location.hash).toBe("#/swarm/stacks?env=local&removed=shop"));
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`${BASE}/swarm/stacks/shop`, `${BASE}/swarm/stacks/shop`]);
    expect(await screen.findByText("Removed the stack shop.")).toBeTruthy();
  });

  it("follows the stack while its tasks come up, and stops once they run", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let running = 0;
    const { calls } = renderSwarm(
      `${HASH}&done=deployed`,
      swarmServer({ stacks: STACKS }, (call) =>
        call.method === "GET" && call.url === `${BASE}/services`
          ? json(200, { items: [stackService("s-1", "shop", "web", { replicas: { desired: 1, running } })] })
          : undefined,
      ),
    );
    expect(await screen.findByText(/Deployed the stack shop\./)).toBeTruthy();
    expect((await screen.findByText(/0 of 1 tasks running\. Following the stack/)).getAttribute("role")).toBe("status");
    running = 1;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS + 100);
    });
    await waitFor(() => expect(screen.queryByText(/Following the stack/)).toBeNull());
    const reads = calls.filter((c) => c.url === `${BASE}/services`).length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    });
    expect(calls.filter((c) => c.url === `${BASE}/services`)).toHaveLength(reads);
    await userEvent.setup({ advanceTimers: vi.advanceTimersByTime }).click(screen.getByRole("button", { name: "Dismiss" }));
    expect(window.location.hash).toBe(HASH);
  });

  it("says so for a stack that is gone, and hides Update and Remove from a viewer", async () => {
    renderSwarm("#/swarm/stacks/view?env=local&id=gone", swarmServer({ stacks: STACKS, services: SERVICES }));
    expect((await screen.findByRole("alert")).textContent).toContain("There is no such stack in this environment");
    expect(screen.queryByRole("table")).toBeNull();
    resetPage();
    renderSwarm(HASH, swarmServer({ stacks: STACKS, services: SERVICES }), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByRole("table", { name: "Services of shop" });
    const actions = screen.getByRole("group", { name: "Actions for shop" });
    expect(within(actions).queryByRole("link", { name: "Update" })).toBeNull();
    expect(within(actions).queryByRole("button", { name: "Remove" })).toBeNull();
    expect(within(actions).getByRole("button", { name: "Refresh" })).toBeTruthy();
  });
});
