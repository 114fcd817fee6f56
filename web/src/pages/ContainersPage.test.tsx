import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeWebSocket, socketsOn } from "../test/fakeWebSocket";
import type { Environment } from "../lib/dokkerr";
import { json, noContent, problem, type Call } from "../test/fakeFetch";
import { LOCAL_ENV, memberPermissions, renderPage } from "../test/renderPage";
import { ContainersPage } from "./ContainersPage";

const HOSTILE = "<img src=x onerror=alert(1)>";
const REMOTE_ENV: Environment = { ...LOCAL_ENV, id: "env-2", name: "remote", builtin: false };

function container(id: string, name: string, state: string, env = "local") {
  return {
    Id: id.padEnd(64, "0"),
    Names: [`/${name}`],
    Image: "busybox:latest",
    State: state,
    Status: state === "running" ? "Up 2 minutes" : "Exited (0)",
    Ports: state === "running" ? [{ IP: "127.0.0.1", PrivatePort: 80, PublicPort: 8080, Type: "tcp" }] : [],
    Dokkerr: { environment: env, team: "team-a" },
  };
}

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/teams") return json(200, { items: [{ id: "team-a", name: "Team <b>A</b>" }], next_cursor: null });
    if (call.url === "/api/v1/auth/ws-ticket") return problem(503, "engine_unavailable", "no streams in this test");
    if (call.url.startsWith("/api/v1/environments/local/containers?")) {
      return json(200, { items: [container("aaa", HOSTILE, "running"), container("bbb", "web", "exited")], next_cursor: null });
    }
    if (call.url.startsWith("/api/v1/environments/env-2/containers?")) {
      return json(200, { items: [container("ccc", "remote-db", "running", "env-2")], next_cursor: null });
    }
    return problem(404, "route_not_found", `No route for ${call.url}`);
  };
}

describe("ContainersPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/containers"));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("renders a hostile container name as text, creating no element from it", async () => {
    const { container: root } = renderPage(<ContainersPage />, server());
    const link = await screen.findByRole("link", { name: HOSTILE });
    expect(link.textContent).toBe(HOSTILE);
    expect(link.getAttribute("href")).toBe(`#/containers/view?env=local&id=${"aaa".padEnd(64, "0")}`);
    expect(root.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(await screen.findAllByText("Team <b>A</b>")).toHaveLength(2);
    expect(screen.getByText("127.0.0.1:8080->80/tcp")).toBeTruthy();
  });

  it("lists all containers of the environment with a page limit, and filters by name and state on the server", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<ContainersPage />, server());
    await screen.findByText("web");
    const listCalls = () => calls.filter((c) => c.url.startsWith("/api/v1/environments/local/containers?"));
    expect(listCalls()[0]!.url).toBe("/api/v1/environments/local/containers?all=1&limit=50");
    await user.type(screen.getByLabelText("Name"), "we");
    await user.selectOptions(screen.getByLabelText("State"), "exited");
    await waitFor(() => expect(listCalls().at(-1)!.url).toBe("/api/v1/environments/local/containers?all=1&name=we&status=exited&limit=50"));
  });

  it("lists every environment at once, each row naming its environment", async () => {
    window.history.replaceState(null, "", "#/containers?env=*");
    renderPage(<ContainersPage />, server(), { environments: [LOCAL_ENV, REMOTE_ENV] });
    const row = (await screen.findByText("remote-db")).closest("tr")!;
    expect(within(row).getByText("remote")).toBeTruthy();
    expect(screen.getByText("web")).toBeTruthy();
    expect((screen.getByLabelText("Environment") as HTMLSelectElement).value).toBe("*");
  });

  it("follows the server's cursor to the next page", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ContainersPage />,
      server((call) => {
        if (!call.url.startsWith("/api/v1/environments/local/containers?")) return undefined;
        return call.url.includes("cursor=c2")
          ? json(200, { items: [container("ddd", "second-page", "exited")], next_cursor: null })
          : json(200, { items: [container("bbb", "web", "exited")], next_cursor: "c2" });
      }),
    );
    await screen.findByText("web");
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await screen.findByText("second-page");
    expect(calls.at(-1)!.url).toContain("cursor=c2");
    expect((screen.getByRole("button", { name: "Next page" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the problem detail when an action fails", async () => {
    const user = userEvent.setup();
    renderPage(
      <ContainersPage />,
      server((call) =>
        call.method === "POST" && call.url.endsWith("/start") ? problem(409, "container_conflict", "The container is being removed.") : undefined,
      ),
    );
    const row = (await screen.findByText("web")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Start" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not start web: The container is being removed.");
    expect(alert.textContent).toContain("container_conflict");
  });

  it("removes after confirmation, forcing for a running container", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ContainersPage />,
      server((call) => (call.method === "DELETE" ? noContent() : undefined)),
    );
    const row = (await screen.findByRole("link", { name: HOSTILE })).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Remove" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(`${HOSTILE} (running)`)).toBeTruthy();
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    const del = calls.find((c) => c.method === "DELETE")!;
    expect(del.url).toBe(`/api/v1/environments/local/containers/${"aaa".padEnd(64, "0")}?force=1`);
  });

  it("acts on the selected containers, skipping those the action does not fit", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <ContainersPage />,
      server((call) => (call.method === "POST" && call.url.includes("/containers/") ? noContent() : undefined)),
    );
    const actions = () => calls.filter((c) => c.method === "POST" && c.url.includes("/containers/"));
    await screen.findByText("web");
    await user.click(screen.getByRole("checkbox", { name: "Select all rows" }));
    const bar = screen.getByRole("group", { name: "Selected containers" });
    expect(within(bar).getByText("2 selected")).toBeTruthy();
    // One is running, one exited: "Stop" applies to one of them.
    await user.click(within(bar).getByRole("button", { name: "Stop 1" }));
    await waitFor(() => expect(actions()).toHaveLength(1));
    expect(actions()[0]!.url).toBe(`/api/v1/environments/local/containers/${"aaa".padEnd(64, "0")}/stop`);
  });

  it("shows a viewer no actions, no selection and no New container link", async () => {
    renderPage(<ContainersPage />, server(), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByText("web");
    expect(screen.queryByRole("button", { name: "Start" })).toBeNull();
    expect(screen.queryByRole("checkbox")).toBeNull();
    expect(screen.queryByRole("link", { name: "New container" })).toBeNull();
  });

  it("offers New container to a developer of the environment", async () => {
    renderPage(<ContainersPage />, server(), { permissions: memberPermissions(["containers:read", "containers:create"]) });
    const link = await screen.findByRole("link", { name: "New container" });
    expect(link.getAttribute("href")).toBe("#/containers/new?env=local");
  });

  it("shows live CPU and memory of running rows from the stats board", async () => {
    installFakeWebSocket();
    renderPage(
      <ContainersPage />,
      server((call) =>
        call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t", path: (call.body as { path: string }).path, expires_in: 30 }) : undefined,
      ),
    );
    await screen.findByText("web");
    await waitFor(() => expect(socketsOn("/api/v1/environments/local/stats")).toHaveLength(1));
    const board = socketsOn("/api/v1/environments/local/stats")[0]!;
    expect(board.query.getAll("id")).toEqual(["aaa".padEnd(64, "0")]);
    act(() => board.json({ items: [{ id: "aaa".padEnd(64, "0"), cpu_percent: 12.34, memory_bytes: 3 * 1024 * 1024, memory_limit_bytes: null }] }));
    expect(await screen.findByText("12.3 %")).toBeTruthy();
    expect(screen.getByText("3.0 MiB")).toBeTruthy();
  });
});
