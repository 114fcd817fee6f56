import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { FakeWebSocket } from "../test/fakeWebSocket";
import { binaryStringToBytes, openConsole, type ConsoleStatus } from "./console";

const PATH = "/api/v1/environments/local/containers/abc/exec";

function setup(overrides: { cmd?: string[]; getTicket?: () => Promise<{ ticket: string }> } = {}) {
  const sockets: FakeWebSocket[] = [];
  const statuses: [ConsoleStatus, string | undefined][] = [];
  const output: number[][] = [];
  const exits: (number | null)[] = [];
  const getTicket = vi.fn(overrides.getTicket ?? (async () => ({ ticket: "t1" })));
  const session = openConsole({
    path: PATH,
    cmd: overrides.cmd ?? ["sh"],
    cols: 120,
    rows: 40,
    getTicket,
    onOutput: (bytes) => output.push([...bytes]),
    onStatus: (status, detail) => statuses.push([status, detail]),
    onExit: (code) => exits.push(code),
    createSocket: (url) => {
      const socket = new FakeWebSocket(url);
      sockets.push(socket);
      return socket;
    },
    location: { protocol: "https:", host: "dokkerr.example" },
  });
  return { session, sockets, statuses, output, exits, getTicket };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe("openConsole", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("opens the exec socket with a ticket for the path, argv as repeated cmd, tty and size, binary frames", async () => {
    const { sockets, getTicket } = setup({ cmd: ["bash", "-l", "-c", "echo a&b"] });
    await flush();
    expect(getTicket).toHaveBeenCalledWith(PATH, expect.any(AbortSignal));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url).toBe(`wss://dokkerr.example${PATH}?cmd=bash&cmd=-l&cmd=-c&cmd=echo+a%26b&tty=1&cols=120&rows=40&ticket=t1`);
    expect(sockets[0]!.binaryType).toBe("arraybuffer");
  });

  it("passes output bytes on and sends typed input as binary UTF-8", async () => {
    const { session, sockets, output } = setup();
    await flush();
    const ws = sockets[0]!;
    ws.open();
    ws.binary([104, 105, 10]);
    expect(output).toEqual([[104, 105, 10]]);
    session.sendText("ls é\r");
    session.sendBytes(binaryStringToBytes("\x1b\xff"));
    expect([...(ws.sent[0] as Uint8Array)]).toEqual([...new TextEncoder().encode("ls é\r")]);
    expect([...(ws.sent[1] as Uint8Array)]).toEqual([0x1b, 0xff]);
  });

  it("sends a resize control message when the size changes, none for the same size", async () => {
    const { session, sockets } = setup();
    await flush();
    const ws = sockets[0]!;
    ws.open();
    session.resize(120, 40);
    expect(ws.sent).toEqual([]);
    session.resize(100, 30);
    session.resize(5000, 0);
    expect(ws.sent.map((m) => JSON.parse(m as string))).toEqual([
      { type: "resize", cols: 100, rows: 30 },
      { type: "resize", cols: 1000, rows: 1 },
    ]);
  });

  it("sends a resize made while the socket was opening once it opens", async () => {
    const { session, sockets } = setup();
    await flush();
    session.resize(90, 20);
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent.map((m) => JSON.parse(m as string))).toEqual([{ type: "resize", cols: 90, rows: 20 }]);
  });

  it("sends keys typed while the session opens once it is open, within a bound", async () => {
    const { session, sockets } = setup();
    session.sendText("ls");
    await flush();
    session.sendText(" -l\r");
    session.sendBytes(new Uint8Array(64 * 1024)); // beyond the bound: dropped, not queued
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent.map((m) => new TextDecoder().decode(m as Uint8Array))).toEqual(["ls", " -l\r"]);
  });

  it("drops what was typed ahead when the session never opens", async () => {
    const { session, sockets } = setup();
    await flush();
    session.sendText("secret\r");
    sockets[0]!.serverClose(1011, "engine gone");
    expect(sockets[0]!.sent).toEqual([]);
    session.sendText("more");
    expect(sockets).toHaveLength(1);
  });

  it("sends eof as a control message", async () => {
    const { session, sockets } = setup();
    await flush();
    sockets[0]!.open();
    session.eof();
    expect(JSON.parse(sockets[0]!.sent[0] as string)).toEqual({ type: "eof" });
  });

  it("reports the exit code from the exit message and ends without reconnecting", async () => {
    const { session, sockets, exits, statuses, getTicket } = setup();
    await flush();
    sockets[0]!.open();
    sockets[0]!.text('{"type":"exit","exit_code":130}');
    sockets[0]!.serverClose(1000, "process exited");
    expect(exits).toEqual([130]);
    expect(session.status).toBe("exited");
    expect(statuses.at(-1)).toEqual(["exited", "The process exited with code 130."]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(getTicket).toHaveBeenCalledTimes(1);
  });

  it("an exit without a code says so", async () => {
    const { exits, sockets } = setup();
    await flush();
    sockets[0]!.open();
    sockets[0]!.text('{"type":"exit","exit_code":null}');
    expect(exits).toEqual([null]);
  });

  it("shows close 1008 as access withdrawn and does not reconnect", async () => {
    const { session, sockets, statuses, getTicket } = setup();
    await flush();
    sockets[0]!.open();
    sockets[0]!.serverClose(1008, "access withdrawn");
    expect(session.status).toBe("denied");
    expect(statuses.at(-1)).toEqual(["denied", "access withdrawn"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(getTicket).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a connection lost without an exit message ends the session (no automatic reconnect)", async () => {
    const { session, sockets } = setup();
    await flush();
    sockets[0]!.open();
    sockets[0]!.serverClose(1006);
    expect(session.status).toBe("closed");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("a refused ticket ends as denied with the problem's detail and code", async () => {
    const { session, sockets, statuses } = setup({
      getTicket: async () => {
        throw new ApiError({ status: 403, code: "permission_denied", title: "Forbidden", detail: "No exec here." });
      },
    });
    await flush();
    expect(sockets).toHaveLength(0);
    expect(session.status).toBe("denied");
    expect(statuses.at(-1)).toEqual(["denied", "No exec here. (permission_denied)"]);
  });

  it("close() by the caller closes the socket with 1000 and ignores later events", async () => {
    const { session, sockets, output } = setup();
    await flush();
    const ws = sockets[0]!;
    ws.open();
    session.close();
    expect(ws.closedByClient).toBe(1000);
    expect(session.status).toBe("closed");
    ws.binary([1]);
    expect(output).toEqual([]);
    session.sendText("x");
    expect(ws.sent).toEqual([]);
  });

  it("closing before the ticket arrives opens no socket", async () => {
    const { session, sockets } = setup();
    session.close();
    await flush();
    expect(sockets).toHaveLength(0);
  });
});
