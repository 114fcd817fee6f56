import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, problem, type Call } from "../test/fakeFetch";
import { FakeWebSocket, installFakeWebSocket, socketsOn } from "../test/fakeWebSocket";
import { LOCAL_ENV, renderPage } from "../test/renderPage";
import { DashboardPage } from "./DashboardPage";

const HOSTILE = "<img src=x onerror=alert(1)>";
const A = "a".repeat(64);
const B = "b".repeat(64);

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/auth/ws-ticket") return json(200, { ticket: "t", path: (call.body as { path: string }).path, expires_in: 30 });
    if (call.url.startsWith("/api/v1/environments/local/containers?")) {
      return json(200, {
        items: [
          { Id: A, Names: [`/${HOSTILE}`], State: "running" },
          { Id: B, Names: ["/db"], State: "running" },
        ],
        next_cursor: null,
      });
    }
    return problem(404, "route_not_found", call.url);
  };
}

describe("DashboardPage", () => {
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows each environment's counts and the live CPU and memory of its running containers", async () => {
    const env = { ...LOCAL_ENV, counts: { containers: 3, running: 2, paused: 0, stopped: 1, images: 4 } };
    const { calls, container } = renderPage(<DashboardPage />, server((call) =>
      call.url === "/api/v1/environments" ? json(200, { items: [env], next_cursor: null }) : undefined,
    ), { environments: [env] });
    const card = (await screen.findByRole("heading", { name: "local", level: 3 })).closest("li")!;
    expect(within(card).getByText("Running").nextSibling!.textContent).toBe("2");
    await waitFor(() => expect(calls.some((c) => c.url === "/api/v1/environments/local/containers?all=1&status=running&limit=50")).toBe(true));
    await waitFor(() => expect(socketsOn("/api/v1/environments/local/stats")).toHaveLength(1));
    const board: FakeWebSocket = socketsOn("/api/v1/environments/local/stats")[0]!;
    expect(board.query.getAll("id").sort()).toEqual([A, B]);
    act(() =>
      board.json({
        items: [
          { id: A, cpu_percent: 50, memory_bytes: 1024 * 1024, memory_limit_bytes: null },
          { id: B, cpu_percent: 25.5, memory_bytes: 2 * 1024 * 1024, memory_limit_bytes: null },
        ],
      }),
    );
    expect(await within(card).findByText("75.5 %")).toBeTruthy();
    expect(within(card).getByText("3.0 MiB")).toBeTruthy();

    const busiest = screen.getByRole("region", { name: "Busiest containers" });
    const rows = within(busiest).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.querySelector("th")!.textContent)).toEqual([HOSTILE, "db"]);
    expect(container.querySelector("img")).toBeNull();
  });

  it("says so when an environment is down, and watches nothing there", async () => {
    const down = { ...LOCAL_ENV, status: "down", error: "engine unreachable", counts: undefined };
    renderPage(<DashboardPage />, server((call) =>
      call.url === "/api/v1/environments" ? json(200, { items: [down], next_cursor: null }) : undefined,
    ), { environments: [down] });
    expect(await screen.findByText("engine unreachable")).toBeTruthy();
    expect(screen.getByText("Down")).toBeTruthy();
    expect(socketsOn("/api/v1/environments/local/stats")).toHaveLength(0);
  });
});
