import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem } from "../../test/fakeFetch";
import { HOSTILE, monitoringServer, rule } from "../../test/monitoring";
import { memberPermissions, renderPage } from "../../test/renderPage";
import RulesSection from "./RulesSection";

const SECRET = "s3cr3t-signing-key-shown-once";

describe("RulesSection", () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("creates a CPU rule with a webhook and shows its signing key once", async () => {
    const { calls } = renderPage(
      <RulesSection />,
      monitoringServer({ rules: [rule({ name: HOSTILE })] }, (call) =>
        call.method === "POST" && call.url === "/api/v1/alerts/rules"
          ? json(201, { ...rule({ id: "r-2", name: "busy" }), webhook: { url: "https://hooks.example/x", format: "dokkerr" }, webhook_secret: SECRET })
          : undefined,
      ),
      { permissions: memberPermissions(["alerts:read", "alerts:manage"]) },
    );
    const table = await screen.findByRole("table", { name: "Alert rules" });
    expect(await within(table).findByRole("rowheader", { name: HOSTILE })).toBeTruthy();
    expect(table.querySelector("img")).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "New rule" }));
    const dialog = screen.getByRole("dialog", { name: "New alert rule" });
    await userEvent.type(within(dialog).getByLabelText("Name"), "busy");
    await userEvent.clear(within(dialog).getByLabelText("Threshold"));
    await userEvent.type(within(dialog).getByLabelText("Threshold"), "20");
    await userEvent.clear(within(dialog).getByLabelText("For (seconds)"));
    await userEvent.type(within(dialog).getByLabelText("For (seconds)"), "2");
    await userEvent.type(within(dialog).getByLabelText("Container"), "web");
    await userEvent.click(within(dialog).getByLabelText("Notify an address when it fires and resolves"));
    await userEvent.type(within(dialog).getByLabelText("Webhook URL"), "https://hooks.example/x");
    await userEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));

    const shown = await screen.findByRole("dialog", { name: "The webhook's signing key" });
    expect(within(shown).getByText(SECRET)).toBeTruthy();
    expect(within(shown).getByText("Copy the key now: it will not be shown again.")).toBeTruthy();
    const post = calls.find((c) => c.method === "POST" && c.url === "/api/v1/alerts/rules")!;
    expect(post.body).toEqual({
      name: "busy", team_id: "team-a", enabled: true, metric: "cpu_percent", operator: ">", threshold: 20, for_seconds: 2, container: "web",
      webhook: { url: "https://hooks.example/x", format: "dokkerr" },
    });
    await userEvent.click(within(shown).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByText(SECRET)).toBeNull());
  });

  it("shows the server's refusal with its code, in the form", async () => {
    renderPage(
      <RulesSection />,
      monitoringServer({}, (call) =>
        call.method === "POST" && call.url === "/api/v1/alerts/rules" ? problem(400, "webhook_url_forbidden", "The webhook's address is not public.") : undefined,
      ),
    );
    await userEvent.click(await screen.findByRole("button", { name: "New rule" }));
    const dialog = screen.getByRole("dialog", { name: "New alert rule" });
    // An administrator may make a platform rule: no team is the first choice.
    expect((within(dialog).getByLabelText("Team") as HTMLSelectElement).value).toBe("");
    await userEvent.type(within(dialog).getByLabelText("Name"), "x");
    await userEvent.click(within(dialog).getByLabelText("A container event"));
    await userEvent.selectOptions(within(dialog).getByLabelText("Event"), "restart_loop");
    expect(within(dialog).getByLabelText("Restarts")).toBeTruthy();
    await userEvent.click(within(dialog).getByLabelText("Notify an address when it fires and resolves"));
    await userEvent.type(within(dialog).getByLabelText("Webhook URL"), "http://10.0.0.1/x");
    await userEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));
    const refusal = await within(dialog).findByRole("alert");
    expect(refusal.textContent).toContain("The webhook's address is not public.");
    expect(refusal.textContent).toContain("webhook_url_forbidden");
  });

  for (const code of ["invalid_body", "unknown_field", "webhook_url_invalid", "team_not_found", "permission_denied", "too_many_alert_rules"]) {
    it(`shows ${code} when a save is refused`, async () => {
      renderPage(
        <RulesSection />,
        monitoringServer({ rules: [rule()] }, (call) => (call.method === "PATCH" ? problem(code === "too_many_alert_rules" ? 409 : 400, code, HOSTILE) : undefined)),
      );
      await userEvent.click(await screen.findByRole("button", { name: "Edit busy CPU" }));
      const dialog = screen.getByRole("dialog", { name: "Edit rule busy CPU" });
      await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
      const refusal = await within(dialog).findByRole("alert");
      expect(refusal.textContent).toContain(code);
      expect(refusal.textContent).toContain(HOSTILE);
      expect(dialog.querySelector("img")).toBeNull();
    });
  }

  it("disables, and deletes after asking", async () => {
    const { calls } = renderPage(
      <RulesSection />,
      monitoringServer({ rules: [rule()] }, (call) => {
        if (call.method === "PATCH") return json(200, { ...rule(), enabled: false });
        if (call.method === "DELETE") return noContent();
        return undefined;
      }),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Disable busy CPU" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ enabled: false }));
    expect(calls.find((c) => c.method === "PATCH")!.url).toBe("/api/v1/alerts/rules/r-1");
    await userEvent.click(screen.getByRole("button", { name: "Delete busy CPU" }));
    await userEvent.click(within(screen.getByRole("dialog", { name: "Delete alert rule" })).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE" && c.url === "/api/v1/alerts/rules/r-1")).toBe(true));
  });

  it("offers a viewer nothing to change", async () => {
    renderPage(<RulesSection />, monitoringServer({ rules: [rule(), rule({ id: "p", team_id: null, name: "platform" })] }), {
      permissions: memberPermissions(["alerts:read"]),
    });
    expect(await screen.findByRole("rowheader", { name: "busy CPU" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New rule" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Edit/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Delete/ })).toBeNull();
  });
});
