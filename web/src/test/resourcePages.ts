// Test support shared by the Images, Networks and Volumes page tests.

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
