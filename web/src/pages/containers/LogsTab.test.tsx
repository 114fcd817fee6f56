import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CONTAINER_ID, containerServer, setUpContainerPage } from "../../test/containerPage";
import { renderPage } from "../../test/renderPage";
import ContainerDetailPage from "./ContainerDetailPage";
import { FakeWebSocket, socketsOn } from "../../test/fakeWebSocket";
import { appendCapped, highlightParts, LogAssembler, MAX_LOG_LINES, parseTimestamp, sinceAfter, splitTimestamp } from "./logBuffer";

const ID = CONTAINER_ID;
const SCRIPT = "<script>alert(1)</script>";
const T0 = "2024-05-01T10:00:00";
const T0_SECONDS = Date.parse(`${T0}Z`) / 1000;

function server() {
  return containerServer(() => ({ Id: ID, Name: "/web", State: { Status: "running", Running: true }, Config: { Image: "nginx" }, Dokkerr: { team: null } }));
}

const entry = (stream: "stdout" | "stderr", data: string) => JSON.stringify({ stream, data });
const line = (nanos: number, text: string) => `${T0}.${String(nanos).padStart(9, "0")}Z ${text}\n`;

async function openLogs() {
  const rendered = renderPage(<ContainerDetailPage env="local" id="web" tab="logs" />, server());
  await waitFor(() => expect(socketsOn("/logs")).toHaveLength(1));
  const socket = socketsOn("/logs")[0]!;
  act(() => socket.open());
  return { ...rendered, socket };
}

function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

const logLines = () => [...document.querySelectorAll(".log-line")].map((el) => el.textContent);

describe("logBuffer", () => {
  it("splits the engine's timestamp from the text", () => {
    expect(splitTimestamp("2024-05-01T10:00:00.123456789Z hello world")).toEqual({ time: "2024-05-01T10:00:00.123456789Z", text: "hello world" });
    expect(splitTimestamp("no time here")).toEqual({ time: "", text: "no time here" });
    expect(parseTimestamp("2024-05-01T10:00:00.5Z")).toEqual([T0_SECONDS, 500_000_000]);
    expect(parseTimestamp("2024-05-01T12:00:00+02:00")).toEqual([T0_SECONDS, 0]);
  });

  it("asks for what follows the last line: one nanosecond later", () => {
    expect(sinceAfter([T0_SECONDS, 41])).toBe(`${T0_SECONDS}.000000042`);
    expect(sinceAfter([T0_SECONDS, 999_999_999])).toBe(`${T0_SECONDS + 1}.000000000`);
  });

  it("assembles lines per stream across messages and drops lines already seen", () => {
    const a = new LogAssembler();
    expect(a.feed(entry("stdout", `${T0}.000000001Z hel`))).toEqual([]);
    expect(a.feed(entry("stderr", line(2, "oops")))).toMatchObject([{ stream: "stderr", text: "oops" }]);
    expect(a.feed(entry("stdout", "lo\r\n"))).toMatchObject([{ stream: "stdout", text: "hello", time: `${T0}.000000001Z` }]);
    a.reset();
    expect(a.feed(entry("stdout", line(1, "old") + line(2, "again") + line(3, "new") + line(2, "clock set back")))).toMatchObject([
      { text: "new" },
      { text: "clock set back" },
    ]);
    expect(a.feed("not json")).toEqual([]);
    expect(a.feed(JSON.stringify({ stream: "stdout", data: 5 }))).toEqual([]);
  });

  it("keeps at most the newest MAX_LOG_LINES", () => {
    const old = Array.from({ length: 4990 }, (_, i) => i);
    const more = Array.from({ length: 20 }, (_, i) => 10_000 + i);
    const kept = appendCapped(old, more);
    expect(kept).toHaveLength(MAX_LOG_LINES);
    expect(kept[0]).toBe(10);
    expect(kept.at(-1)).toBe(10_019);
    expect(appendCapped([], Array.from({ length: 6000 }, (_, i) => i))[0]).toBe(1000);
  });

  it("cuts text around matches, whatever the case", () => {
    expect(highlightParts("Error: an error", "ERROR")).toEqual([
      { text: "Error", match: true },
      { text: ": an ", match: false },
      { text: "error", match: true },
    ]);
    expect(highlightParts("abc", "")).toEqual([{ text: "abc", match: false }]);
  });
});

