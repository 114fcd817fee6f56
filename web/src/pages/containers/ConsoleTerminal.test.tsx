import { cleanup, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import ConsoleTerminal, { type TerminalHandle } from "./ConsoleTerminal";

// xterm.js asks for a canvas while its module loads; jsdom has none (and says so loudly).
vi.hoisted(() => {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
});

// The real xterm.js under jsdom: no layout, no canvas, no media queries, but its DOM renderer
// builds its <style> elements all the same.
describe("ConsoleTerminal", () => {
  let meta: HTMLMetaElement;
  beforeEach(() => {
    meta = document.createElement("meta");
    meta.setAttribute("name", "dokkerr-style-nonce");
    meta.setAttribute("content", "r4nd0m-n0nce");
    document.head.appendChild(meta);
    Object.defineProperty(window, "matchMedia", {
      configurable: true,
      value: () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} }),
    });
  });
  afterEach(() => {
    cleanup();
    meta.remove();
    delete (window as { matchMedia?: unknown }).matchMedia;
  });

  it("opens xterm with the page's style nonce on every <style> it adds, and hands over a handle", () => {
    const before = document.createElement;
    let handle: TerminalHandle | null = null;
    const { container, unmount } = render(
      <ConsoleTerminal label="Console of web" events={{ current: null }} onReady={(h) => (handle = h)} />,
    );
    const styles = [...container.querySelectorAll("style")];
    expect(styles.length).toBeGreaterThan(0);
    for (const style of styles) expect(style.getAttribute("nonce")).toBe("r4nd0m-n0nce");
    // Only the opening was wrapped.
    expect(document.createElement).toBe(before);
    expect(handle).not.toBeNull();
    expect(handle!.fit()).toEqual({ cols: expect.any(Number), rows: expect.any(Number) });
    unmount();
    expect(handle).toBeNull();
  });
});
