import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { renderPage } from "../../test/renderPage";
import UsersSection from "./UsersSection";

const HOSTILE = "<img src=x onerror=alert(1)>";

function account(id: string, username: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    username,
    email: "",
    display_name: "",
    avatar_url: "",
    preferences: {},
    is_admin: false,
    disabled: false,
    mfa_enabled: false,
    auth_source: "local",
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    last_login_at: null,
    ...extra,
  };
}

const ALICE = account("u-1", "alice", { is_admin: true, mfa_enabled: true, last_login_at: new Date(Date.now() - 5 * 60_000).toISOString() });
const BOB = account("u-2", "bob", { email: "bob@example.com", display_name: "Bob B", auth_source: "oidc" });
const EVIL = account("u-3", HOSTILE, { display_name: HOSTILE });

function server(extra?: (call: Call) => Response | undefined, list: unknown[] = [ALICE, BOB, EVIL]) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url.startsWith("/api/v1/users?")) return json(200, { items: list, next_cursor: null });
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

function rowOf(text: string): HTMLElement {
  return screen.getAllByText(text)[0]!.closest("tr")!;
}

describe("UsersSection", () => {
  afterEach(cleanup);

  it("lists accounts with their facts and shows hostile names as text", async () => {
    const { container, calls } = renderPage(<UsersSection />, server());
    await screen.findByText("bob");
    expect(calls.find((c) => c.url.startsWith("/api/v1/users"))!.url).toBe("/api/v1/users?limit=100");
    const bob = rowOf("bob");
    expect(within(bob).getByText("bob@example.com")).toBeTruthy();
    expect(within(bob).getByText("Bob B")).toBeTruthy();
    expect(within(bob).getByText("oidc")).toBeTruthy();
    expect(within(bob).getByText("never")).toBeTruthy();
    const alice = rowOf("alice");
    expect(within(alice).getByText("On")).toBeTruthy();
    expect(within(alice).getByText("5 minutes ago")).toBeTruthy();
    const evil = screen.getAllByText(HOSTILE);
    expect(evil.length).toBe(2);
    expect(evil[0]!.textContent).toBe(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
  });

  it("does not offer to disable or delete the signed-in account", async () => {
    renderPage(<UsersSection />, server());
    await screen.findByText("bob");
    const alice = rowOf("alice");
    expect(within(alice).getByRole("button", { name: "Edit alice" })).toBeTruthy();
    expect(within(alice).queryByRole("button", { name: /Disable/ })).toBeNull();
    expect(within(alice).queryByRole("button", { name: /Delete/ })).toBeNull();
    expect(within(rowOf("bob")).getByRole("button", { name: "Disable bob" })).toBeTruthy();
    expect(within(rowOf("bob")).getByRole("button", { name: "Delete bob" })).toBeTruthy();

    // Editing oneself offers the profile only.
    const user = userEvent.setup();
    await user.click(within(alice).getByRole("button", { name: "Edit alice" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).queryByLabelText("Disabled")).toBeNull();
    expect(within(dialog).queryByLabelText("Platform administrator")).toBeNull();
    expect(within(dialog).getByText(/cannot disable or demote your own account/)).toBeTruthy();
  });

  it("filters the loaded accounts by the search text", async () => {
    const user = userEvent.setup();
    renderPage(<UsersSection />, server());
    await screen.findByText("bob");
    await user.type(screen.getByLabelText("Search"), "example.com");
    expect(screen.queryByText("alice")).toBeNull();
    expect(screen.getByText("bob")).toBeTruthy();
  });

  it("creates a user with exactly the fields given, showing the password problem by the password field", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const { calls } = renderPage(
      <UsersSection />,
      server((call) => {
        if (call.method !== "POST") return undefined;
        attempts += 1;
        if (attempts === 1) return problem(400, "common_password", "That password is too common.");
        const body = call.body as Record<string, unknown>;
        return json(201, account("u-9", body.username as string, { email: body.email, display_name: body.display_name, is_admin: body.is_admin }));
      }),
    );
    await screen.findByText("bob");
    await user.click(screen.getByRole("button", { name: "New user" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Username"), "carol");
    await user.type(within(dialog).getByLabelText("Password"), "short");
    await user.type(within(dialog).getByLabelText("E-mail"), "carol@example.com");
    await user.type(within(dialog).getByLabelText("Display name"), "Carol C");
    await user.click(within(dialog).getByLabelText("Platform administrator"));

    // Too short: said by the field, nothing sent.
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    const password = within(dialog).getByLabelText("Password");
    expect(password.getAttribute("aria-invalid")).toBe("true");
    const local = document.getElementById(password.getAttribute("aria-describedby")!)!;
    expect(local.textContent).toContain("at least 12 characters");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

    await user.clear(password);
    await user.type(password, "password12345");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    await waitFor(() => expect(password.getAttribute("aria-describedby")).toMatch(/problem/));
    const shown = document.getElementById(password.getAttribute("aria-describedby")!)!;
    expect(shown.textContent).toContain("That password is too common.");
    expect(shown.textContent).toContain("common_password");
    expect(calls.filter((c) => c.method === "POST")[0]!.body).toEqual({
      username: "carol",
      password: "password12345",
      is_admin: true,
      email: "carol@example.com",
      display_name: "Carol C",
    });

    await user.clear(password);
    await user.type(password, "correct horse battery staple");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    await screen.findByText("carol");
    expect(screen.queryByRole("dialog")).toBeNull();
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[1]!.url).toBe("/api/v1/users");
    expect(posts[1]!.body).toEqual({
      username: "carol",
      password: "correct horse battery staple",
      is_admin: true,
      email: "carol@example.com",
      display_name: "Carol C",
    });
  });

  it("leaves out the optional fields left empty", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <UsersSection />,
      server((call) => (call.method === "POST" ? json(201, account("u-9", "dave")) : undefined)),
    );
    await screen.findByText("bob");
    await user.click(screen.getByRole("button", { name: "New user" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Username"), "dave");
    await user.type(within(dialog).getByLabelText("Password"), "a fine long passphrase");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    await screen.findByText("dave");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ username: "dave", password: "a fine long passphrase", is_admin: false });
  });

  it("edits a user, sending only what changed, and says that disabling ends the sessions", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <UsersSection />,
      server((call) => (call.method === "PATCH" ? json(200, { ...BOB, display_name: "Robert", disabled: true }) : undefined)),
    );
    await screen.findByText("bob");
    await user.click(within(rowOf("bob")).getByRole("button", { name: "Edit bob" }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText("Display name");
    await user.clear(name);
    await user.type(name, "Robert");
    expect(within(dialog).queryByText("Saving ends bob's sessions.")).toBeNull();
    await user.click(within(dialog).getByLabelText("Disabled"));
    expect(within(dialog).getByText("Saving ends bob's sessions.")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/v1/users/u-2");
    expect(patch.body).toEqual({ display_name: "Robert", disabled: true });
    const row = rowOf("bob");
    expect(within(row).getByText("Robert")).toBeTruthy();
    expect(within(row).getByRole("button", { name: "Enable bob" })).toBeTruthy();
  });

  it("disables after confirmation and enables again", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <UsersSection />,
      server((call) => (call.method === "PATCH" ? json(200, { ...BOB, ...(call.body as object) }) : undefined)),
    );
    await screen.findByText("bob");
    await user.click(within(rowOf("bob")).getByRole("button", { name: "Disable bob" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Disable user" }));
    await within(rowOf("bob")).findByRole("button", { name: "Enable bob" });
    await user.click(within(rowOf("bob")).getByRole("button", { name: "Enable bob" }));
    await within(rowOf("bob")).findByRole("button", { name: "Disable bob" });
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ disabled: true }, { disabled: false }]);
  });

  it("shows a refused delete with its code and keeps the row", async () => {
    const user = userEvent.setup();
    renderPage(
      <UsersSection />,
      server((call) => (call.method === "DELETE" ? problem(409, "cannot_delete_self", "Admins cannot delete their own account.") : undefined)),
    );
    await screen.findByText("bob");
    await user.click(within(rowOf("bob")).getByRole("button", { name: "Delete bob" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete user" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not delete bob: Admins cannot delete their own account.");
    expect(alert.textContent).toContain("cannot_delete_self");
    expect(screen.getByText("bob")).toBeTruthy();
  });

  it("deletes after confirmation", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<UsersSection />, server((call) => (call.method === "DELETE" ? noContent() : undefined)));
    await screen.findByText("bob");
    await user.click(within(rowOf("bob")).getByRole("button", { name: "Delete bob" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete user" }));
    await waitFor(() => expect(screen.queryByText("bob")).toBeNull());
    expect(calls.find((c) => c.method === "DELETE")!.url).toBe("/api/v1/users/u-2");
  });

  it("loads further pages with the cursor the server gave", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <UsersSection />,
      server((call) => {
        if (!call.url.startsWith("/api/v1/users?")) return undefined;
        return call.url.includes("cursor=")
          ? json(200, { items: [account("u-5", "zed")], next_cursor: null })
          : json(200, { items: [ALICE, BOB], next_cursor: "bob" });
      }),
    );
    await screen.findByText("bob");
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("zed");
    expect(screen.getByText("alice")).toBeTruthy();
    expect(calls.filter((c) => c.url.startsWith("/api/v1/users")).map((c) => c.url)).toEqual([
      "/api/v1/users?limit=100",
      "/api/v1/users?limit=100&cursor=bob",
    ]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("shows a refused list with its code", async () => {
    renderPage(<UsersSection />, () => problem(403, "permission_denied", "This needs users:manage."));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This needs users:manage.");
    expect(alert.textContent).toContain("permission_denied");
  });
});
