import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem } from "../../test/fakeFetch";
import { LOCAL_ENV } from "../../test/renderPage";
import { resetPage } from "../../test/resourcePages";
import { BASE, MANAGER, NOT_MANAGER, renderSwarm, service, swarmServer } from "./swarmTesting";

const OTHER_ENV = { ...LOCAL_ENV, id: "edge", name: "edge", builtin: false };

describe("SwarmPage", () => {
  afterEach(resetPage);

  it("says an environment is not a Swarm manager instead of asking for its lists", async () => {
    const { calls } = renderSwarm("#/swarm/services?env=local", swarmServer({ status: NOT_MANAGER }));
    expect(await screen.findByRole("heading", { name: "This environment is not a Swarm manager" })).toBeTruthy();
    expect(screen.getByText(/not part of a Swarm/)).toBeTruthy();
    expect(screen.getByText("Swarm state: inactive")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Services");
    expect(screen.getByLabelText("Environment")).toBeTruthy();
    expect(calls.map((c) => c.url)).not.toContain(`${BASE}/services`);
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("says why for a worker and for a locked Swarm, on every section", async () => {
    renderSwarm("#/swarm/nodes?env=local", swarmServer({ status: { ...MANAGER, manager: false } }));
    expect(await screen.findByText(/worker node of a Swarm/)).toBeTruthy();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Nodes");
    resetPage();
    const { calls } = renderSwarm("#/swarm/secrets?env=local", swarmServer({ status: { ...MANAGER, manager: false, state: "locked" } }));
    expect(await screen.findByText(/Swarm is locked/)).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith("/secrets"))).toBe(false);
  });

  it("checks again, and follows the environment picked", async () => {
    const user = userEvent.setup();
    let status = NOT_MANAGER;
    const { calls } = renderSwarm(
      "#/swarm/services?env=local",
      swarmServer({ services: [service("s-1", "web")] }, (call) => {
        if (call.url === `${BASE}/swarm`) return json(200, status);
        if (call.url === "/api/v1/environments/edge/swarm") return json(200, MANAGER);
        if (call.url === "/api/v1/environments/edge/services") return json(200, { items: [service("s-9", "edge-web")] });
        return undefined;
      }),
      { environments: [LOCAL_ENV, OTHER_ENV] },
    );
    await screen.findByRole("heading", { name: "This environment is not a Swarm manager" });
    status = MANAGER;
    await user.click(screen.getByRole("button", { name: "Check again" }));
    expect(await screen.findByRole("rowheader", { name: "web" })).toBeTruthy();
    expect(calls.filter((c) => c.url === `${BASE}/swarm`)).toHaveLength(2);

    await user.selectOptions(screen.getByLabelText("Environment"), "edge");
    expect(await screen.findByRole("rowheader", { name: "edge-web" })).toBeTruthy();
    expect(window.location.hash).toBe("#/swarm/services?env=edge");
  });

  it("shows a failure to read the Swarm state with its code", async () => {
    renderSwarm("#/swarm/services?env=local", swarmServer({}, (call) => (call.url === `${BASE}/swarm` ? problem(503, "engine_unavailable", "The engine does not answer.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not read the environment's Swarm state: The engine does not answer.");
    expect(alert.textContent).toContain("engine_unavailable");
  });

  it("lists its sections, keeping the environment, and marks the current one", async () => {
    renderSwarm("#/swarm/nodes?env=local", swarmServer());
    const nav = screen.getByRole("navigation", { name: "Swarm" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Services", "Stacks", "Nodes", "Secrets & configs"]);
    await waitFor(() => expect(links[0]!.getAttribute("href")).toBe("#/swarm/services?env=local"));
    expect(links[2]!.getAttribute("aria-current")).toBe("page");
    expect(await screen.findByRole("heading", { name: "Nodes", level: 1 })).toBeTruthy();
  });

  it("opens Services at #/swarm, and says so at an unknown address", async () => {
    renderSwarm("#/swarm?env=local", swarmServer());
    expect(await screen.findByRole("heading", { name: "Services", level: 1 })).toBeTruthy();
    resetPage();
    renderSwarm("#/swarm/volumes?env=local", swarmServer());
    expect(screen.getByRole("heading", { name: "Page not found" })).toBeTruthy();
  });
});
