// An interactive shell in the container (lib/console.ts over the exec WebSocket) in a terminal
// loaded on demand. A session is never reopened by itself: Connect starts a new process.

import { lazy, Suspense, useEffect, useId, useRef, useState } from "react";
import { openConsole, binaryStringToBytes, type ConsoleSession, type ConsoleStatus } from "../../lib/console";
import { execPath } from "../../lib/containers";
import { useDokkerr } from "../../lib/services";
import { parseCommand } from "./command";
import type { TerminalEvents, TerminalHandle } from "./ConsoleTerminal";

const ConsoleTerminal = lazy(() => import("./ConsoleTerminal"));

type Shell = "sh" | "bash" | "custom";

const STATUS_TEXT: Record<ConsoleStatus | "idle", string> = {
  idle: "Not connected.",
  connecting: "Connecting…",
  open: "Connected.",
  exited: "The session ended.",
  denied: "Access withdrawn.",
  closed: "Disconnected.",
  failed: "Could not connect.",
};

export function ConsoleTab({ env, id, name, running }: { env: string; id: string; name: string; running: boolean }) {
  const dokkerr = useDokkerr();
  const [shell, setShell] = useState<Shell>("sh");
  const [custom, setCustom] = useState("");
  const [customError, setCustomError] = useState("");
  const [status, setStatus] = useState<ConsoleStatus | "idle">("idle");
  const [detail, setDetail] = useState<string | undefined>();
  const [note, setNote] = useState("");
  const [ready, setReady] = useState(false);
  const errorId = useId();
  const toolbarRef = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<TerminalHandle | null>(null);
  const sessionRef = useRef<ConsoleSession | null>(null);
  const eventsRef = useRef<TerminalEvents | null>({
    onData: (data) => sessionRef.current?.sendText(data),
    onBinary: (data) => sessionRef.current?.sendBytes(binaryStringToBytes(data)),
    onResize: ({ cols, rows }) => sessionRef.current?.resize(cols, rows),
  });

  useEffect(
    () => () => {
      sessionRef.current?.close();
      sessionRef.current = null;
    },
    [],
  );

  const active = status === "connecting" || status === "open";

  const connect = () => {
    const terminal = terminalRef.current;
    if (!terminal) return;
    let argv: string[];
    if (shell === "custom") {
      const parsed = parseCommand(custom);
      if (!parsed.ok || parsed.argv.length === 0) {
        setCustomError(parsed.ok ? "Enter the command to run." : parsed.error);
        return;
      }
      argv = parsed.argv;
    } else {
      argv = [shell];
    }
    setCustomError("");
    sessionRef.current?.close();
    terminal.reset();
    const { cols, rows } = terminal.fit();
    const session = openConsole({
      path: execPath(env, id),
      cmd: argv,
      cols,
      rows,
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onOutput: (bytes) => terminalRef.current?.write(bytes),
      onStatus: (next, why) => {
        setStatus(next);
        setDetail(why);
      },
      onExit: (code) => terminalRef.current?.write(`\r\n[exited with code ${code ?? "unknown"}]\r\n`),
    });
    sessionRef.current = session;
    terminal.focus();
  };

  const disconnect = () => {
    sessionRef.current?.close();
    sessionRef.current = null;
  };

  const copySelection = async () => {
    const text = terminalRef.current?.getSelection() ?? "";
    if (!text) {
      setNote("Select text in the terminal first.");
      return;
    }
    try {
      if (!navigator.clipboard) throw new Error("the browser offers no clipboard here (it needs HTTPS)");
      await navigator.clipboard.writeText(text);
      setNote("Copied the selection.");
    } catch (error) {
      setNote(`Could not copy: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const paste = async () => {
    try {
      if (!navigator.clipboard) throw new Error("the browser offers no clipboard here (it needs HTTPS)");
      const text = await navigator.clipboard.readText();
      terminalRef.current?.paste(text);
      terminalRef.current?.focus();
    } catch (error) {
      setNote(`Could not paste: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const ended = status === "denied" || status === "failed" || (status === "closed" && detail !== "Disconnected.");

  return (
    <div>
      <h2 className="visually-hidden">Console</h2>
      <div className="toolbar" ref={toolbarRef}>
        <label className="inline-label">
          <span>Command</span>
          <select value={shell} onChange={(e) => setShell(e.target.value as Shell)} disabled={active}>
            <option value="sh">sh</option>
            <option value="bash">bash</option>
            <option value="custom">Other…</option>
          </select>
        </label>
        {shell === "custom" ? (
          <label className="inline-label">
            <span>Program and arguments</span>
            <input
              value={custom}
              onChange={(e) => setCustom(e.target.value)}
              disabled={active}
              maxLength={4096}
              className="mono"
              spellCheck={false}
              autoComplete="off"
              aria-invalid={customError ? true : undefined}
              aria-describedby={customError ? errorId : undefined}
              placeholder="/bin/ash -l"
            />
          </label>
        ) : null}
        {active ? (
          <button type="button" className="button-secondary" onClick={disconnect}>
            Disconnect
          </button>
        ) : (
          <button type="button" onClick={connect} disabled={!ready || !running}>
            Connect
          </button>
        )}
        <button type="button" className="button-secondary" onClick={() => void copySelection()} disabled={!ready}>
          Copy selection
        </button>
        <button type="button" className="button-secondary" onClick={() => void paste()} disabled={status !== "open"}>
          Paste
        </button>
      </div>
      {customError ? (
        <p className="field-error" id={errorId}>
          {customError}
        </p>
      ) : null}
      {!running ? <p className="muted">The container is not running: start it to open a console.</p> : null}
      {ended ? (
        <div className="notice notice-error" role="alert">
          <p>
            {STATUS_TEXT[status]} {detail ?? ""}
          </p>
        </div>
      ) : (
        <p role="status" className="muted small">
          {STATUS_TEXT[status]}
          {status === "exited" && detail ? ` ${detail}` : ""}
        </p>
      )}
      {note ? (
        <p role="status" className="muted small">
          {note}
        </p>
      ) : null}
      <p className="muted small">In the terminal, Tab goes to the program; press F6 to move the focus out of it.</p>
      <div className="console-box">
        <Suspense fallback={<p role="status">Loading the terminal…</p>}>
          <ConsoleTerminal
            label={`Console of ${name}`}
            events={eventsRef}
            onLeave={() => toolbarRef.current?.querySelector<HTMLElement>("button:not(:disabled)")?.focus()}
            onReady={(handle) => {
              terminalRef.current = handle;
              setReady(handle !== null);
            }}
          />
        </Suspense>
      </div>
    </div>
  );
}
