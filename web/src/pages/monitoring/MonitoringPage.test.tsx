import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { monitoringServer } from "../../test/monitoring";
import { memberPermissions, renderPage } from "../../test/renderPage";
import MonitoringPage from "./MonitoringPage";

describe("MonitoringPage", () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows the alert sections only to callers who see alerts", async () => {
    renderPage(<MonitoringPage section="rules" />, monitoringServer(), { permissions: memberPermissions(["containers:read"]) });
    const nav = screen.getByRole("navigation", { name: "Monitoring" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual(["Metric history"]);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Monitoring: Metric history");
    cleanup();

    renderPage(<MonitoringPage section="rules" />, monitoringServer(), { permissions: memberPermissions(["alerts:read"]) });
    const links = within(screen.getByRole("navigation", { name: "Monitoring" })).getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Metric history", "Alerts", "Alert rules", "Silences"]);
    expect(links[2]!.getAttribute("aria-current")).toBe("page");
    expect(await screen.findByRole("table", { name: "Alert rules" })).toBeTruthy();
  });
});