describe("LogsTab", { timeout: 20_000 }, () => {
  setUpContainerPage("#/containers/view?env=local&id=web&tab=logs");

  it("opens the log stream following the last 500 lines with timestamps", async () => {
    const { socket } = await openLogs();
    expect(socket.path).toBe(`/api/v1/environments/local/containers/${ID}/logs`);
    expect(socket.query.get("follow")).toBe("1");
    expect(socket.query.get("tail")).toBe("500");
    expect(socket.query.get("timestamps")).toBe("1");
    expect(socket.query.get("since")).toBeNull();
    expect(socket.query.get("ticket")).toBe("tk");
  });

  it("shows hostile lines as text and marks stderr", async () => {
    const { socket, container } = await openLogs();
    act(() => {
      socket.text(entry("stdout", line(1, SCRIPT)));
      socket.text(entry("stderr", line(2, "<b>bad</b>")));
    });
    expect(await screen.findByText(SCRIPT)).toBeTruthy();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    const stderr = container.querySelector(".log-stderr")!;
    expect(stderr.textContent).toContain("stderr: <b>bad</b>");
    expect(stderr.textContent).toContain(`${T0}.000000002Z`);
    await userEvent.setup().click(screen.getByLabelText("Timestamps"));
    expect(container.querySelector(".log-stderr")!.textContent).not.toContain(T0);
  });

  it("filters lines client-side and marks the matches as text", async () => {
    const user = userEvent.setup();
    const { socket, container } = await openLogs();
    act(() => socket.text(entry("stdout", line(1, "GET /index <b>") + line(2, "POST /login") + line(3, "get /favicon"))));
    await waitFor(() => expect(logLines()).toHaveLength(3));
    await user.type(screen.getByLabelText("Search"), "get");
    await waitFor(() => expect(logLines()).toHaveLength(2));
    expect([...container.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["GET", "get"]);
    expect(screen.getByText(/2 of 3 lines match/)).toBeTruthy();
    expect(container.querySelector(".log-view b")).toBeNull();
  });

  it("keeps at most 5000 lines", async () => {
    const { socket } = await openLogs();
    const many = Array.from({ length: MAX_LOG_LINES + 100 }, (_, i) => line(i + 1, `line ${i + 1}`)).join("");
    act(() => socket.text(entry("stdout", many)));
    await waitFor(() => expect(logLines()).toHaveLength(MAX_LOG_LINES));
    expect(logLines()[0]).toContain("line 101");
    expect(logLines().at(-1)).toContain(`line ${MAX_LOG_LINES + 100}`);
    expect(screen.getByText(/^5000 lines/)).toBeTruthy();
  });

  it("on reconnect asks only for lines after the last one shown, and shows none twice", async () => {
    const { socket } = await openLogs();
    act(() => socket.text(entry("stdout", line(1, "first") + line(2, "second"))));
    await waitFor(() => expect(logLines()).toHaveLength(2));
    act(() => socket.serverClose(1006));
    await waitFor(() => expect(socketsOn("/logs")).toHaveLength(2), { timeout: 5000 });
    const again = socketsOn("/logs")[1]!;
    expect(again.query.get("since")).toBe(`${T0_SECONDS}.000000003`);
    expect(again.query.get("tail")).toBe(String(MAX_LOG_LINES));
    act(() => {
      again.open();
      // An engine that counts `since` inclusively would resend the boundary line.
      again.text(entry("stdout", line(2, "second") + line(3, "third")));
    });
    await waitFor(() => expect(logLines()).toHaveLength(3));
    expect(logLines().map((l) => l!.slice(l!.indexOf("Z") + 1))).toEqual(["first", "second", "third"]);
  });

  it("holds new lines while Follow is off and shows them when it is back on; Clear empties the view", async () => {
    const user = userEvent.setup();
    const { socket } = await openLogs();
    act(() => socket.text(entry("stdout", line(1, "one"))));
    await waitFor(() => expect(logLines()).toHaveLength(1));
    await user.click(screen.getByLabelText("Follow"));
    act(() => socket.text(entry("stdout", line(2, "two"))));
    expect(await screen.findByText(/1 new lines held while paused/)).toBeTruthy();
    expect(logLines()).toHaveLength(1);
    await user.click(screen.getByLabelText("Follow"));
    await waitFor(() => expect(logLines()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Clear" }));
    expect(logLines()).toHaveLength(0);
  });

  it("downloads the kept lines as a text file", async () => {
    const user = userEvent.setup();
    let blob: Blob | null = null;
    const create = vi.fn((b: Blob) => {
      blob = b;
      return "blob:test/1";
    });
    const revoke = vi.fn();
    // jsdom has no object URLs.
    vi.stubGlobal("URL", Object.assign(class extends URL {}, { createObjectURL: create, revokeObjectURL: revoke }));
    const clicks: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this);
    });
    const { socket, unmount } = await openLogs();
    act(() => socket.text(entry("stdout", line(1, "alpha"))));
    act(() => socket.text(entry("stderr", line(2, "beta"))));
    await waitFor(() => expect(logLines()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Download" }));
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.download).toBe("web-logs.txt");
    expect(clicks[0]!.getAttribute("href")).toBe("blob:test/1");
    expect(await readText(blob!)).toBe(`${T0}.000000001Z alpha\n${T0}.000000002Z [stderr] beta\n`);
    unmount();
    expect(revoke).toHaveBeenCalledWith("blob:test/1");
    expect(FakeWebSocket.instances.every((s) => s.closedByClient === 1000)).toBe(true);
  });

  it("says when access to the stream is withdrawn", async () => {
    const { socket } = await openLogs();
    act(() => socket.serverClose(1008, "access withdrawn"));
    expect(await screen.findByText("Stopped (access withdrawn)")).toBeTruthy();
  });
});
