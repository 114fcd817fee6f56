import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useEffect, type RefObject } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { CONTAINER_ID, containerServer, setUpContainerPage } from "../../test/containerPage";
import { renderPage } from "../../test/renderPage";
import ContainerDetailPage from "./ContainerDetailPage";
import type { TerminalEvents, TerminalHandle } from "./ConsoleTerminal";
import { FakeWebSocket, socketsOn } from "../../test/fakeWebSocket";

// xterm.js needs a laid-out page; the tests drive a stand-in with the same handle.
const terminal = vi.hoisted(() => ({
  written: [] as (string | number[])[],
  resets: 0,
  events: null as RefObject<TerminalEvents | null> | null,
  selection: "",
  pasted: [] as string[],
}));

vi.mock("./ConsoleTerminal", () => ({
  default: function FakeTerminal({ events, onReady }: { label: string; events: RefObject<TerminalEvents | null>; onReady: (h: TerminalHandle | null) => void }) {
    useEffect(() => {
      terminal.events = events;
      onReady({
        write: (data) => terminal.written.push(typeof data === "string" ? data : [...data]),
        reset: () => {
          terminal.resets += 1;
        },
        focus: () => undefined,
        fit: () => ({ cols: 100, rows: 30 }),
        getSelection: () => terminal.selection,
        paste: (text) => terminal.pasted.push(text),
      });
      return () => onReady(null);
    }, [events, onReady]);
    return <div data-testid="terminal" />;
  },
}));

const ID = CONTAINER_ID;

function server(running = true) {
  return containerServer(() => ({ Id: ID, Name: "/web", State: { Status: running ? "running" : "exited", Running: running }, Config: { Image: "nginx" } }));
}

async function connect(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByTestId("terminal");
  const button = await screen.findByRole("button", { name: "Connect" });
  await waitFor(() => expect(button).toHaveProperty("disabled", false));
  await user.click(button);
  await waitFor(() => expect(socketsOn("/exec")).toHaveLength(1));
  return socketsOn("/exec")[0]!;
}

describe("ConsoleTab", { timeout: 20_000 }, () => {
  setUpContainerPage("#/containers/view?env=local&id=web&tab=console");
  beforeEach(() => {
    terminal.written = [];
    terminal.resets = 0;
    terminal.pasted = [];
    terminal.selection = "";
  });

  it("opens sh with the terminal's size, relays bytes both ways, resizes, and shows the exit code", async () => {
    const user = userEvent.setup();
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server());
    const socket = await connect(user);
    expect(socket.path).toBe(`/api/v1/environments/local/containers/${ID}/exec`);
    expect(socket.url).toContain("?cmd=sh&tty=1&cols=100&rows=30&ticket=tk");
    expect(socket.binaryType).toBe("arraybuffer");
    act(() => socket.open());
    expect(await screen.findByText("Connected.")).toBeTruthy();

    act(() => socket.binary([36, 32]));
    expect(terminal.written).toContainEqual([36, 32]);
    act(() => terminal.events!.current!.onData("ls\r"));
    expect([...(socket.sent[0] as Uint8Array)]).toEqual([108, 115, 13]);
    act(() => terminal.events!.current!.onResize({ cols: 120, rows: 40 }));
    expect(JSON.parse(socket.sent[1] as string)).toEqual({ type: "resize", cols: 120, rows: 40 });

    act(() => {
      socket.text('{"type":"exit","exit_code":3}');
      socket.serverClose(1000, "process exited");
    });
    expect(await screen.findByText("The session ended. The process exited with code 3.")).toBeTruthy();
    expect(terminal.written).toContain("\r\n[exited with code 3]\r\n");
    expect(screen.getByRole("button", { name: "Connect" })).toBeTruthy();
    // A console is a session: nothing reconnects by itself.
    await new Promise((r) => setTimeout(r, 700));
    expect(socketsOn("/exec")).toHaveLength(1);
  });

  it("runs a custom argv, and refuses an unbalanced one", async () => {
    const user = userEvent.setup();
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server());
    await screen.findByTestId("terminal");
    await user.selectOptions(await screen.findByLabelText("Command"), "custom");
    const input = screen.getByLabelText("Program and arguments");
    await user.type(input, `bash -lc "echo 'hi'`);
    await user.click(screen.getByRole("button", { name: "Connect" }));
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText('A double quote (") is not closed.')).toBeTruthy();
    expect(socketsOn("/exec")).toHaveLength(0);
    await user.type(input, `"`);
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(socketsOn("/exec")).toHaveLength(1));
    expect(socketsOn("/exec")[0]!.query.getAll("cmd")).toEqual(["bash", "-lc", "echo 'hi'"]);
  });

  it("shows close 1008 as access withdrawn", async () => {
    const user = userEvent.setup();
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server());
    const socket = await connect(user);
    act(() => {
      socket.open();
      socket.serverClose(1008, "access withdrawn");
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Access withdrawn. access withdrawn");
  });

  it("disconnects on request and when the page goes away", async () => {
    const user = userEvent.setup();
    const { unmount } = renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server());
    const socket = await connect(user);
    act(() => socket.open());
    await user.click(await screen.findByRole("button", { name: "Disconnect" }));
    expect(socket.closedByClient).toBe(1000);
    expect(await screen.findByText("Disconnected.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(socketsOn("/exec")).toHaveLength(2));
    unmount();
    expect(FakeWebSocket.instances.every((s) => s.closedByClient === 1000)).toBe(true);
  });

  it("copies the selection and pastes through the clipboard", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => undefined);
    const readText = vi.fn(async () => "echo pasted");
    Object.defineProperty(navigator, "clipboard", { value: { writeText, readText }, configurable: true });
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server());
    const socket = await connect(user);
    act(() => socket.open());
    terminal.selection = "some output";
    await user.click(screen.getByRole("button", { name: "Copy selection" }));
    expect(writeText).toHaveBeenCalledWith("some output");
    await user.click(screen.getByRole("button", { name: "Paste" }));
    expect(terminal.pasted).toEqual(["echo pasted"]);
  });

  it("offers no connection to a container that is not running", async () => {
    renderPage(<ContainerDetailPage env="local" id="web" tab="console" />, server(false));
    expect(await screen.findByText(/The container is not running/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Connect" })).toHaveProperty("disabled", true);
  });
});
