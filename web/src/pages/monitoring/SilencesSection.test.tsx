import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem } from "../../test/fakeFetch";
import { HOSTILE, monitoringServer, rule } from "../../test/monitoring";
import { memberPermissions, renderPage } from "../../test/renderPage";
import SilencesSection from "./SilencesSection";

const SILENCE = {
  id: "s-1",
  team_id: "team-a",
  rule_id: "r-1",
  container: "web",
  ends_at: new Date(Date.now() + 86_400_000).toISOString(),
  comment: HOSTILE,
  created_by: "alice",
  created_at: new Date().toISOString(),
};

describe("SilencesSection", () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("creates a silence for a day, lists it with its comment as text, and ends it", async () => {
    let silences: unknown[] = [];
    const { calls, container } = renderPage(
      <SilencesSection />,
      monitoringServer({ rules: [rule()] }, (call) => {
        if (call.method === "GET" && call.url === "/api/v1/alerts/silences") return json(200, { items: silences });
        if (call.method === "POST" && call.url === "/api/v1/alerts/silences") {
          silences = [SILENCE];
          return json(201, SILENCE);
        }
        if (call.method === "DELETE" && call.url === "/api/v1/alerts/silences/s-1") {
          silences = [];
          return noContent();
        }
        return undefined;
      }),
      { permissions: memberPermissions(["alerts:read", "alerts:manage"]) },
    );
    expect(await screen.findByText("No silence is in force.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "New silence" }));
    const dialog = screen.getByRole("dialog", { name: "New silence" });
    await userEvent.selectOptions(within(dialog).getByLabelText("Rule"), "r-1");
    await userEvent.type(within(dialog).getByLabelText("Container"), "web");
    await userEvent.selectOptions(within(dialog).getByLabelText("Duration"), "1 day");
    await userEvent.type(within(dialog).getByLabelText("Comment"), HOSTILE);
    await userEvent.click(within(dialog).getByRole("button", { name: "Silence" }));
    await waitFor(() =>
      expect(calls.find((c) => c.method === "POST")?.body).toEqual({ team_id: "team-a", rule_id: "r-1", container: "web", duration_seconds: 86400, comment: HOSTILE }),
    );
    const table = screen.getByRole("table", { name: "Silences in force" });
    expect(await within(table).findByText(HOSTILE)).toBeTruthy();
    expect(within(table).getByText("busy CPU")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();

    await userEvent.click(within(table).getByRole("button", { name: `End silence ${HOSTILE}` }));
    await userEvent.click(within(screen.getByRole("dialog", { name: "End silence" })).getByRole("button", { name: "End silence" }));
    expect(await screen.findByText("No silence is in force.")).toBeTruthy();
  });

  it("shows a refused silence's code and offers a viewer no button", async () => {
    renderPage(
      <SilencesSection />,
      monitoringServer({}, (call) => (call.method === "POST" ? problem(400, "invalid_body", "duration_seconds must be from 60 to 2592000") : undefined)),
    );
    await userEvent.click(await screen.findByRole("button", { name: "New silence" }));
    const dialog = screen.getByRole("dialog", { name: "New silence" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Silence" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("invalid_body");
    cleanup();

    renderPage(<SilencesSection />, monitoringServer({}), { permissions: memberPermissions(["alerts:read"]) });
    expect(await screen.findByText("No silence is in force.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New silence" })).toBeNull();
  });
});
