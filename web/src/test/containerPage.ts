// The container page's tests: its requests answered for container "web" in environment "local",
// and the fake WebSocket and page address each test starts from.

import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import { json, problem, type Call } from "./fakeFetch";
import { installFakeWebSocket } from "./fakeWebSocket";

/** The full id of container "web". */
export const CONTAINER_ID = "c0ffee".padEnd(64, "1");

/** Stream tickets for any path and `inspect()` as the inspect document of "web"; `extra` answers first. */
export function containerServer(inspect: () => unknown, extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "POST" && call.url === "/api/v1/auth/ws-ticket") return json(200, { ticket: "tk", path: (call.body as { path: string }).path, expires_in: 30 });
    if (call.method === "GET" && call.url === "/api/v1/environments/local/containers/web") return json(200, inspect());
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

/** In a describe block: each test starts at `hash` with the fake WebSocket installed, and leaves neither behind. */
export function setUpContainerPage(hash: string) {
  beforeEach(() => {
    installFakeWebSocket();
    window.location.hash = hash;
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });
}
