// Test support shared by the Images, Networks and Volumes page tests, and by the Registries and
// Webhooks page tests.

import { cleanup, screen } from "@testing-library/react";
import { vi } from "vitest";
import { json } from "./fakeFetch";

export const HOSTILE = "<img src=x onerror=alert(1)>";

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

/** The answer to GET /api/v1/teams: the teams Alpha (team-a) and Beta (team-b) of the organization o-1. */
export function twoTeams(): Response {
  return json(200, {
    items: [
      { id: "team-a", name: "Alpha", org_id: "o-1" },
      { id: "team-b", name: "Beta", org_id: "o-1" },
    ],
    next_cursor: null,
  });
}

/** The table row whose row header is `name`. */
export const rowOf = (name: string) => screen.getByRole("rowheader", { name }).closest("tr")!;

/** After each test: unmount, put the globals back and clear the address. */
export function resetPage() {
  cleanup();
  vi.unstubAllGlobals();
  window.location.hash = "";
}
