import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import SettingsSection from "./SettingsSection";

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === "/api/v1/settings/mfa") return json(200, { required_for: ["platform_admin"] });
    if (call.method === "PUT" && call.url === "/api/v1/settings/mfa") return json(200, call.body);
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const box = (name: RegExp) => screen.getByRole("checkbox", { name }) as HTMLInputElement;

describe("SettingsSection", () => {
  afterEach(cleanup);

  it("shows the stored requirement and saves the chosen roles with PUT", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<SettingsSection />, server(), { user: { id: "u-1", username: "alice", is_admin: true, mfa_enabled: true } });
    await waitFor(() => expect(box(/Platform administrators/).checked).toBe(true));
    expect(box(/Team admins/).checked).toBe(false);
    expect(screen.getByText("People with the admin role in at least one team.")).toBeTruthy();

    await user.click(box(/Team admins/));
    await user.click(box(/Organization owners and admins/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")!.body).toEqual({ required_for: ["platform_admin", "org_admin", "team_admin"] });
    expect((await screen.findByRole("status")).textContent).toBe("Saved.");
  });

  it("warns an administrator without a second factor before they require one of themselves", async () => {
    const user = userEvent.setup();
    renderPage(<SettingsSection />, server((call) => (call.method === "GET" ? json(200, { required_for: [] }) : undefined)), {
      user: { id: "u-1", username: "alice", is_admin: true, mfa_enabled: false },
    });
    await waitFor(() => expect(box(/Everyone/).disabled).toBe(false));
    expect(screen.queryByText(/Your own account has no second factor/)).toBeNull();
    await user.click(box(/Everyone/));
    expect(screen.getByText(/Your own account has no second factor/)).toBeTruthy();
  });

  it("shows a refused save with its code", async () => {
    const user = userEvent.setup();
    renderPage(<SettingsSection />, server((call) => (call.method === "PUT" ? problem(400, "invalid_body", "required_for holds platform_admin, …") : undefined)));
    await waitFor(() => expect(box(/Everyone/).disabled).toBe(false));
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("required_for holds platform_admin");
    expect(alert.textContent).toContain("invalid_body");
  });

  it("shows nothing to a non-administrator", async () => {
    const { calls } = renderPage(<SettingsSection />, server(), { permissions: memberPermissions(["containers:read"]) });
    expect(screen.queryByRole("checkbox")).toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.filter((c) => c.url !== "/api/v1/environments")).toEqual([]);
  });
});
