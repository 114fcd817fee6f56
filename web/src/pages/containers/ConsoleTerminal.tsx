// The terminal (xterm.js), in a chunk of its own that only the Console tab loads. Its DOM
// renderer adds <style> elements when it opens: they are made inside withStyleNonce so the
// page's style-src nonce lets them apply.

import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, type RefObject } from "react";
import { withStyleNonce } from "../../lib/styleNonce";

export interface TerminalHandle {
  write(data: Uint8Array | string): void;
  reset(): void;
  focus(): void;
  /** Fits the terminal to its box and returns its size. */
  fit(): { cols: number; rows: number };
  getSelection(): string;
  /** Types `text` as a paste (bracketed when the program asked for it). */
  paste(text: string): void;
}

export interface TerminalEvents {
  onData(data: string): void;
  onBinary(data: string): void;
  onResize(size: { cols: number; rows: number }): void;
}

/** The key that moves the focus out of the terminal (Tab belongs to the shell there). */
export const LEAVE_KEY = "F6";

export default function ConsoleTerminal({
  label,
  events,
  onReady,
  onLeave,
}: {
  label: string;
  events: RefObject<TerminalEvents | null>;
  onReady: (handle: TerminalHandle | null) => void;
  onLeave?: () => void;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;
  const onLeaveRef = useRef(onLeave);
  onLeaveRef.current = onLeave;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const terminal = new Terminal({
      cursorBlink: true,
      scrollback: 5000,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
    });
    const fitAddon = new FitAddon();
    terminal.loadAddon(fitAddon);
    // Without a way out, the terminal would trap keyboard users: Tab is the shell's.
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.key !== LEAVE_KEY) return true;
      if (event.type === "keydown") onLeaveRef.current?.();
      return false;
    });
    withStyleNonce(() => terminal.open(host));
    const fit = () => {
      try {
        fitAddon.fit();
      } catch {
        // Not laid out yet (hidden): the size stays as it was.
      }
      return { cols: terminal.cols, rows: terminal.rows };
    };
    fit();
    const subscriptions = [
      terminal.onData((data) => events.current?.onData(data)),
      terminal.onBinary((data) => events.current?.onBinary(data)),
      terminal.onResize((size) => events.current?.onResize(size)),
    ];
    const observer = typeof ResizeObserver === "function" ? new ResizeObserver(() => fit()) : null;
    observer?.observe(host);
    onReadyRef.current({
      write: (data) => terminal.write(data),
      reset: () => terminal.reset(),
      focus: () => terminal.focus(),
      fit,
      getSelection: () => terminal.getSelection(),
      paste: (text) => terminal.paste(text),
    });
    return () => {
      onReadyRef.current(null);
      observer?.disconnect();
      for (const s of subscriptions) s.dispose();
      terminal.dispose();
    };
  }, [events]);

  return <div ref={hostRef} className="terminal-host" role="group" aria-label={label} />;
}
