// A WebSocket stand-in for the page tests: installed as the global WebSocket, it records every
// socket the page opens and lets the test play the server.

import { vi } from "vitest";

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  sent: (string | Uint8Array)[] = [];
  closedByClient: number | undefined;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  get path(): string {
    return new URL(this.url).pathname;
  }

  get query(): URLSearchParams {
    return new URL(this.url).searchParams;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView) {
    if (typeof data === "string") this.sent.push(data);
    else if (ArrayBuffer.isView(data)) this.sent.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else this.sent.push(new Uint8Array(data));
  }

  close(code?: number) {
    this.closedByClient = code ?? 1000;
    this.readyState = 3;
  }

  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  text(data: string) {
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  json(value: unknown) {
    this.text(JSON.stringify(value));
  }

  binary(bytes: number[]) {
    this.onmessage?.(new MessageEvent("message", { data: new Uint8Array(bytes).buffer }));
  }

  serverClose(code: number, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code === 1000 } as CloseEvent);
  }
}

export function installFakeWebSocket() {
  FakeWebSocket.instances = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
}

/** The sockets opened on a path ending with `suffix`. */
export function socketsOn(suffix: string): FakeWebSocket[] {
  return FakeWebSocket.instances.filter((s) => s.path.endsWith(suffix));
}
