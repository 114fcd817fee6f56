import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, buildUrl } from "./api";
import { TokenStore } from "./tokens";
import { fakeFetch, json, noContent, problem } from "../test/fakeFetch";

const pair = (n: number) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "Bearer", expires_in: 900 });

function signedInClient(respond: Parameters<typeof fakeFetch>[0], timeoutMs?: number) {
  const tokens = new TokenStore();
  tokens.set(pair(1));
  const fake = fakeFetch(respond);
  const onSessionLost = vi.fn();
  const api = new ApiClient({ tokens, fetch: fake.fetch, onSessionLost, timeoutMs });
  return { api, tokens, calls: fake.calls, onSessionLost };
}

describe("ApiClient", () => {
  it("sends the bearer token and a JSON body, and parses the JSON answer", async () => {
    const { api, calls } = signedInClient(() => json(200, { ok: true }));
    const answer = await api.post<{ ok: boolean }>("/api/v1/things", { a: 1 }, { query: { all: true, name: "x y", skip: undefined } });
    expect(answer).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("/api/v1/things?all=1&name=x+y");
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.headers["authorization"]).toBe("Bearer access-1");
    expect(calls[0]!.headers["content-type"]).toBe("application/json");
    expect(calls[0]!.body).toEqual({ a: 1 });
  });

  it("answers undefined for 204", async () => {
    const { api } = signedInClient(() => noContent());
    await expect(api.post("/api/v1/environments/local/containers/x/start")).resolves.toBeUndefined();
  });

  it("turns a problem document into a typed ApiError", async () => {
    const { api } = signedInClient(() => problem(409, "container_conflict", "The name web is taken.", "Conflict"));
    const error = await api.post("/api/v1/environments/local/containers").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "container_conflict", title: "Conflict", detail: "The name web is taken.", requestId: "req-1" });
  });

  it("makes an ApiError from an answer that is not a problem document", async () => {
    const { api } = signedInClient(() => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "Content-Type": "text/html" } }));
    await expect(api.get("/api/v1/environments")).rejects.toMatchObject({ status: 502, code: "http_502", title: "Bad Gateway", detail: "" });
  });

  it("on 401 refreshes once and retries with the new token", async () => {
    const { api, tokens, calls, onSessionLost } = signedInClient((call) => {
      if (call.url === "/api/v1/auth/refresh") return json(200, pair(2));
      return call.headers["authorization"] === "Bearer access-2" ? json(200, { items: [] }) : problem(401, "token_expired", "The token has expired.");
    });
    await expect(api.get("/api/v1/environments")).resolves.toEqual({ items: [] });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/environments", "/api/v1/auth/refresh", "/api/v1/environments"]);
    expect(calls[1]!.body).toEqual({ refresh_token: "refresh-1" });
    expect(calls[1]!.headers["authorization"]).toBeUndefined();
    expect(tokens.accessToken).toBe("access-2");
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("when the refresh fails, forgets the tokens and reports the lost session (no second refresh)", async () => {
    const { api, tokens, calls, onSessionLost } = signedInClient((call) => {
      if (call.url === "/api/v1/auth/refresh") return problem(401, "refresh_token_reused", "The session was revoked.");
      return problem(401, "session_revoked", "The session was revoked.");
    });
    const error = await api.get("/api/v1/me").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "session_revoked" });
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/me", "/api/v1/auth/refresh"]);
    expect(tokens.signedIn).toBe(false);
    expect(onSessionLost).toHaveBeenCalledTimes(1);
  });

  it("when the retry after a good refresh is still 401, goes to login without refreshing again", async () => {
    let refreshes = 0;
    const { api, tokens, calls, onSessionLost } = signedInClient((call) => {
      if (call.url === "/api/v1/auth/refresh") {
        refreshes += 1;
        return json(200, pair(1 + refreshes));
      }
      return problem(401, "invalid_token", "Bad token.");
    });
    await expect(api.get("/api/v1/me")).rejects.toMatchObject({ code: "invalid_token" });
    expect(refreshes).toBe(1);
    expect(calls).toHaveLength(3);
    expect(tokens.signedIn).toBe(false);
    expect(onSessionLost).toHaveBeenCalledTimes(1);
  });

  it("shares one refresh between concurrent 401s (a refresh token works once)", async () => {
    let refreshes = 0;
    const { api } = signedInClient(async (call) => {
      if (call.url === "/api/v1/auth/refresh") {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, pair(2));
      }
      return call.headers["authorization"] === "Bearer access-2" ? json(200, { url: call.url }) : problem(401, "token_expired");
    });
    const answers = await Promise.all([api.get("/a"), api.get("/b"), api.get("/c")]);
    expect(answers).toEqual([{ url: "/a" }, { url: "/b" }, { url: "/c" }]);
    expect(refreshes).toBe(1);
  });

  it("keeps the session on a 401 that answers the request itself (a wrong two-factor code)", async () => {
    const { api, calls, tokens, onSessionLost } = signedInClient(() => problem(401, "invalid_mfa_code", "The code is wrong."));
    const error = await api.post("/api/v1/me/mfa/totp/confirm", { code: "000000" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("invalid_mfa_code");
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/me/mfa/totp/confirm"]);
    expect(tokens.signedIn).toBe(true);
    expect(onSessionLost).not.toHaveBeenCalled();
  });

  it("does not refresh for the public sign-in routes", async () => {
    const tokens = new TokenStore();
    const fake = fakeFetch(() => problem(401, "invalid_credentials", "Wrong username or password."));
    const api = new ApiClient({ tokens, fetch: fake.fetch });
    await expect(api.post("/api/v1/auth/login", { username: "a", password: "b" }, { auth: false })).rejects.toMatchObject({
      code: "invalid_credentials",
    });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.headers["authorization"]).toBeUndefined();
  });

  it("gives up after the timeout with an ApiError `timeout`", async () => {
    vi.useFakeTimers();
    try {
      const { api } = signedInClient(() => new Promise<Response>(() => {}), 1000);
      const pending = api.get("/api/v1/slow").catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(999);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).resolves.toMatchObject({ status: 0, code: "timeout" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports an unreachable server as `network_error`", async () => {
    const { api } = signedInClient(() => {
      throw new TypeError("Failed to fetch");
    });
    await expect(api.get("/api/v1/me")).rejects.toMatchObject({ status: 0, code: "network_error" });
  });
});

describe("buildUrl", () => {
  it("repeats array values and drops empty ones", () => {
    expect(buildUrl("/x", { label: ["a=1", "b=2"], e: "", f: null, g: false, n: 0 })).toBe("/x?label=a%3D1&label=b%3D2&n=0");
    expect(buildUrl("/x", {})).toBe("/x");
  });
});
