// Test support shared by the Images, Networks and Volumes page tests (not part of the app).

import { vi } from "vitest";
import type { Services } from "../../lib/services";

export const HOSTILE = "<img src=x onerror=alert(1)>";

/** A WebSocket stand-in: openLive makes one per connection; tests open it and send messages. */
export class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.(new Event("open"));
  }
  message(data: unknown) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(data) }));
  }
}

export function stubSockets(): typeof FakeSocket.made {
  FakeSocket.made = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  return FakeSocket.made;
}

export interface SentRequest {
  url: string;
  method: string;
  init: RequestInit;
}

/**
 * Records what the API client hands to fetch, with the body as it is (a File stays a File) and
 * the abort signal, which the scripted fetch's call log does not keep.
 */
export function captureRequests(services: Services): SentRequest[] {
  const sent: SentRequest[] = [];
  const client = services.api as unknown as { fetchImpl: typeof fetch };
  const inner = client.fetchImpl;
  client.fetchImpl = (input, init) => {
    sent.push({ url: String(input), method: init?.method ?? "GET", init: init ?? {} });
    return inner(input, init);
  };
  return sent;
}

/** A 200 NDJSON answer whose lines the test writes one at a time. */
export function scriptedNdjson() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "Content-Type": "application/x-ndjson" } }),
    push(line: unknown) {
      controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
    },
    end() {
      controller.close();
    },
  };
}

/**
 * jsdom has <dialog> without showModal() and close(); the Dialog component falls back to the
 * open attribute for the first but calls close() when it unmounts.
 */
export function polyfillDialog(): void {
  const proto = HTMLDialogElement.prototype as unknown as { showModal?: () => void; close?: () => void };
  if (typeof proto.showModal !== "function") {
    proto.showModal = function (this: HTMLDialogElement) {
      this.setAttribute("open", "");
    };
  }
  if (typeof proto.close !== "function") {
    proto.close = function (this: HTMLDialogElement) {
      this.removeAttribute("open");
    };
  }
}
