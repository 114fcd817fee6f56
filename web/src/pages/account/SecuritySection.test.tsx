import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { User } from "../../lib/dokkerr";
import { descriptionOf } from "../../test/dom";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import AccountPage from "./AccountPage";
import { qrPath } from "./TotpQr";

const ME: User = { id: "u-1", username: "alice", is_admin: false, mfa_enabled: false, auth_source: "local" };
const ENROLMENT = { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Dokkerr:alice?secret=JBSWY3DPEHPK3PXP&issuer=Dokkerr" };
const CODES = Array.from({ length: 10 }, (_, i) => `code-${i}-abcd`);

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

describe("My account: security", () => {
  afterEach(cleanup);

  it("changes the password with the body the server expects, and says other sessions end", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<AccountPage user={ME} section="security" />, server((call) => (call.url === "/api/v1/me/password" ? noContent() : undefined)));
    expect(screen.getByText(/signs out all your other sessions/)).toBeTruthy();
    await user.type(screen.getByLabelText("Current password"), "old password 1");
    await user.type(screen.getByLabelText("New password"), "a much longer new one");
    await user.type(screen.getByLabelText("Repeat the new password"), "a much longer new one");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByRole("status")).textContent).toContain("Your other sessions were signed out.");
    const sent = calls.filter((c) => c.url === "/api/v1/me/password");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ current_password: "old password 1", new_password: "a much longer new one" });
    expect((screen.getByLabelText("Current password") as HTMLInputElement).value).toBe("");
  });

  it("shows each password problem by its field, with its code, and moves focus there", async () => {
    const user = userEvent.setup();
    let answer = problem(403, "invalid_current_password", "The current password is wrong.");
    const { calls } = renderPage(<AccountPage user={ME} section="security" />, server((call) => (call.url === "/api/v1/me/password" ? answer : undefined)));
    const current = screen.getByLabelText("Current password");
    const next = screen.getByLabelText("New password");
    const repeat = screen.getByLabelText("Repeat the new password");

    // Two new passwords that differ never reach the server.
    await user.type(current, "old");
    await user.type(next, "one new password");
    await user.type(repeat, "another one");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(repeat.getAttribute("aria-invalid")).toBe("true");
    expect(descriptionOf(repeat)).toBe("The two new passwords differ.");
    expect(calls.filter((c) => c.url === "/api/v1/me/password")).toHaveLength(0);

    await user.clear(repeat);
    await user.type(repeat, "one new password");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() => expect(current.getAttribute("aria-invalid")).toBe("true"));
    expect(descriptionOf(current)).toBe("The current password is wrong. (invalid_current_password)");
    await waitFor(() => expect(document.activeElement).toBe(current));
    expect(next.getAttribute("aria-invalid")).toBeNull();

    for (const [code, detail] of [
      ["password_too_short", "Passwords are at least 12 characters long."],
      ["common_password", "This password is too common."],
    ] as const) {
      answer = problem(400, code, detail);
      await user.click(screen.getByRole("button", { name: "Change password" }));
      await waitFor(() => expect(next.getAttribute("aria-invalid")).toBe("true"));
      expect(descriptionOf(next)).toBe(`${detail} (${code})`);
      await waitFor(() => expect(document.activeElement).toBe(next));
      await user.type(next, "x");
      await user.type(repeat, "x");
    }
  });

  it("sets up two-factor sign-in: an SVG QR code, the secret as text, then the recovery codes once", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const clicked: HTMLAnchorElement[] = [];
    Object.assign(URL, { createObjectURL: vi.fn(() => "blob:http://localhost/codes"), revokeObjectURL: vi.fn() });
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const { calls, container } = renderPage(
      <AccountPage user={ME} section="security" />,
      server((call) => {
        if (call.url === "/api/v1/me/mfa/totp") return json(200, ENROLMENT);
        if (call.url === "/api/v1/me/mfa/totp/confirm") return json(200, { recovery_codes: CODES });
        return undefined;
      }),
    );
    expect(screen.getByText("off")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Set up" }));
    const dialog = await screen.findByRole("dialog", { name: "Set up two-factor sign-in" });

    const svg = await within(dialog).findByRole("img", { name: "QR code for your authenticator app" });
    expect(svg.tagName.toLowerCase()).toBe("svg");
    const path = svg.querySelector("path")!;
    expect(path.getAttribute("d")).toBe(qrPath(ENROLMENT.otpauth_uri).d);
    expect(path.getAttribute("d")).toMatch(/^M\d+ \d+h1v1h-1z/);
    expect(container.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(within(dialog).getByText(ENROLMENT.secret).textContent).toBe(ENROLMENT.secret);

    await user.type(within(dialog).getByLabelText("Code from the app"), "123 456");
    await user.click(within(dialog).getByRole("button", { name: "Turn on" }));
    const codes = await screen.findByRole("list", { name: "Recovery codes" });
    expect(within(codes).getAllByRole("listitem").map((li) => li.textContent)).toEqual(CODES);
    expect(calls.find((c) => c.url === "/api/v1/me/mfa/totp/confirm")!.body).toEqual({ code: "123456" });
    expect(screen.getByText(/they will not be shown again/)).toBeTruthy();
    expect(screen.getByText("on")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(`${CODES.join("\n")}\n`);
    await user.click(screen.getByRole("button", { name: "Download" }));
    expect(clicked).toHaveLength(1);
    expect(clicked[0]!.download).toBe("dokkerr-recovery-codes.txt");

    await user.click(screen.getByRole("button", { name: "I have saved them" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain(CODES[0]);
    expect(document.body.textContent).not.toContain(ENROLMENT.secret);
  });

  it("keeps the session when the code is wrong (401 invalid_mfa_code) and shows the problem", async () => {
    const user = userEvent.setup();
    const { calls, services } = renderPage(
      <AccountPage user={ME} section="security" />,
      server((call) => {
        if (call.url === "/api/v1/me/mfa/totp") return json(200, ENROLMENT);
        if (call.url === "/api/v1/me/mfa/totp/confirm") return problem(401, "invalid_mfa_code", "The two-factor code is wrong or used.");
        return undefined;
      }),
    );
    await user.click(screen.getByRole("button", { name: "Set up" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Code from the app"), "000000");
    await user.click(within(dialog).getByRole("button", { name: "Turn on" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The two-factor code is wrong or used.");
    expect(alert.textContent).toContain("invalid_mfa_code");
    expect(services.tokens.signedIn).toBe(true);
    expect(calls.some((c) => c.url === "/api/v1/auth/refresh")).toBe(false);
    const confirm = calls.find((c) => c.url === "/api/v1/me/mfa/totp/confirm")!;
    expect(confirm.headers["authorization"]).toBe("Bearer access-1");
  });

  it("refreshes once when the access token expired during the confirmation", async () => {
    const user = userEvent.setup();
    let confirms = 0;
    const { calls } = renderPage(
      <AccountPage user={ME} section="security" />,
      server((call) => {
        if (call.url === "/api/v1/me/mfa/totp") return json(200, ENROLMENT);
        if (call.url === "/api/v1/auth/refresh") return json(200, { access_token: "access-2", refresh_token: "refresh-2", token_type: "Bearer", expires_in: 900 });
        if (call.url === "/api/v1/me/mfa/totp/confirm") {
          confirms += 1;
          return confirms === 1 ? problem(401, "token_expired", "The token expired.") : json(200, { recovery_codes: CODES });
        }
        return undefined;
      }),
    );
    await user.click(screen.getByRole("button", { name: "Set up" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Code from the app"), "123456");
    await user.click(within(dialog).getByRole("button", { name: "Turn on" }));
    await screen.findByRole("list", { name: "Recovery codes" });
    const sent = calls.filter((c) => c.url === "/api/v1/me/mfa/totp/confirm");
    expect(sent.map((c) => c.headers["authorization"])).toEqual(["Bearer access-1", "Bearer access-2"]);
  });

  it("turns two-factor sign-in off with the password and a code", async () => {
    const user = userEvent.setup();
    let answer = problem(403, "invalid_credentials", "The password or the code is wrong.");
    const { calls } = renderPage(
      <AccountPage user={{ ...ME, mfa_enabled: true }} section="security" />,
      server((call) => (call.url === "/api/v1/me/mfa/totp/disable" ? answer : undefined)),
    );
    expect(screen.getByText("on")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Set up" })).toBeNull();
    const form = screen.getByRole("form", { name: "Turn off two-factor sign-in" });
    await user.type(within(form).getByLabelText("Password"), "pw");
    await user.type(within(form).getByLabelText("Authenticator code"), "111111");
    await user.click(within(form).getByRole("button", { name: "Turn off" }));
    const alert = await within(form).findByRole("alert");
    expect(alert.textContent).toContain("invalid_credentials");

    answer = noContent();
    await user.type(within(form).getByLabelText("Authenticator code"), "222 222");
    await user.click(within(form).getByRole("button", { name: "Turn off" }));
    expect((await screen.findByRole("status")).textContent).toContain("Two-factor sign-in is off.");
    expect(calls.filter((c) => c.url === "/api/v1/me/mfa/totp/disable").map((c) => c.body)).toEqual([
      { password: "pw", code: "111111" },
      { password: "pw", code: "222222" },
    ]);
    expect(screen.getByText("off")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Set up" })).toBeTruthy();
  });

  it("has no password form for a single sign-on account", () => {
    renderPage(<AccountPage user={{ ...ME, auth_source: "oidc" }} section="security" />, server());
    expect(screen.queryByLabelText("Current password")).toBeNull();
    expect(screen.getByText(/signs in through single sign-on/)).toBeTruthy();
  });
});
