import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage } from "../../test/resourcePages";
import { BASE, file, renderSwarm, service, swarmServer } from "./swarmTesting";

const SECRETS = [file("sec-1", "db-password"), file("sec-2", "tls-key")];
const CONFIGS = [file("cfg-1", "nginx-conf")];
const DEVELOPER = memberPermissions(["containers:read", "containers:create"], "team-b");

describe("CreateServicePage", () => {
  afterEach(resetPage);

  it("posts the spec as written, for the team chosen, and opens the new service's page", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      "#/swarm/services/new?env=local",
      swarmServer({ secrets: SECRETS, configs: CONFIGS, services: [service("s-new", "web")] }, (call) =>
        call.method === "POST" && call.url.startsWith(`${BASE}/services`) ? json(201, service("s-new", "web")) : undefined,
      ),
    );
    await screen.findByRole("heading", { name: "New service", level: 1 });
    await user.type(screen.getByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Image"), "nginx:1.27");
    await user.type(screen.getByLabelText("Command"), "sleep 600");
    const team = screen.getByLabelText("Team") as HTMLSelectElement;
    await within(team).findByRole("option", { name: "Alpha" });
    await user.selectOptions(team, "Alpha");
    await user.clear(screen.getByLabelText("Replicas"));
    await user.type(screen.getByLabelText("Replicas"), "2");
    await user.type(screen.getByLabelText("Placement constraints"), "node.role==worker");
    await user.type(screen.getByLabelText("Environment variables"), "LOG_LEVEL=debug{Enter}GREETING=hello world");
    await user.type(screen.getByLabelText("Published ports"), "8080:80{Enter}53:53/udp");
    await user.click(await screen.findByRole("checkbox", { name: "db-password" }));
    await user.click(await screen.findByRole("checkbox", { name: "nginx-conf" }));
    await user.clear(screen.getByLabelText("Parallelism"));
    await user.type(screen.getByLabelText("Parallelism"), "2");
    await user.clear(screen.getByLabelText("Delay (seconds)"));
    await user.type(screen.getByLabelText("Delay (seconds)"), "10");
    await user.selectOptions(screen.getByLabelText("Order"), "start-first");
    await user.selectOptions(screen.getByLabelText("On failure"), "rollback");
    await user.click(screen.getByRole("button", { name: "Create service" }));

    await waitFor(() => expect(window.location.hash).toBe("#/swarm/services/view?env=local&id=s-new"));
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts.map((c) => c.url)).toEqual([`${BASE}/services?team=team-a`]);
    expect(posts[0]!.body).toEqual({
      name: "web",
      image: "nginx:1.27",
      command: ["sleep", "600"],
      mode: "replicated",
      replicas: 2,
      env: { LOG_LEVEL: "debug", GREETING: "hello world" },
      ports: [
        { target: 80, published: 8080, protocol: "tcp" },
        { target: 53, published: 53, protocol: "udp" },
      ],
      constraints: ["node.role==worker"],
      secrets: [{ name: "db-password" }],
      configs: [{ name: "nginx-conf" }],
      update: { parallelism: 2, delay_seconds: 10, order: "start-first", failure_action: "rollback" },
    });
    expect(await screen.findByRole("heading", { name: "Service web", level: 1 })).toBeTruthy();
  });

  it("makes a global service without a team and without replicas", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      "#/swarm/services/new?env=local",
      swarmServer({}, (call) => (call.method === "POST" ? json(201, service("s-agent", "agent")) : undefined)),
    );
    await user.type(await screen.findByLabelText("Name"), "agent");
    await user.type(screen.getByLabelText("Image"), "agent:1");
    await user.selectOptions(screen.getByLabelText("Mode"), "global");
    expect(screen.queryByLabelText("Replicas")).toBeNull();
    expect(await screen.findByText("No secrets in this environment.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Create service" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe(`${BASE}/services`);
    expect(post.body).toEqual({
      name: "agent",
      image: "agent:1",
      mode: "global",
      update: { parallelism: 1, delay_seconds: 0, order: "stop-first", failure_action: "pause" },
    });
  });

  it("shows each problem at its field, sends nothing, and focuses the first", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm("#/swarm/services/new?env=local", swarmServer());
    await user.click(await screen.findByRole("button", { name: "Create service" }));
    expect(screen.getByText("Give the service a name.")).toBeTruthy();
    expect(screen.getByText("Give the image the tasks run, such as nginx:1.27.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Image"), "nginx");
    await user.type(screen.getByLabelText("Published ports"), "80:http");
    await user.click(screen.getByRole("button", { name: "Create service" }));
    expect(screen.getByText("Line 1: write PUBLISHED:TARGET/PROTOCOL, such as 8080:80/tcp.")).toBeTruthy();
    expect(screen.getByLabelText("Published ports").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(screen.getByLabelText("Published ports"));
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("shows the server's problem with its detail and code", async () => {
    const user = userEvent.setup();
    renderSwarm(
      "#/swarm/services/new?env=local",
      swarmServer({}, (call) => (call.method === "POST" ? problem(409, "service_exists", "A service named web already exists.") : undefined)),
    );
    await user.type(await screen.findByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Image"), "nginx");
    await user.click(screen.getByRole("button", { name: "Create service" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not create the service: A service named web already exists.");
    expect(alert.textContent).toContain("service_exists");
    expect(window.location.hash).toBe("#/swarm/services/new?env=local");
  });

  it("makes a member create for their team, and tells a viewer they may not", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      "#/swarm/services/new?env=local",
      swarmServer({}, (call) => (call.method === "POST" ? json(201, service("s-1", "web")) : undefined)),
      { permissions: DEVELOPER },
    );
    const team = (await screen.findByLabelText("Team")) as HTMLSelectElement;
    await waitFor(() => expect(within(team).getAllByRole("option").map((o) => o.textContent)).toEqual(["Beta"]));
    await user.type(screen.getByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Image"), "nginx");
    await user.click(screen.getByRole("button", { name: "Create service" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => c.url)).toEqual([`${BASE}/services?team=team-b`]));
    resetPage();
    renderSwarm("#/swarm/services/new?env=local", swarmServer(), { permissions: memberPermissions(["containers:read"]) });
    expect(await screen.findByText(/You may not create services in this environment/)).toBeTruthy();
    expect(screen.queryByLabelText("Name")).toBeNull();
  });
});
