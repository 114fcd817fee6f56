import { act, cleanup } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, problem, type Call } from "../test/fakeFetch";
import { installFakeWebSocket, socketsOn } from "../test/fakeWebSocket";
import { renderPage } from "../test/renderPage";
import type { Permissions } from "./session";
import { useEngineEvents } from "./events";
import type { EngineEvent } from "./dokkerr";

function Probe({ onEvent, type, teamScoped }: { onEvent: (e: EngineEvent) => void; type?: string; teamScoped?: boolean }) {
  useEngineEvents("local", { type, teamScoped, onEvent });
  return null;
}

const answer = (call: Call) =>
  call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t", path: (call.body as { path: string }).path, expires_in: 30 }) : problem(404, "route_not_found");

const member = (teams: string[]): Permissions => ({
  is_admin: false,
  platform: [],
  teams: Object.fromEntries(teams.map((t) => [t, ["events:read", "containers:read"]])),
  organizations: {},
  environments: { local: teams },
});

const flush = () => act(async () => void (await new Promise((resolve) => setTimeout(resolve, 0))));

describe("useEngineEvents", () => {
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("opens one stream for an admin, without a team", async () => {
    renderPage(<Probe onEvent={() => undefined} type="container" />, answer);
    await flush();
    const sockets = socketsOn("/api/v1/environments/local/events");
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.query.get("team")).toBeNull();
    expect(sockets[0]!.query.get("type")).toBe("container");
  });

  it("opens one stream per team for a member of several teams, and passes on only the asked type", async () => {
    const seen: EngineEvent[] = [];
    renderPage(<Probe onEvent={(e) => seen.push(e)} type="volume" />, answer, { permissions: member(["t-1", "t-2"]) });
    await flush();
    const sockets = socketsOn("/api/v1/environments/local/events");
    expect(sockets.map((s) => s.query.get("team")).sort()).toEqual(["t-1", "t-2"]);
    act(() => {
      sockets[0]!.json({ Type: "volume", Action: "create" });
      sockets[1]!.json({ Type: "container", Action: "start" });
      sockets[1]!.text("not json");
    });
    expect(seen.map((e) => e.Action)).toEqual(["create"]);
  });

  it("a member of one team needs no team parameter; objects without a team open nothing for members", async () => {
    const { unmount } = renderPage(<Probe onEvent={() => undefined} />, answer, { permissions: member(["t-1"]) });
    await flush();
    expect(socketsOn("/api/v1/environments/local/events")[0]!.query.get("team")).toBeNull();
    unmount();
    installFakeWebSocket();
    renderPage(<Probe onEvent={() => undefined} type="image" teamScoped={false} />, answer, { permissions: member(["t-1"]) });
    await flush();
    expect(socketsOn("/api/v1/environments/local/events")).toHaveLength(0);
  });
});
