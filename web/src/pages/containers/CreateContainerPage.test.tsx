import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import CreateContainerPage from "./CreateContainerPage";

const HOSTILE = "<img src=x onerror=alert(1)>";
const NEW_ID = "f".repeat(64);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const POLICY = {
  allow_privileged: false,
  allow_host_binds: false,
  allow_host_namespaces: false,
  allowed_host_ips: ["0.0.0.0", "::", "127.0.0.1", "::1"],
  min_host_port: 1024,
  max_host_port: 65535,
  max_pids: 4096,
  max_containers: 5,
  default_memory_bytes: 0,
  max_total_memory_bytes: 2 * 1024 ** 3,
  max_total_nano_cpus: 0,
};

function ndjson(lines: unknown[]): Response {
  return new Response(lines.map((l) => JSON.stringify(l)).join("\n") + "\n", {
    status: 200,
    headers: { "Content-Type": "application/x-ndjson" },
  });
}

function server(extra?: (call: Call) => Response | Promise<Response> | undefined) {
  return (call: Call): Response | Promise<Response> => {
    const answer = extra?.(call);
    if (answer) return answer;
    const path = call.url.split("?")[0]!;
    if (call.method === "GET" && path === "/api/v1/teams") return json(200, { items: [{ id: "team-a", name: HOSTILE }], next_cursor: null });
    if (call.method === "GET" && path === "/api/v1/teams/team-a/policy") return json(200, { team_id: "team-a", policy: POLICY });
    if (call.method === "GET" && path === "/api/v1/environments/local/volumes") return json(200, { items: [{ Name: "data" }], next_cursor: null });
    if (call.method === "GET" && path === "/api/v1/environments/local/networks") {
      return json(200, { items: [{ Id: "n1", Name: "bridge", Driver: "bridge" }, { Id: "n2", Name: "host", Driver: "host" }, { Id: "n3", Name: "backend", Driver: "bridge" }], next_cursor: null });
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const creates = (calls: Call[]) => calls.filter((c) => c.method === "POST" && c.url.split("?")[0] === "/api/v1/environments/local/containers");

describe("CreateContainerPage", { timeout: 20_000 }, () => {
  beforeEach(() => {
    window.location.hash = "#/containers/new?env=local";
  });
  afterEach(() => {
    cleanup();
    window.location.hash = "";
  });

  it("pulls a missing image with live progress, creates with an idempotency key, starts, then opens the container", async () => {
    const user = userEvent.setup();
    let releaseCreate: () => void = () => undefined;
    const createGate = new Promise<void>((resolve) => {
      releaseCreate = resolve;
    });
    const { calls } = renderPage(
      <CreateContainerPage env="local" />,
      server((call) => {
        if (call.method === "GET" && call.url === "/api/v1/environments/local/images/busybox%3A1.36") return problem(404, "image_not_found", "No such image");
        if (call.method === "POST" && call.url === "/api/v1/environments/local/images/pull") {
          return ndjson([
            { status: "Pulling from library/busybox", id: "1.36" },
            { status: "Downloading", id: "abc123", progressDetail: { current: 5, total: 10 } },
            { status: "Pull complete", id: "abc123" },
            { status: "done" },
          ]);
        }
        if (call.method === "POST" && call.url.startsWith("/api/v1/environments/local/containers?")) {
          return createGate.then(() => json(201, { Id: NEW_ID, Warnings: [] }));
        }
        if (call.method === "POST" && call.url === `/api/v1/environments/local/containers/${NEW_ID}/start`) return noContent();
        return undefined;
      }),
    );
    await user.type(await screen.findByLabelText("Image"), "busybox:1.36");
    await user.type(screen.getByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Command"), `sh -c "echo '<b>hi</b>'; sleep 3600"`);
    await user.click(screen.getByRole("button", { name: "Add variable" }));
    await user.type(screen.getByLabelText("Variable 1 key"), "GREETING");
    await user.type(screen.getByLabelText("Variable 1 value"), HOSTILE);
    await user.click(screen.getByRole("button", { name: "Add port" }));
    await user.type(screen.getByLabelText("Port 1 container port"), "80");
    await user.type(screen.getByLabelText("Port 1 host port"), "8080");
    await user.click(screen.getByRole("button", { name: "Create and start" }));

    // The pull's progress is on screen while the create is still waiting.
    expect(await screen.findByText("Pulled")).toBeTruthy();
    expect(screen.getByText(/abc123/)).toBeTruthy();
    releaseCreate();
    await waitFor(() => expect(window.location.hash).toBe(`#/containers/view?env=local&id=${NEW_ID}`));

    const pull = calls.find((c) => c.url.endsWith("/images/pull"))!;
    expect(pull.body).toEqual({ image: "busybox", tag: "1.36" });
    const [create] = creates(calls);
    expect(create!.url).toBe("/api/v1/environments/local/containers?name=web");
    expect(create!.headers["idempotency-key"]).toMatch(UUID);
    expect(create!.body).toEqual({
      Image: "busybox:1.36",
      Cmd: ["sh", "-c", "echo '<b>hi</b>'; sleep 3600"],
      Env: [`GREETING=${HOSTILE}`],
      ExposedPorts: { "80/tcp": {} },
      HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
    });
    expect(calls.some((c) => c.method === "POST" && c.url.endsWith(`/containers/${NEW_ID}/start`))).toBe(true);
    // The server's own pull was not asked for: the page pulled itself.
    expect(create!.url).not.toContain("pull=");
  });

  it("stops when the pull fails, creating nothing", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <CreateContainerPage env="local" />,
      server((call) => {
        if (call.method === "POST" && call.url.endsWith("/images/pull")) {
          return ndjson([{ status: "Pulling from library/nope", id: "latest" }, { error: "manifest for nope:latest not found", code: "image_pull_failed" }]);
        }
        return undefined;
      }),
    );
    await user.type(await screen.findByLabelText("Image"), "nope");
    await user.selectOptions(screen.getByLabelText("Pull image"), "always");
    await user.click(screen.getByRole("button", { name: "Create and start" }));
    const alerts = await screen.findAllByRole("alert");
    expect(alerts.map((a) => a.textContent).join(" ")).toContain("manifest for nope:latest not found");
    expect(screen.getByText(/Could not pull nope; nothing was created/)).toBeTruthy();
    expect(calls.some((c) => c.url.includes("/images/nope"))).toBe(false);
    expect(creates(calls)).toHaveLength(0);
  });

  it("shows a 403 policy_denied from the server with its detail and code", async () => {
    const user = userEvent.setup();
    renderPage(
      <CreateContainerPage env="local" />,
      server((call) => {
        if (call.method === "GET" && call.url.startsWith("/api/v1/environments/local/images/")) return json(200, { Id: "sha256:1" });
        if (call.method === "POST" && call.url.startsWith("/api/v1/environments/local/containers")) {
          return problem(403, "policy_denied", "HostConfig.CapAdd: SYS_ADMIN is not allowed for this team.", "Forbidden");
        }
        return undefined;
      }),
    );
    await user.type(await screen.findByLabelText("Image"), "nginx");
    await user.click(screen.getByRole("button", { name: "Create and start" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not create the container: HostConfig.CapAdd: SYS_ADMIN is not allowed for this team.");
    expect(alert.textContent).toContain("policy_denied");
    expect(screen.getByRole("button", { name: "Create and start" })).toHaveProperty("disabled", false);
  });

  it("keeps the idempotency key for a retry of the same request and makes a new one for a changed request", async () => {
    const user = userEvent.setup();
    let attempt = 0;
    const { calls } = renderPage(
      <CreateContainerPage env="local" />,
      server((call) => {
        if (call.method === "POST" && call.url.startsWith("/api/v1/environments/local/containers")) {
          attempt += 1;
          return problem(503, "engine_unavailable", "The engine is not reachable.");
        }
        return undefined;
      }),
    );
    await user.type(await screen.findByLabelText("Image"), "nginx");
    await user.selectOptions(screen.getByLabelText("Pull image"), "never");
    await user.click(screen.getByLabelText("Start after creating"));
    await user.click(screen.getByRole("button", { name: "Create" }));
    await screen.findByRole("alert");
    await user.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(attempt).toBe(2));
    await user.type(screen.getByLabelText("Name"), "other");
    await user.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(attempt).toBe(3));
    const keys = creates(calls).map((c) => c.headers["idempotency-key"]);
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
    // Nothing is started when the box is unticked, and nothing is retried by itself.
    expect(calls.some((c) => c.url.endsWith("/start"))).toBe(false);
    expect(creates(calls)).toHaveLength(3);
  });

  it("refuses reserved labels and bad numbers next to their fields, sending nothing", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<CreateContainerPage env="local" />, server());
    await user.type(await screen.findByLabelText("Image"), "nginx");
    await user.click(screen.getByRole("button", { name: "Add label" }));
    await user.type(screen.getByLabelText("Label 1 key"), "io.dokkerr.team");
    await user.click(screen.getByRole("button", { name: "Add port" }));
    await user.type(screen.getByLabelText("Port 1 container port"), "70000");
    await user.click(screen.getByRole("button", { name: "Create and start" }));

    const labelKey = screen.getByLabelText("Label 1 key");
    expect(labelKey.getAttribute("aria-invalid")).toBe("true");
    const message = document.getElementById(labelKey.getAttribute("aria-describedby")!.split(" ")[0]!)!;
    expect(message.textContent).toBe("Labels starting with io.dokkerr. are reserved for Dokkerr.");
    const port = screen.getByLabelText("Port 1 container port");
    expect(port.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(port.getAttribute("aria-describedby")!)!.textContent).toBe("Container port: Enter a number from 1 to 65535.");
    expect(document.activeElement).toBe(labelKey.closest("form")!.querySelector('[aria-invalid="true"]'));
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("explains the team policy to a non-admin and holds the form to it", async () => {
    const user = userEvent.setup();
    const { calls, container } = renderPage(<CreateContainerPage env="local" />, server(), {
      permissions: memberPermissions(["containers:read", "containers:create"], "team-a"),
    });
    // The team's name is text, never markup.
    expect((await screen.findAllByText(HOSTILE)).length).toBeGreaterThan(0);
    expect(container.querySelector("img")).toBeNull();
    expect(await screen.findByText("The team may have at most 5 containers in an environment (max_containers).")).toBeTruthy();
    expect(calls.some((c) => c.url === "/api/v1/teams/team-a/policy")).toBe(true);

    await user.click(screen.getByRole("button", { name: "Add volume" }));
    const kind = screen.getByLabelText("Mount 1 kind");
    const hostOption = within(kind).getByRole("option", { name: /Host path/ }) as HTMLOptionElement;
    expect(hostOption.disabled).toBe(true);
    expect(screen.getAllByText("The team policy does not allow host paths (allow_host_binds).").length).toBeGreaterThan(0);

    // The host network is offered but not selectable; the engine's bridge is not offered at all.
    const network = screen.getByLabelText("Network");
    expect((within(network).getByRole("option", { name: /^host/ }) as HTMLOptionElement).disabled).toBe(true);
    expect(within(network).queryByRole("option", { name: "bridge" })).toBeNull();

    await user.type(screen.getByLabelText("Image"), "nginx");
    await user.type(screen.getByLabelText("Mount 1 volume"), "data");
    await user.type(screen.getByLabelText("Mount 1 container path"), "/data");
    await user.click(screen.getByRole("button", { name: "Add port" }));
    await user.type(screen.getByLabelText("Port 1 container port"), "80");
    await user.type(screen.getByLabelText("Port 1 host port"), "80");
    await user.click(screen.getByRole("button", { name: "Create and start" }));

    const hostPort = screen.getByLabelText("Port 1 host port");
    expect(hostPort.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("The team policy allows host ports 1024–65535 (min_host_port, max_host_port).")).toBeTruthy();
    const memory = screen.getByLabelText("Memory limit (MiB)");
    expect(memory.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(/caps its total memory \(max_total_memory_bytes, 2\.0 GiB\): set a limit/)).toBeTruthy();
    expect(creates(calls)).toHaveLength(0);

    await user.clear(hostPort);
    await user.type(hostPort, "8080");
    await user.type(memory, "256");
    await user.selectOptions(screen.getByLabelText("Pull image"), "never");
    await user.click(screen.getByRole("button", { name: "Create and start" }));
    await waitFor(() => expect(creates(calls)).toHaveLength(1));
    const [create] = creates(calls);
    expect(create!.url).toBe("/api/v1/environments/local/containers?team=team-a");
    expect(create!.body).toMatchObject({ HostConfig: { Memory: 256 * 1024 * 1024, Mounts: [{ Type: "volume", Source: "data", Target: "/data" }] } });
  });

  it("a viewer sees a message instead of the form", async () => {
    const { calls } = renderPage(<CreateContainerPage env="local" />, server(), { permissions: memberPermissions(["containers:read", "containers:logs"]) });
    expect(await screen.findByText(/You may not create containers in this environment/)).toBeTruthy();
    expect(screen.queryByLabelText("Image")).toBeNull();
    expect(screen.queryByRole("button", { name: /Create/ })).toBeNull();
    expect(calls.some((c) => c.url.startsWith("/api/v1/teams"))).toBe(false);
  });

  it("lets an admin choose any team or none", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<CreateContainerPage env="local" />, server((call) => (call.method === "POST" ? json(201, { Id: NEW_ID }) : undefined)));
    const team = await screen.findByLabelText("Team");
    await screen.findByRole("option", { name: HOSTILE });
    expect((team as HTMLSelectElement).value).toBe("");
    await user.selectOptions(team, "team-a");
    // Admins are not held to a policy: it is not even loaded.
    expect(calls.some((c) => c.url.endsWith("/policy"))).toBe(false);
    await user.type(screen.getByLabelText("Image"), "nginx");
    await user.selectOptions(screen.getByLabelText("Pull image"), "never");
    await user.click(screen.getByLabelText("Start after creating"));
    await user.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(creates(calls)).toHaveLength(1));
    expect(creates(calls)[0]!.url).toBe("/api/v1/environments/local/containers?team=team-a");
  });
});
