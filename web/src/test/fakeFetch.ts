// A scripted fetch for tests: each call is recorded and answered by `respond`.

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A JSON body, parsed. */
  body: unknown;
  /** The body as sent (a File or Blob for uploads). */
  rawBody: unknown;
  signal: AbortSignal | undefined;
}

export type Responder = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function problem(status: number, code: string, detail = "", title = "Problem"): Response {
  return new Response(
    JSON.stringify({ type: `https://dokkerr.dev/problems/${code}`, title, status, detail, code, request_id: "req-1" }),
    { status, headers: { "Content-Type": "application/problem+json" } },
  );
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export function fakeFetch(respond: Responder) {
  const calls: Call[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const call: Call = {
      method: init?.method ?? "GET",
      url: String(input),
      headers,
      body: typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined,
      rawBody: init?.body,
      signal: init?.signal ?? undefined,
    };
    calls.push(call);
    const signal = init?.signal;
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    // Like fetch: an abort rejects a request still waiting for its answer.
    return new Promise<Response>((resolve, reject) => {
      signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true });
      Promise.resolve(respond(call)).then(resolve, reject);
    });
  };
  return { fetch: fn as typeof fetch, calls };
}
