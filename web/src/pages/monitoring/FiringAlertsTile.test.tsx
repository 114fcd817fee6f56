import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeWebSocket, socketsOn } from "../../test/fakeWebSocket";
import { alert, HOSTILE, monitoringServer } from "../../test/monitoring";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { DashboardPage } from "../DashboardPage";
import FiringAlertsTile from "./FiringAlertsTile";

const STREAM = "/api/v1/alerts/stream";

describe("the dashboard's alert tile", () => {
  beforeEach(() => installFakeWebSocket());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("counts the firing alerts and names the newest three, live", async () => {
    const { container } = renderPage(<FiringAlertsTile />, monitoringServer());
    await waitFor(() => expect(socketsOn(STREAM)).toHaveLength(1));
    const socket = socketsOn(STREAM)[0]!;
    const items = [0, 1, 2, 3].map((i) =>
      alert({ id: `a${i}`, rule: { id: "r", name: i === 3 ? HOSTILE : `rule ${i}` }, started_at: new Date(Date.now() - (10 - i) * 60_000).toISOString() }),
    );
    act(() => {
      socket.open();
      socket.json({ type: "firing", items });
    });
    const tile = screen.getByRole("region", { name: "Alerts" });
    await waitFor(() => expect(tile.querySelector(".alert-count")!.textContent).toBe("4 firing"));
    const newest = within(tile).getByRole("list", { name: "Newest firing alerts" });
    expect(within(newest).getAllByRole("listitem").map((li) => li.querySelector("strong")!.textContent)).toEqual([HOSTILE, "rule 2", "rule 1"]);
    expect(container.querySelector("img")).toBeNull();
    expect(within(tile).getByRole("link", { name: "All alerts" }).getAttribute("href")).toBe("#/monitoring/alerts");
  });

  it("is not on the dashboard of a member who does not see alerts", async () => {
    renderPage(<DashboardPage />, monitoringServer(), { permissions: memberPermissions(["containers:read"]) });
    await screen.findByRole("heading", { name: "Dashboard" });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole("region", { name: "Alerts" })).toBeNull();
    expect(socketsOn(STREAM)).toHaveLength(0);
  });
});
