import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../../lib/dokkerr";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import AccountPage from "./AccountPage";

const HOSTILE = "<img src=x onerror=alert(1)>";
const ME: User = { id: "u-1", username: "alice", is_admin: false };

const SESSIONS = [
  { id: "s-1", auth_method: "password", client_address: "10.0.0.1", user_agent: "Firefox", created_at: "2026-01-01T00:00:00.000Z", last_used_at: "2026-01-02T00:00:00.000Z", expires_at: "2026-02-01T00:00:00.000Z", current: true },
  { id: "s-2", auth_method: "password", client_address: "10.0.0.2", user_agent: HOSTILE, created_at: "2026-01-01T00:00:00.000Z", last_used_at: "2026-01-02T00:00:00.000Z", expires_at: "2026-02-01T00:00:00.000Z", current: false },
  { id: "s-3", auth_method: "oidc", client_address: "10.0.0.3", user_agent: "curl/8", created_at: "2026-01-01T00:00:00.000Z", last_used_at: "2026-01-02T00:00:00.000Z", expires_at: "2026-02-01T00:00:00.000Z", current: false },
];

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === "/api/v1/me/sessions") return json(200, { items: SESSIONS, next_cursor: null });
    if (call.method === "DELETE" && call.url.startsWith("/api/v1/me/sessions/")) return noContent();
    if (call.url === "/api/v1/auth/logout") return noContent();
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const rowOf = (text: string) => screen.getByText(text).closest("tr")!;

describe("My account: sessions", () => {
  afterEach(cleanup);

  it("lists sessions with this one marked and hostile user agents as text; revokes another", async () => {
    const user = userEvent.setup();
    const { calls, container } = renderPage(<AccountPage user={ME} section="sessions" />, server());
    expect((await screen.findByText(HOSTILE)).textContent).toBe(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
    expect(within(rowOf("Firefox")).getByText("this session")).toBeTruthy();
    expect(within(rowOf("Firefox")).queryByRole("button", { name: /Revoke/ })).toBeNull();

    await user.click(within(rowOf(HOSTILE)).getByRole("button", { name: /Revoke/ }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual(["/api/v1/me/sessions/s-2"]);
    expect((await screen.findByRole("status")).textContent).toContain("The session was signed out.");
  });

  it("signs out everywhere else session by session, keeping this one (the collection DELETE would end it too)", async () => {
    const user = userEvent.setup();
    const { calls, services } = renderPage(<AccountPage user={ME} section="sessions" />, server());
    await screen.findByText("curl/8");
    await user.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    expect((await screen.findByRole("status")).textContent).toContain("2 other sessions were signed out.");
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual(["/api/v1/me/sessions/s-2", "/api/v1/me/sessions/s-3"]);
    expect(services.tokens.signedIn).toBe(true);
  });

  it("signing out this session logs out", async () => {
    const user = userEvent.setup();
    const { calls, services } = renderPage(<AccountPage user={ME} section="sessions" />, server());
    await screen.findByText("Firefox");
    await user.click(within(rowOf("Firefox")).getByRole("button", { name: "Sign out" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(services.tokens.signedIn).toBe(false));
    expect(calls.some((c) => c.method === "POST" && c.url === "/api/v1/auth/logout")).toBe(true);
  });

  it("shows a refused revocation with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <AccountPage user={ME} section="sessions" />,
      server((call) => (call.method === "DELETE" ? problem(404, "session_not_found", "No such session.") : undefined)),
    );
    await screen.findByText("curl/8");
    await user.click(within(rowOf("curl/8")).getByRole("button", { name: /Revoke/ }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("No such session.");
    expect(alert.textContent).toContain("session_not_found");
  });
});
