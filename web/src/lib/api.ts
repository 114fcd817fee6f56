// The REST client for /api/v1: bearer tokens from the in-memory TokenStore,
// JSON bodies, problem+json errors as ApiError, one refresh on 401, bounded time.

import { TokenStore, type TokenPair } from "./tokens";

/** A failed request: the problem document's fields, or a local stand-in for them. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | undefined;

  constructor(init: { status: number; code: string; title: string; detail?: string; requestId?: string }) {
    super(init.detail || init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail ?? "";
    this.requestId = init.requestId;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** What to show a person for any thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.detail || error.title;
  if (error instanceof Error) return error.message;
  return String(error);
}

type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Sent as it is (an image tarball), with `contentType`; instead of a JSON `body`. */
  rawBody?: Blob;
  contentType?: string;
  /** false for the public sign-in routes: no Authorization header, no refresh on 401. */
  auth?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface ApiClientOptions {
  tokens: TokenStore;
  fetch?: typeof fetch;
  /** Called once the session cannot be kept (refresh failed): the app shows the login page. */
  onSessionLost?: (error: ApiError) => void;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The 401 codes that say the credentials are spent: only these are worth a refresh. Other 401s
 * answer the request itself (a wrong two-factor code) and must not end the session.
 */
export const TOKEN_PROBLEMS: ReadonlySet<string> = new Set(["authentication_required", "invalid_token", "token_expired", "session_revoked"]);

/** Whether a 401 answer is about the token (then a refresh may help). */
async function aboutTheToken(response: Response): Promise<boolean> {
  const problem = await problemFrom(response.clone());
  return TOKEN_PROBLEMS.has(problem.code);
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false || value === "") continue;
    if (Array.isArray(value)) {
      for (const item of value) params.append(key, item);
    } else {
      params.append(key, value === true ? "1" : String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Turns a non-2xx response into an ApiError, reading a problem document when there is one. */
export async function problemFrom(response: Response): Promise<ApiError> {
  const requestId = response.headers.get("X-Request-Id") ?? undefined;
  const type = response.headers.get("Content-Type") ?? "";
  let doc: Record<string, unknown> | null = null;
  if (type.includes("json")) {
    try {
      const parsed: unknown = await response.json();
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        doc = parsed as Record<string, unknown>;
      }
    } catch {
      doc = null;
    }
  }
  const text = (key: string): string | undefined => {
    const value = doc?.[key];
    return typeof value === "string" ? value : undefined;
  };
  const status = typeof doc?.status === "number" ? doc.status : response.status;
  return new ApiError({
    status,
    code: text("code") ?? `http_${response.status}`,
    title: text("title") ?? (response.statusText || `HTTP ${response.status}`),
    detail: text("detail") ?? "",
    requestId: text("request_id") ?? requestId,
  });
}

export class ApiClient {
  readonly tokens: TokenStore;
  private readonly fetchImpl: typeof fetch;
  private readonly onSessionLost: ((error: ApiError) => void) | undefined;
  private readonly timeoutMs: number;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: ApiClientOptions) {
    this.tokens = options.tokens;
    // Bound to globalThis: a detached `fetch` throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onSessionLost = options.onSessionLost;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const sentWith = this.tokens.accessToken;
    let response = await this.send(method, path, options, auth);
    if (response.status === 401 && auth && (await aboutTheToken(response))) {
      // Another request may have refreshed meanwhile: then just retry with the new token.
      const renewed = this.tokens.accessToken !== sentWith && this.tokens.accessToken !== null;
      if (renewed || (await this.refresh())) {
        response = await this.send(method, path, options, auth);
      }
      if (response.status === 401) {
        const error = await problemFrom(response);
        this.loseSession(error);
        throw error;
      }
    }
    if (!response.ok) throw await problemFrom(response);
    return (await readBody(response)) as T;
  }

  /**
   * Opens a streamed answer (chunked NDJSON such as an image pull's progress) and returns the
   * response once its head arrived; the body is the caller's to read. `timeoutMs` bounds the wait
   * for the head only; `signal` ends the stream at any time.
   */
  async openStream(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const auth = options.auth ?? true;
    const sentWith = this.tokens.accessToken;
    let response = await this.send(method, path, options, auth, true);
    if (response.status === 401 && auth && (await aboutTheToken(response))) {
      const renewed = this.tokens.accessToken !== sentWith && this.tokens.accessToken !== null;
      if (renewed || (await this.refresh())) response = await this.send(method, path, options, auth, true);
      if (response.status === 401) {
        const error = await problemFrom(response);
        this.loseSession(error);
        throw error;
      }
    }
    if (!response.ok) throw await problemFrom(response);
    return response;
  }

  /**
   * Exchanges the refresh token for a new pair. Concurrent callers share one
   * exchange: a refresh token works once, and presenting it twice revokes the session.
   */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const refreshToken = this.tokens.refreshToken;
    if (!refreshToken) return Promise.resolve(false);
    this.refreshing = (async () => {
      try {
        const response = await this.send("POST", "/api/v1/auth/refresh", { body: { refresh_token: refreshToken } }, false);
        if (!response.ok) return false;
        const pair = (await readBody(response)) as TokenPair;
        this.tokens.set(pair);
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private loseSession(error: ApiError): void {
    const hadSession = this.tokens.signedIn;
    this.tokens.clear();
    if (hadSession) this.onSessionLost?.(error);
  }

  /** `headOnly`: the timeout covers the wait for the answer's head; the body may take longer. */
  private async send(method: string, path: string, options: RequestOptions, auth: boolean, headOnly = false): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json, application/problem+json", ...options.headers };
    let body: string | Blob | undefined;
    if (options.rawBody !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/octet-stream";
      body = options.rawBody;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const token = this.tokens.accessToken;
    if (auth && token) headers["Authorization"] = `Bearer ${token}`;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs ?? this.timeoutMs);
    const outer = options.signal;
    const forward = () => controller.abort();
    if (outer) {
      if (outer.aborted) controller.abort();
      else outer.addEventListener("abort", forward, { once: true });
    }
    let streaming = false;
    try {
      const response = await this.fetchImpl(buildUrl(path, options.query), {
        method,
        headers,
        body,
        signal: controller.signal,
        // Tokens travel in Authorization only: no ambient cookies on API calls.
        credentials: "omit",
        cache: "no-store",
      });
      // A stream's body is read after this returns: the caller's signal keeps ending it.
      streaming = headOnly && response.ok;
      return response;
    } catch (cause) {
      if (timedOut) {
        throw new ApiError({ status: 0, code: "timeout", title: "Request timed out", detail: "The server did not answer in time." });
      }
      if (outer?.aborted) {
        throw new ApiError({ status: 0, code: "aborted", title: "Request cancelled" });
      }
      throw new ApiError({
        status: 0,
        code: "network_error",
        title: "Network error",
        detail: cause instanceof Error ? `The server could not be reached: ${cause.message}` : "The server could not be reached.",
      });
    } finally {
      clearTimeout(timer);
      if (!streaming) outer?.removeEventListener("abort", forward);
    }
  }
}

/**
 * The JSON objects of an NDJSON body, one per line, as they arrive. Lines that are not JSON
 * objects are skipped; a line longer than `maxLineBytes` ends the stream with an error.
 */
export async function* ndjsonObjects(
  body: ReadableStream<Uint8Array>,
  maxLineBytes = 1 << 20,
): AsyncGenerator<Record<string, unknown>> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const parse = (line: string): Record<string, unknown> | null => {
    const text = line.trim();
    if (!text) return null;
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const object = parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (object) yield object;
      }
      if (buffered.length > maxLineBytes) throw new Error("A streamed line is longer than allowed.");
    }
    buffered += decoder.decode();
    const last = parse(buffered);
    if (last) yield last;
  } finally {
    reader.releaseLock();
  }
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) return text;
  return JSON.parse(text) as unknown;
}
