import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../../lib/dokkerr";
import { json, problem, type Call } from "../../test/fakeFetch";
import { LOCAL_ENV, renderPage } from "../../test/renderPage";
import AccountPage from "./AccountPage";

const HOSTILE = "<img src=x onerror=alert(1)>";

const ME: User = {
  id: "u-1",
  username: "alice",
  display_name: HOSTILE,
  email: "alice@example.com",
  avatar_url: "",
  preferences: { theme: "dark", default_environment: "local", sidebar: "collapsed", nested: { a: 1 } },
  is_admin: false,
  mfa_enabled: false,
  auth_source: "local",
};

const EDGE = { ...LOCAL_ENV, id: "e-1", name: "edge", builtin: false };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === "/api/v1/me") return json(200, ME);
    if (call.method === "PATCH" && call.url === "/api/v1/me") return json(200, { ...ME, ...(call.body as object) });
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

describe("My account: profile", () => {
  afterEach(cleanup);

  it("has one heading and a sub-navigation marking the current section", async () => {
    renderPage(<AccountPage user={ME} section="" />, server());
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("My account: Profile");
    const nav = screen.getByRole("navigation", { name: "My account" });
    expect(within(nav).getByRole("link", { name: "Profile" }).getAttribute("aria-current")).toBe("page");
    expect(within(nav).getByRole("link", { name: "API keys" }).getAttribute("href")).toBe("#/account/api-keys");
    await screen.findByLabelText("Display name");
  });

  it("shows the profile with the username read-only and hostile text as text; saves what changed with PATCH", async () => {
    const user = userEvent.setup();
    const { calls, container } = renderPage(<AccountPage user={ME} section="profile" />, server());
    const displayName = (await screen.findByLabelText("Display name")) as HTMLInputElement;
    expect(displayName.value).toBe(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
    const username = screen.getByLabelText("Username") as HTMLInputElement;
    expect(username.readOnly).toBe(true);
    expect(username.value).toBe("alice");

    await user.clear(displayName);
    await user.type(displayName, "Alice A.");
    await user.type(screen.getByLabelText("Avatar URL"), "https://example.com/a.png");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ display_name: "Alice A.", avatar_url: "https://example.com/a.png" });
    expect((await screen.findByText("Profile saved."))).toBeTruthy();
  });

  it("saves the preferences keeping the keys it does not know", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<AccountPage user={ME} section="profile" />, server(), { environments: [LOCAL_ENV, EDGE] });
    await screen.findByLabelText("Display name");
    await screen.findByRole("option", { name: "edge" });
    expect((screen.getByLabelText("Theme") as HTMLSelectElement).value).toBe("dark");
    await user.selectOptions(screen.getByLabelText("Theme"), "light");
    await user.selectOptions(screen.getByLabelText("Default environment"), "e-1");
    await user.click(screen.getByRole("button", { name: "Save preferences" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({
      preferences: { theme: "light", default_environment: "e-1", sidebar: "collapsed", nested: { a: 1 } },
    });
    await screen.findByText("Preferences saved.");

    // No default: the key goes, the others stay.
    await user.selectOptions(screen.getByLabelText("Default environment"), "");
    await user.click(screen.getByRole("button", { name: "Save preferences" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(2));
    expect(calls.filter((c) => c.method === "PATCH")[1]!.body).toEqual({ preferences: { theme: "light", sidebar: "collapsed", nested: { a: 1 } } });
  });

  it("shows a refused save with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <AccountPage user={ME} section="profile" />,
      server((call) => (call.method === "PATCH" ? problem(400, "invalid_body", "email is too long.") : undefined)),
    );
    const email = await screen.findByLabelText("E-mail");
    await user.type(email, "x");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("email is too long.");
    expect(alert.textContent).toContain("invalid_body");
  });
});
