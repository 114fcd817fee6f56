import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { backoffDelay, liveUrl, openLive, type LiveStatus, type WebSocketLike } from "./live";

class FakeSocket implements WebSocketLike {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  close(code?: number) {
    this.closedWith = code ?? 1000;
  }
  open() {
    this.onopen?.(new Event("open"));
  }
  message(data: string) {
    this.onmessage?.(new MessageEvent("message", { data }));
  }
  serverClose(code: number, reason = "") {
    this.onclose?.({ code, reason, wasClean: true } as CloseEvent);
  }
}

function setup(overrides: { getTicket?: (path: string) => Promise<{ ticket: string }> } = {}) {
  const sockets: FakeSocket[] = [];
  const statuses: LiveStatus[] = [];
  const messages: string[] = [];
  let n = 0;
  const getTicket = vi.fn(overrides.getTicket ?? (async () => ({ ticket: `t${++n}` })));
  const live = openLive({
    path: "/api/v1/environments/local/events",
    query: { type: "container" },
    getTicket,
    onMessage: (data) => messages.push(data),
    onStatus: (status) => statuses.push(status),
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    location: { protocol: "https:", host: "dokkerr.example:8443" },
  });
  return { live, sockets, statuses, messages, getTicket };
}

/** Lets the pending ticket promise settle and the socket be made. */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe("live", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("builds ws(s) URLs on the page's host with the ticket in the query", () => {
    expect(liveUrl({ protocol: "https:", host: "h:1" }, "/api/v1/environments/local/events", { type: "container" }, "abc")).toBe(
      "wss://h:1/api/v1/environments/local/events?type=container&ticket=abc",
    );
    expect(liveUrl({ protocol: "http:", host: "127.0.0.1:8080" }, "/p", undefined, "a b")).toBe("ws://127.0.0.1:8080/p?ticket=a+b");
  });

  it("doubles the delay from 0.5 s up to 15 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffDelay(a))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]);
  });

  it("takes a ticket for the path, opens the socket and delivers messages", async () => {
    const { sockets, messages, getTicket, statuses, live } = setup();
    await flush();
    expect(getTicket).toHaveBeenCalledWith("/api/v1/environments/local/events", expect.any(AbortSignal));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe("wss://dokkerr.example:8443/api/v1/environments/local/events?type=container&ticket=t1");
    sockets[0]!.open();
    sockets[0]!.message('{"Type":"container"}');
    expect(messages).toEqual(['{"Type":"container"}']);
    expect(live.status).toBe("open");
    expect(statuses).toEqual(["connecting", "open"]);
  });

  it("reconnects with exponential backoff and a fresh ticket each time", async () => {
    const { sockets, getTicket } = setup();
    await flush();
    const delays = [500, 1000, 2000, 4000, 8000, 15000, 15000];
    for (const [i, delay] of delays.entries()) {
      sockets[i]!.serverClose(1006);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(sockets).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets).toHaveLength(i + 2);
    }
    expect(getTicket).toHaveBeenCalledTimes(delays.length + 1);
    expect(new Set(sockets.map((s) => new URL(s.url).searchParams.get("ticket"))).size).toBe(sockets.length);
  });

  it("resets the backoff after a connection that stayed open", async () => {
    const { sockets } = setup();
    await flush();
    sockets[0]!.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    sockets[1]!.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    await vi.advanceTimersByTimeAsync(60_000);
    sockets[2]!.serverClose(1001);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(4);
  });

  it("does not reconnect after close 1008 (access withdrawn)", async () => {
    const { sockets, statuses, live, getTicket } = setup();
    await flush();
    sockets[0]!.open();
    sockets[0]!.serverClose(1008, "access withdrawn");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sockets).toHaveLength(1);
    expect(getTicket).toHaveBeenCalledTimes(1);
    expect(live.status).toBe("denied");
    expect(statuses.at(-1)).toBe("denied");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stops reconnecting once closed by the caller", async () => {
    const { sockets, live } = setup();
    await flush();
    sockets[0]!.open();
    live.close();
    expect(sockets[0]!.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(live.status).toBe("closed");
  });

  it("closing while waiting to reconnect cancels the attempt", async () => {
    const { sockets, live } = setup();
    await flush();
    sockets[0]!.serverClose(1006);
    expect(live.status).toBe("waiting");
    live.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("retries when the ticket request fails for a passing reason, stops when it is refused", async () => {
    let calls = 0;
    const { sockets, live } = setup({
      getTicket: async () => {
        calls += 1;
        if (calls === 1) throw new ApiError({ status: 503, code: "engine_unavailable", title: "Unavailable" });
        if (calls === 2) throw new ApiError({ status: 0, code: "network_error", title: "Network error" });
        throw new ApiError({ status: 403, code: "permission_denied", title: "Forbidden" });
      },
    });
    await flush();
    expect(live.status).toBe("waiting");
    await vi.advanceTimersByTimeAsync(500);
    expect(live.status).toBe("waiting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(live.status).toBe("denied");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(3);
    expect(sockets).toHaveLength(0);
  });
});
