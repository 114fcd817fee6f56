import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, noContent, problem } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage, rowOf } from "../../test/resourcePages";
import type { Service } from "../../lib/swarm";
import { BASE, renderSwarm, service, spec, swarmServer, task } from "./swarmTesting";

const ONE = `${BASE}/services/s-1`;
const VIEW = "#/swarm/services/view?env=local&id=s-1";
const WEB = service("s-1", "web", {
  spec: spec("web", {
    command: ["nginx", "-g", "daemon off;"],
    mounts: [{ type: "volume", source: "html", target: "/usr/share/nginx/html" }],
    networks: ["front"],
    secrets: [{ name: "tls", target: "server.pem" }],
    labels: { tier: "front" },
  }),
});
const TASKS = [
  task("t-2", { slot: 2, node: "worker-1", node_id: "node-2", container_id: "abcdef1234567890".padEnd(64, "0") }),
  task("t-1", { slot: 1, state: "failed", desired_state: "shutdown", error: "task: non-zero exit (1)", exit_code: 1, container_id: "" }),
];

describe("ServiceDetailPage", () => {
  afterEach(resetPage);

  it("shows the summary and the tasks with slot, node, states, error and short container id", async () => {
    renderSwarm(VIEW, swarmServer({ services: [WEB], tasks: TASKS }));
    expect(await screen.findByRole("heading", { name: "Service web", level: 1 })).toBeTruthy();
    expect(screen.getByText("nginx -g daemon off;")).toBeTruthy();
    expect(screen.getByText("8080->80/tcp")).toBeTruthy();
    expect(screen.getByText("tls")).toBeTruthy();
    expect(screen.getByText("1 at a time, 5 s apart, start-first, on failure rollback")).toBeTruthy();
    const table = await screen.findByRole("table", { name: "Tasks of web" });
    await waitFor(() => expect(within(table).getAllByRole("rowheader").map((th) => th.textContent)).toEqual(["manager-1", "worker-1"]));
    const failed = rowOf("manager-1");
    expect(within(failed).getByText("failed").className).toContain("state-failed");
    expect(within(failed).getByText("shutdown")).toBeTruthy();
    expect(within(failed).getByText("task: non-zero exit (1)").className).toContain("swarm-task-error");
    const running = rowOf("worker-1");
    expect(within(running).getByText("abcdef123456")).toBeTruthy();
    expect(within(running).getByText("started")).toBeTruthy();
    expect(screen.getByRole("link", { name: "All services" }).getAttribute("href")).toBe("#/swarm/services?env=local");
  });

  it("scales the service and shows what happened, or the server's refusal", async () => {
    const user = userEvent.setup();
    let answers = 0;
    const { calls } = renderSwarm(
      VIEW,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) => {
        if (call.method !== "POST" || call.url !== `${ONE}/scale`) return undefined;
        answers += 1;
        return answers === 1 ? json(200, WEB) : problem(409, "service_not_replicated", "The service is global: it runs one task on every node.");
      }),
    );
    const replicas = await screen.findByLabelText("Replicas");
    expect((replicas as HTMLInputElement).value).toBe("2");
    await user.clear(replicas);
    await user.type(replicas, "3");
    await user.click(screen.getByRole("button", { name: "Scale" }));
    expect(await screen.findByText("Scaled web to 3 replicas.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([{ replicas: 3 }]);

    await user.click(screen.getByRole("button", { name: "Scale" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not scale web: The service is global: it runs one task on every node.");
    expect(alert.textContent).toContain("service_not_replicated");

    await user.clear(screen.getByLabelText("Replicas"));
    await user.type(screen.getByLabelText("Replicas"), "500");
    await user.click(screen.getByRole("button", { name: "Scale" }));
    expect(screen.getByText("Replicas is a whole number from 0 to 100.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(2);
  });

  it("disables Roll back without a previous spec, and rolls back after a confirmation with one", async () => {
    const user = userEvent.setup();
    renderSwarm(VIEW, swarmServer({ services: [WEB], tasks: TASKS }));
    const button = await screen.findByRole("button", { name: "Roll back" });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Nothing to roll back to/)).toBeTruthy();
    resetPage();

    const updated: Service = { ...WEB, previous_spec: spec("web", { image: "nginx:1.26" }) };
    const { calls } = renderSwarm(
      VIEW,
      swarmServer({ services: [updated], tasks: TASKS }, (call) => (call.method === "POST" && call.url === `${ONE}/rollback` ? json(200, updated) : undefined)),
    );
    const enabled = await screen.findByRole("button", { name: "Roll back" });
    expect((enabled as HTMLButtonElement).disabled).toBe(false);
    await user.click(enabled);
    const dialog = screen.getByRole("dialog", { name: "Roll back web?" });
    expect(within(dialog).getByText("nginx:1.26")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect(await screen.findByText("Rolling web back to its previous spec.")).toBeTruthy();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe(`${ONE}/rollback`);
    expect(post.body).toBeUndefined();
  });

  it("shows a refused rollback's detail", async () => {
    const user = userEvent.setup();
    const updated: Service = { ...WEB, previous_spec: spec("web") };
    renderSwarm(
      VIEW,
      swarmServer({ services: [updated], tasks: TASKS }, (call) => (call.url === `${ONE}/rollback` ? problem(409, "no_previous_spec", "There is no previous spec to roll back to.") : undefined)),
    );
    await user.click(await screen.findByRole("button", { name: "Roll back" }));
    await user.click(within(screen.getByRole("dialog", { name: "Roll back web?" })).getByRole("button", { name: "Roll back" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not roll back web: There is no previous spec to roll back to.");
    expect(alert.textContent).toContain("no_previous_spec");
  });

  it("reads the service and its tasks every two seconds while it updates, and stops once it settles", async () => {
    let reads = 0;
    const { calls } = renderSwarm(
      VIEW,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) => {
        if (call.method !== "GET" || call.url !== ONE) return undefined;
        reads += 1;
        return json(
          200,
          reads === 1
            ? { ...WEB, replicas: { desired: 2, running: 1 }, update_status: { state: "updating", message: "update in progress" } }
            : { ...WEB, update_status: { state: "completed", message: "update completed" } },
        );
      }),
    );
    expect(await screen.findByText(/1 of 2 tasks running\. Following the service/)).toBeTruthy();
    expect(screen.getByText("Rolling update: updating — update in progress")).toBeTruthy();
    // One poll away (2 s); the margin is for a busy machine.
    await waitFor(() => expect(screen.getByText("Rolling update: completed — update completed")).toBeTruthy(), { timeout: 10_000 });
    expect(screen.queryByText(/Following the service/)).toBeNull();
    const taskReads = calls.filter((c) => c.url === `${ONE}/tasks`).length;
    expect(taskReads).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(reads).toBe(2);
    expect(calls.filter((c) => c.url === `${ONE}/tasks`)).toHaveLength(2);
  });

  it("edits the service from its spec and PUTs the whole spec, starting a rolling update", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      `${VIEW}&tab=edit`,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) => (call.method === "PUT" && call.url === ONE ? json(200, WEB) : undefined)),
    );
    const image = (await screen.findByLabelText("Image")) as HTMLInputElement;
    expect(image.value).toBe("nginx:1.27");
    expect((screen.getByLabelText("Name") as HTMLInputElement).readOnly).toBe(true);
    expect((screen.getByLabelText("Mode") as HTMLSelectElement).disabled).toBe(true);
    expect((screen.getByLabelText("Command") as HTMLInputElement).value).toBe("nginx -g 'daemon off;'");
    expect((screen.getByLabelText("Published ports") as HTMLTextAreaElement).value).toBe("8080:80/tcp");
    expect((screen.getByLabelText("Order") as HTMLSelectElement).value).toBe("start-first");
    expect((await screen.findByRole("checkbox", { name: "tls" }) as HTMLInputElement).checked).toBe(true);
    await user.clear(image);
    await user.type(image, "nginx:1.28");
    await user.type(screen.getByLabelText("Environment variables"), "MODE=blue");
    await user.click(screen.getByRole("button", { name: "Update service" }));

    expect(await screen.findByText("Started a rolling update of web.")).toBeTruthy();
    await waitFor(() => expect(window.location.hash).toBe(`${VIEW}&tab=tasks`));
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.url).toBe(ONE);
    expect(put.body).toEqual({ ...WEB.spec, image: "nginx:1.28", env: { MODE: "blue" }, ports: [{ target: 80, published: 8080, protocol: "tcp" }] });
  });

  it("removes after a confirmation and goes back to the list", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(
      VIEW,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) => (call.method === "DELETE" && call.url === ONE ? noContent() : undefined)),
    );
    await screen.findByRole("heading", { name: "Service web", level: 1 });
    await user.click(within(screen.getByRole("group", { name: "Actions for web" })).getByRole("button", { name: "Remove" }));
    const dialog = screen.getByRole("dialog", { name: "Remove the service web?" });
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(window.location.hash).toBe("#/swarm/services?env=local&removed=web"));
    expect(await screen.findByText("Removed the service web.")).toBeTruthy();
  });

  it("shows a viewer the service without the actions that change it", async () => {
    renderSwarm(VIEW, swarmServer({ services: [WEB], tasks: TASKS }), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByRole("heading", { name: "Service web", level: 1 });
    expect(screen.queryByRole("button", { name: "Roll back" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
    expect(screen.queryByLabelText("Replicas")).toBeNull();
    expect(screen.queryByRole("tab", { name: "Edit" })).toBeNull();
    expect(screen.getByRole("tab", { name: "Tasks" })).toBeTruthy();
  });

  it("lets a member who may update but not delete scale and roll back, without Remove", async () => {
    renderSwarm(VIEW, swarmServer({ services: [WEB], tasks: TASKS }), { permissions: memberPermissions(["containers:read", "containers:update"]) });
    await screen.findByRole("heading", { name: "Service web", level: 1 });
    expect(screen.getByRole("button", { name: "Roll back" })).toBeTruthy();
    expect(screen.getByLabelText("Replicas")).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Edit" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
  });

  it("says when there is no such service", async () => {
    renderSwarm("#/swarm/services/view?env=local&id=s-9", swarmServer({ services: [WEB] }));
    expect(await screen.findByText(/There is no such service in this environment/)).toBeTruthy();
    expect(screen.getByText("Code: service_not_found")).toBeTruthy();
  });
});
