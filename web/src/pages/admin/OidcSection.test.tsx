import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import OidcSection from "./OidcSection";
import { parseScopes, suggestedRedirectUri } from "./OidcProviderForm";

const HOSTILE = "<img src=x onerror=alert(1)>";
const SECRET = "s3cr3t-client-value";

const PROVIDER = {
  id: "p-1",
  name: HOSTILE,
  issuer: "https://login.example.com",
  client_id: "dokkerr",
  redirect_uri: "https://dokkerr.example.com/api/v1/auth/oidc/callback",
  scopes: ["openid", "email", "profile"],
  team_mapping: [{ claim: "groups", value: "devs", team_id: "t-1", role: "developer" }],
  enabled: true,
  created_at: "2026-01-01T00:00:00.000Z",
  // Never sent by the server; would the page show it anyway?
  client_secret: "leaked-secret-should-not-show",
};

const TEAMS = { items: [{ id: "t-1", org_id: "o-1", name: "web" }, { id: "t-2", org_id: "o-1", name: "ops" }], next_cursor: null };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/teams") return json(200, TEAMS);
    if (call.method === "GET" && call.url === "/api/v1/auth/oidc/providers") return json(200, { items: [PROVIDER], next_cursor: null });
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

describe("OidcSection", () => {
  afterEach(cleanup);

  it("lists providers with their team mapping; names are text and no secret is shown", async () => {
    const { container } = renderPage(<OidcSection />, server());
    expect((await screen.findByText(HOSTILE)).textContent).toBe(HOSTILE);
    expect(screen.getByText("https://login.example.com")).toBeTruthy();
    expect(screen.getByText("openid email profile")).toBeTruthy();
    expect(screen.getByText(/→ web \(developer\)/)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    expect(document.body.textContent).not.toContain("leaked-secret-should-not-show");
  });

  it("edits a provider sending only what changed; the secret starts empty and is sent only when typed", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OidcSection />,
      server((call) => (call.method === "PATCH" ? json(200, { ...PROVIDER, name: "Keycloak" }) : undefined)),
    );
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: `Edit ${HOSTILE}` }));
    const dialog = await screen.findByRole("dialog");
    const secret = within(dialog).getByLabelText("Client secret") as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(secret.type).toBe("password");
    expect(dialog.textContent).not.toContain("leaked-secret-should-not-show");
    await user.clear(within(dialog).getByLabelText("Name"));
    await user.type(within(dialog).getByLabelText("Name"), "Keycloak");
    await user.selectOptions(within(dialog).getByLabelText("Role 1"), "viewer");
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/v1/auth/oidc/providers/p-1");
    expect(patch.body).toEqual({ name: "Keycloak", team_mapping: [{ claim: "groups", value: "devs", team_id: "t-1", role: "viewer" }] });
    expect(await screen.findByText("Saved Keycloak.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: `Edit ${HOSTILE}` }));
    const again = await screen.findByRole("dialog");
    await user.type(within(again).getByLabelText("Client secret"), SECRET);
    await user.click(within(again).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(2));
    expect(calls.filter((c) => c.method === "PATCH")[1]!.body).toEqual({ client_secret: SECRET });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it("adds a provider with the body the server expects; the secret is a password field and gone after the dialog closes", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <OidcSection />,
      server((call) => (call.method === "POST" ? json(201, { ...PROVIDER, id: "p-2", name: "Keycloak" }) : undefined)),
    );
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: "Add provider" }));
    const dialog = screen.getByRole("dialog");
    const redirect = within(dialog).getByLabelText("Redirect URI") as HTMLInputElement;
    expect(redirect.value).toBe(`${window.location.origin}/api/v1/auth/oidc/callback`);
    expect(redirect.value).toBe(suggestedRedirectUri());

    await user.type(within(dialog).getByLabelText("Name"), "Keycloak");
    await user.type(within(dialog).getByLabelText("Issuer"), "https://kc.example.com/realms/main");
    await user.type(within(dialog).getByLabelText("Client id"), "dokkerr");
    const secret = within(dialog).getByLabelText("Client secret") as HTMLInputElement;
    expect(secret.type).toBe("password");
    await user.type(secret, SECRET);
    const scopes = within(dialog).getByLabelText("Scopes");
    await user.clear(scopes);
    await user.type(scopes, "openid, email,groups");
    await user.click(within(dialog).getByRole("button", { name: "Add a mapping" }));
    await user.type(within(dialog).getByLabelText("Value 1"), "ops-people");
    await user.selectOptions(within(dialog).getByLabelText("Team 1"), "t-2");
    await user.selectOptions(within(dialog).getByLabelText("Role 1"), "operator");
    await user.click(within(dialog).getByRole("button", { name: "Add provider" }));

    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe("/api/v1/auth/oidc/providers");
    expect(post.body).toEqual({
      name: "Keycloak",
      issuer: "https://kc.example.com/realms/main",
      client_id: "dokkerr",
      client_secret: SECRET,
      redirect_uri: suggestedRedirectUri(),
      scopes: ["openid", "email", "groups"],
      team_mapping: [{ claim: "groups", value: "ops-people", team_id: "t-2", role: "operator" }],
      enabled: true,
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain(SECRET);
    for (const input of document.querySelectorAll("input")) expect(input.value).not.toBe(SECRET);

    // A new form starts empty: nothing of the secret was kept.
    await user.click(screen.getByRole("button", { name: "Add provider" }));
    expect((within(screen.getByRole("dialog")).getByLabelText("Client secret") as HTMLInputElement).value).toBe("");
  });

  it("asks for every required field before sending, the secret included", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<OidcSection />, server());
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: "Add provider" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "x");
    await user.type(within(dialog).getByLabelText("Issuer"), "https://x");
    await user.type(within(dialog).getByLabelText("Client id"), "c");
    await user.click(within(dialog).getByRole("button", { name: "Add provider" }));
    expect(within(dialog).getByRole("alert").textContent).toBe("Client secret is needed.");
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("shows the server's refusal with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <OidcSection />,
      server((call) => (call.method === "POST" ? problem(400, "oidc_invalid_redirect_uri", "redirect_uri must be an absolute http(s) URL.") : undefined)),
    );
    await screen.findByText(HOSTILE);
    await user.click(screen.getByRole("button", { name: "Add provider" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "x");
    await user.type(within(dialog).getByLabelText("Issuer"), "https://x");
    await user.type(within(dialog).getByLabelText("Client id"), "c");
    await user.type(within(dialog).getByLabelText("Client secret"), "s");
    await user.click(within(dialog).getByRole("button", { name: "Add provider" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("redirect_uri must be an absolute http(s) URL.");
    expect(alert.textContent).toContain("oidc_invalid_redirect_uri");
  });

  it("deletes a provider after confirmation", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<OidcSection />, server((call) => (call.method === "DELETE" ? noContent() : undefined)));
    await user.click(await screen.findByRole("button", { name: `Delete ${HOSTILE}` }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(calls.find((c) => c.method === "DELETE")?.url).toBe("/api/v1/auth/oidc/providers/p-1"));
  });

  it("parses comma- or space-separated scopes once each", () => {
    expect(parseScopes(" openid,email  profile,,email ")).toEqual(["openid", "email", "profile"]);
  });

  it("shows nothing to a team admin and asks the server for nothing", async () => {
    const { calls } = renderPage(<OidcSection />, server(), { permissions: memberPermissions(["containers:read", "team:manage"]) });
    expect(screen.getByText(/needs the users:manage permission/)).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.filter((c) => c.url !== "/api/v1/environments")).toEqual([]);
  });
});
