import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CONTAINER_ID, containerServer, setUpContainerPage } from "../../test/containerPage";
import { noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import ContainerDetailPage, { actionsFor } from "./ContainerDetailPage";
import { FakeWebSocket, socketsOn } from "../../test/fakeWebSocket";

const HOSTILE = "<img src=x onerror=alert(1)>";
const SCRIPT = "<script>alert(1)</script>";
const ID = CONTAINER_ID;

export function inspectDoc(patch: Record<string, unknown> = {}) {
  return {
    Id: ID,
    Name: `/${HOSTILE}`,
    Created: "2024-05-01T10:00:00.000000000Z",
    Image: "sha256:" + "ab".repeat(32),
    RestartCount: 2,
    State: { Status: "running", Running: true, Paused: false, Restarting: false, ExitCode: 0, StartedAt: "2024-05-01T10:00:01.5Z", FinishedAt: "0001-01-01T00:00:00Z" },
    Config: {
      Image: "nginx:1.27",
      Cmd: ["nginx", "-g", "daemon off;"],
      Env: [`SECRET_NOTE=${SCRIPT}`, "PATH=/usr/bin"],
      Labels: { [HOSTILE]: SCRIPT, "io.dokkerr.team": "team-a" },
    },
    HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 }, Memory: 268435456, NanoCpus: 500000000, NetworkMode: "backend" },
    NetworkSettings: {
      Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "443/tcp": null },
      Networks: { backend: { IPAddress: "172.20.0.5", Gateway: "172.20.0.1" } },
    },
    Mounts: [{ Type: "volume", Name: "data", Source: "/var/lib/docker/volumes/data/_data", Destination: "/data", RW: false }],
    Dokkerr: { team: "team-a", environment: "local" },
    ...patch,
  };
}

function server(options: { inspect?: () => unknown; extra?: (call: Call) => Response | undefined } = {}) {
  return containerServer(() => options.inspect?.() ?? inspectDoc(), options.extra);
}

const inspects = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url === "/api/v1/environments/local/containers/web");

