import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem } from "../test/fakeFetch";
import { renderWithServices } from "../test/render";
import { LoginPage } from "./LoginPage";

const tokens = { access_token: "a1", refresh_token: "r1", token_type: "Bearer", expires_in: 900 };

describe("LoginPage", () => {
  afterEach(cleanup);

  it("asks for the TOTP code when the server answers mfa_required, then signs in with it", async () => {
    const user = userEvent.setup();
    const { calls, services } = renderWithServices(<LoginPage />, (call) => {
      const body = call.body as Record<string, string>;
      if (!body.totp_code) return problem(401, "mfa_required", "A second factor is required.");
      if (body.totp_code !== "123456") return problem(401, "invalid_mfa_code", "The code is not valid.");
      return json(200, tokens);
    });

    await user.type(screen.getByLabelText("Username"), "alice");
    await user.type(screen.getByLabelText("Password"), "correct horse");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    const code = await screen.findByLabelText("Authentication code");
    expect(document.activeElement).toBe(code);
    expect(screen.queryByLabelText("Password")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();

    // A wrong code: the error from the problem document, still on the MFA step.
    await user.type(code, "000000");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", expect.stringContaining("The code is not valid."));
    expect(services.tokens.signedIn).toBe(false);

    await user.type(screen.getByLabelText("Authentication code"), "123 456");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(services.tokens.signedIn).toBe(true));
    expect(services.tokens.accessToken).toBe("a1");

    expect(calls.map((c) => c.url)).toEqual(["/api/v1/auth/login", "/api/v1/auth/login", "/api/v1/auth/login"]);
    expect(calls[0]!.body).toEqual({ username: "alice", password: "correct horse" });
    expect(calls[2]!.body).toEqual({ username: "alice", password: "correct horse", totp_code: "123456" });
  });

  it("can sign in with a recovery code instead", async () => {
    const user = userEvent.setup();
    const { calls, services } = renderWithServices(<LoginPage />, (call) => {
      const body = call.body as Record<string, string>;
      return body.recovery_code ? json(200, tokens) : problem(401, "mfa_required", "A second factor is required.");
    });
    await user.type(screen.getByLabelText("Username"), "alice");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await user.click(await screen.findByRole("button", { name: "Use a recovery code instead" }));
    await user.type(screen.getByLabelText("Recovery code"), "abcd-efgh");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(services.tokens.signedIn).toBe(true));
    expect(calls[1]!.body).toEqual({ username: "alice", password: "pw", recovery_code: "abcd-efgh" });
  });

  it("shows invalid credentials from the problem detail and stays on the password step", async () => {
    const user = userEvent.setup();
    const { services } = renderWithServices(<LoginPage />, () => problem(401, "invalid_credentials", "Wrong username or password."));
    await user.type(screen.getByLabelText("Username"), "alice");
    await user.type(screen.getByLabelText("Password"), "nope");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Wrong username or password.");
    expect(screen.getByLabelText("Password")).toBeTruthy();
    expect(services.tokens.signedIn).toBe(false);
  });
});
