import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, problem } from "../../test/fakeFetch";
import { installFakeWebSocket, socketsOn } from "../../test/fakeWebSocket";
import { alert, HOSTILE, monitoringServer } from "../../test/monitoring";
import { memberPermissions, renderPage } from "../../test/renderPage";
import AlertsSection from "./AlertsSection";

const STREAM = "/api/v1/alerts/stream";

describe("AlertsSection", () => {
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("shows the firing alerts the stream pushes, hostile strings as text, and acknowledges one", async () => {
    const hostile = alert({ rule: { id: "r-1", name: HOSTILE }, container: { id: "c".repeat(64), name: HOSTILE }, summary: HOSTILE });
    const { calls, container } = renderPage(
      <AlertsSection />,
      monitoringServer({}, (call) =>
        call.method === "POST" && call.url === "/api/v1/alerts/al-1/ack" ? json(200, { ...hostile, acknowledged_by: "alice", acknowledged_at: new Date().toISOString() }) : undefined,
      ),
    );
    await waitFor(() => expect(socketsOn(STREAM)).toHaveLength(1));
    const socket = socketsOn(STREAM)[0]!;
    expect(socket.query.get("ticket")).toBe("tk");
    act(() => {
      socket.open();
      socket.json({ type: "firing", items: [hostile] });
    });
    const table = screen.getByRole("table", { name: "Firing alerts" });
    const row = (await within(table).findByRole("rowheader", { name: HOSTILE })).closest("tr")!;
    expect(within(row).getAllByText(HOSTILE).length).toBe(3);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByRole("heading", { name: "Firing (1)" })).toBeTruthy();
    expect(await screen.findByText("Live")).toBeTruthy();

    await userEvent.click(within(row).getByRole("button", { name: `Acknowledge ${HOSTILE} on ${HOSTILE}` }));
    expect(await within(row).findByText("acknowledged by alice")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST" && c.url === "/api/v1/alerts/al-1/ack")).toBe(true);
    expect(within(row).queryByRole("button", { name: /^Acknowledge/ })).toBeNull();

    // A new push replaces the list: the alert resolved.
    act(() => socket.json({ type: "firing", items: [] }));
    expect(await screen.findByText("Nothing is firing.")).toBeTruthy();
  });

  it("offers no acknowledging or silencing to a member who only reads alerts", async () => {
    renderPage(<AlertsSection />, monitoringServer({ firing: [alert()] }), { permissions: memberPermissions(["alerts:read"]) });
    await waitFor(() => expect(socketsOn(STREAM)).toHaveLength(1));
    act(() => {
      socketsOn(STREAM)[0]!.open();
      socketsOn(STREAM)[0]!.json({ type: "firing", items: [alert()] });
    });
    const row = (await screen.findByRole("rowheader", { name: "busy CPU" })).closest("tr")!;
    expect(within(row).queryByRole("button", { name: /Acknowledge/ })).toBeNull();
    expect(within(row).queryByRole("button", { name: /Silence/ })).toBeNull();
    expect(within(row).getByRole("button", { name: "Notifications of busy CPU on web" })).toBeTruthy();
  });

  it("shows the refusal of an acknowledgement with its code", async () => {
    renderPage(
      <AlertsSection />,
      monitoringServer({ firing: [alert()] }, (call) => (call.method === "POST" && call.url.endsWith("/ack") ? problem(403, "permission_denied", "You need alerts:manage in this team.") : undefined)),
      { permissions: memberPermissions(["alerts:read", "alerts:manage"]) },
    );
    const button = await screen.findByRole("button", { name: "Acknowledge busy CPU on web" });
    await userEvent.click(button);
    const refusal = await screen.findByRole("alert");
    expect(refusal.textContent).toContain("You need alerts:manage in this team.");
    expect(refusal.textContent).toContain("permission_denied");
  });

  it("reads the list every 10 s while the stream is refused", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let firing = [alert()];
    renderPage(
      <AlertsSection />,
      monitoringServer({}, (call) => {
        if (call.url === "/api/v1/auth/ws-ticket") return problem(404, "route_not_found", "no stream");
        if (call.url.startsWith("/api/v1/alerts?state=firing")) return json(200, { items: firing });
        return undefined;
      }),
    );
    expect(await screen.findByRole("rowheader", { name: "busy CPU" })).toBeTruthy();
    expect(await screen.findByText("Not live; reading every 10 s")).toBeTruthy();
    expect(socketsOn(STREAM)).toHaveLength(0);
    firing = [alert(), alert({ id: "al-2", rule: { id: "r-2", name: "memory" } })];
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(await screen.findByRole("rowheader", { name: "memory" })).toBeTruthy();
  });

  it("lists an alert's notifications, their errors as text", async () => {
    renderPage(
      <AlertsSection />,
      monitoringServer({ resolved: [alert({ status: "resolved", resolved_at: new Date().toISOString() })] }, (call) =>
        call.url === "/api/v1/alerts/al-1/deliveries"
          ? json(200, { items: [{ id: "d1", url: "https://hooks.example/x", format: "dokkerr", state: "failed", attempts: 8, next_attempt_at: null, last_error: HOSTILE }] })
          : undefined,
      ),
    );
    const resolved = await screen.findByRole("table", { name: "Resolved alerts, newest first" });
    await userEvent.click(await within(resolved).findByRole("button", { name: "Notifications of busy CPU on web" }));
    const dialog = await screen.findByRole("dialog", { name: "Notifications of busy CPU" });
    expect(await within(dialog).findByText(HOSTILE)).toBeTruthy();
    expect(within(dialog).getByText("failed")).toBeTruthy();
    expect(dialog.querySelector("img")).toBeNull();
  });
});