describe("ContainerDetailPage", { timeout: 20_000 }, () => {
  setUpContainerPage("#/containers/view?env=local&id=web");

  it("renders the facts of the inspect document, hostile strings as text", async () => {
    const { container } = renderPage(<ContainerDetailPage env="local" id="web" tab="" />, server());
    expect((await screen.findByRole("heading", { level: 1 })).textContent).toBe(`Container ${HOSTILE}`);
    expect(screen.getByText("running")).toBeTruthy();
    const facts = within(container.querySelector("dl.facts") as HTMLElement);
    expect(facts.getByText(ID)).toBeTruthy();
    expect(facts.getByText("nginx -g 'daemon off;'")).toBeTruthy();
    expect(facts.getByText("0.0.0.0:8080 → 80/tcp")).toBeTruthy();
    expect(facts.getByText("443/tcp (not published)")).toBeTruthy();
    expect(facts.getByText(/172\.20\.0\.5/)).toBeTruthy();
    expect(facts.getByText(/at most 3 retries/)).toBeTruthy();
    expect(facts.getByText(/Memory 256\.0 MiB, CPU 0\.5 cores/)).toBeTruthy();
    expect(facts.getByText(`${HOSTILE}=${SCRIPT}`)).toBeTruthy();
    expect(facts.getByText(`SECRET_NOTE=${SCRIPT}`)).toBeTruthy();
    expect(facts.getByText(/read-only/)).toBeTruthy();
    const raw = screen.getByLabelText("Inspect document as JSON");
    expect(JSON.parse(raw.textContent!)).toEqual(inspectDoc());
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
  });

  it("copies the inspect JSON", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText, readText: vi.fn() }, configurable: true });
    renderPage(<ContainerDetailPage env="local" id="web" tab="overview" />, server());
    await user.click(await screen.findByRole("button", { name: "Copy JSON" }));
    expect(writeText).toHaveBeenCalledWith(JSON.stringify(inspectDoc(), null, 2));
    expect(await screen.findByText("Copied.")).toBeTruthy();
  });

  it("hides actions, the console and the remove button from a viewer", async () => {
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server(), {
      permissions: memberPermissions(["containers:read", "containers:logs"]),
    });
    await screen.findByText(ID);
    expect(screen.queryByRole("group", { name: /Actions for/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Stop" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Overview", "Logs", "Stats"]);
    // The console tab named in the address falls back to the overview.
    expect(screen.getByRole("tab", { name: "Overview" }).getAttribute("aria-selected")).toBe("true");
  });

  it("offers the actions that fit the state, runs one and reloads", async () => {
    const user = userEvent.setup();
    let state: Record<string, unknown> = { Status: "running", Running: true };
    const { calls } = renderPage(
      <ContainerDetailPage env="local" id="web" tab="" />,
      server({
        inspect: () => inspectDoc({ State: state }),
        extra: (call) => {
          if (call.method === "POST" && call.url === `/api/v1/environments/local/containers/${ID}/stop`) {
            state = { Status: "exited", Running: false, ExitCode: 137, FinishedAt: "2024-05-01T11:00:00Z" };
            return noContent();
          }
          return undefined;
        },
      }),
      { permissions: memberPermissions(["containers:read", "containers:operate"]) },
    );
    const group = await screen.findByRole("group", { name: `Actions for ${HOSTILE}` });
    expect(within(group).getAllByRole("button").map((b) => b.textContent)).toEqual(["Stop", "Restart", "Pause", "Kill"]);
    await user.click(within(group).getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(within(screen.getByRole("group", { name: /Actions for/ })).getAllByRole("button").map((b) => b.textContent)).toEqual(["Start", "Restart"]));
    expect(inspects(calls).length).toBeGreaterThanOrEqual(2);
    expect(screen.getByText("137")).toBeTruthy();
    // No remove without containers:delete.
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
  });

  it("knows which actions fit each state", () => {
    expect(actionsFor({ Running: true, Paused: true })).toEqual(["unpause", "stop", "restart", "kill"]);
    expect(actionsFor({ Running: true, Restarting: true })).toEqual(["stop", "kill"]);
    expect(actionsFor({ Status: "created" })).toEqual(["start", "restart"]);
  });

  it("shows a failed action's problem with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <ContainerDetailPage env="local" id="web" tab="" />,
      server({ extra: (call) => (call.method === "POST" && call.url.endsWith("/pause") ? problem(409, "container_conflict", "Container is restarting.") : undefined) }),
    );
    await user.click(await screen.findByRole("button", { name: "Pause" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(`Could not pause ${HOSTILE}: Container is restarting.`);
    expect(alert.textContent).toContain("container_conflict");
  });

  it("removes after confirmation, forcing a running container, then shows the list", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ContainerDetailPage env="local" id="web" tab="" />,
      server({ extra: (call) => (call.method === "DELETE" ? noContent() : undefined) }),
    );
    await user.click(await screen.findByRole("button", { name: "Remove" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByText(/It is running: it will be killed first/)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Remove" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Force remove" }));
    await waitFor(() => expect(window.location.hash).toBe("#/containers?env=local"));
    const del = calls.find((c) => c.method === "DELETE")!;
    expect(del.url).toBe(`/api/v1/environments/local/containers/${ID}?force=1`);
  });

  it("reloads on this container's events only", async () => {
    const { calls } = renderPage(<ContainerDetailPage env="local" id="web" tab="" />, server());
    await screen.findByText(ID);
    await waitFor(() => expect(socketsOn("/events")).toHaveLength(1));
    const events = socketsOn("/events")[0]!;
    expect(events.query.get("type")).toBe("container");
    expect(JSON.parse(events.query.get("filters")!)).toEqual({ container: [ID] });
    expect(events.query.get("team")).toBeNull();
    act(() => events.open());
    const before = inspects(calls).length;
    act(() => events.json({ Type: "container", Action: "die", Actor: { ID: "other".padEnd(64, "0") } }));
    await new Promise((r) => setTimeout(r, 400));
    expect(inspects(calls).length).toBe(before);
    act(() => {
      events.json({ Type: "container", Action: "kill", Actor: { ID } });
      events.json({ Type: "container", Action: "die", Actor: { ID } });
    });
    await waitFor(() => expect(inspects(calls).length).toBe(before + 1));
  });

  it("a team member follows the events of the container's team", async () => {
    renderPage(<ContainerDetailPage env="local" id="web" tab="" />, server(), {
      permissions: memberPermissions(["containers:read"], "team-a"),
    });
    await waitFor(() => expect(socketsOn("/events")).toHaveLength(1));
    expect(socketsOn("/events")[0]!.query.get("team")).toBe("team-a");
  });

  it("keeps the chosen tab in the address, replacing the entry", async () => {
    const user = userEvent.setup();
    const length = window.history.length;
    renderPage(<ContainerDetailPage env="local" id="web" tab="" />, server());
    await user.click(await screen.findByRole("tab", { name: "Stats" }));
    expect(window.location.hash).toBe("#/containers/view?env=local&id=web&tab=stats");
    expect(window.history.length).toBe(length);
  });

  it("says so when the container does not exist", async () => {
    renderPage(
      <ContainerDetailPage env="local" id="web" tab="" />,
      server({ extra: (call) => (call.method === "GET" ? problem(404, "container_not_found", "No such container: web") : undefined) }),
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("There is no container web in this environment");
    expect(alert.textContent).toContain("container_not_found");
  });

  it("closes its sockets when it goes away", async () => {
    const { unmount } = renderPage(<ContainerDetailPage env="local" id="web" tab="logs" />, server());
    await waitFor(() => expect(socketsOn("/logs")).toHaveLength(1));
    await waitFor(() => expect(socketsOn("/events")).toHaveLength(1));
    unmount();
    expect(FakeWebSocket.instances.every((s) => s.closedByClient === 1000)).toBe(true);
  });
});
