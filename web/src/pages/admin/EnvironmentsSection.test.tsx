import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../lib/dokkerr";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { LOCAL_ENV, memberPermissions, renderPage } from "../../test/renderPage";
import EnvironmentsSection from "./EnvironmentsSection";

const HOSTILE = "<img src=x onerror=alert(1)>";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n";

const REMOTE: Environment = {
  id: "e-1",
  name: "edge",
  url: "tcp://10.0.0.5:2376",
  tls: true,
  builtin: false,
  status: "up",
  engine: { version: "24.0.7" },
  counts: { containers: 3, running: 2, paused: 0, stopped: 1, images: 5 },
};
const DOWN: Environment = { id: "e-2", name: HOSTILE, url: "tcp://10.0.0.6:2376", tls: false, status: "down", error: `dial: ${HOSTILE}` };
const ENVIRONMENTS = [LOCAL_ENV, REMOTE, DOWN];

const TEAMS = { items: [{ id: "t-1", org_id: "o-1", name: "web" }, { id: "t-2", org_id: "o-1", name: HOSTILE }], next_cursor: null };
const ORGS = { items: [{ id: "o-1", name: "acme", display_name: "" }], next_cursor: null };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/teams") return json(200, TEAMS);
    if (call.url === "/api/v1/organizations") return json(200, ORGS);
    if (call.method === "GET" && call.url.endsWith("/grants")) {
      return json(200, {
        items: [
          { environment_id: "e-1", grantee_type: "team", grantee_id: "t-2", created_at: "2026-01-01T00:00:00.000Z" },
          { environment_id: "e-1", grantee_type: "organization", grantee_id: "o-gone", created_at: "2026-01-01T00:00:00.000Z" },
        ],
        next_cursor: null,
      });
    }
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

function rowOf(text: string): HTMLElement {
  return within(screen.getByRole("table", { name: "Environments" })).getAllByText(text, { selector: "span" })[0]!.closest("tr")!;
}

describe("EnvironmentsSection", () => {
  afterEach(cleanup);

  it("lists environments with status, error and counts; hostile names stay text; local cannot be edited", async () => {
    const { container } = renderPage(<EnvironmentsSection />, server(), { environments: ENVIRONMENTS });
    await screen.findByText("edge");
    expect(screen.getByText("24.0.7")).toBeTruthy();
    expect(screen.getByText("3 containers (2 running), 5 images")).toBeTruthy();
    expect(screen.getByText(HOSTILE).textContent).toBe(HOSTILE);
    expect(screen.getByText(`dial: ${HOSTILE}`)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();

    const local = rowOf("local");
    expect(within(local).queryByRole("button", { name: "Edit" })).toBeNull();
    expect(within(local).queryByRole("button", { name: "Delete" })).toBeNull();
    expect(within(local).getByRole("button", { name: "Grants" })).toBeTruthy();
    expect(within(rowOf("edge")).getByRole("button", { name: "Edit" })).toBeTruthy();
  });

  it("adds a remote engine with TLS material pasted and read from files", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <EnvironmentsSection />,
      server((call) => (call.method === "POST" && call.url === "/api/v1/environments" ? json(201, { ...REMOTE, id: "e-9", name: "new" }) : undefined)),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(screen.getByRole("button", { name: "Add environment" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "new");
    await user.type(within(dialog).getByLabelText("URL"), "tcp://host:2376");
    await user.click(within(dialog).getByLabelText("Connect with TLS"));

    // The CA pasted; certificate and key read from chosen files.
    await user.click(within(dialog).getByLabelText("CA certificate"));
    await user.paste(CA);
    await user.upload(within(dialog).getByLabelText("Read the client certificate from a file"), new File([CERT], "cert.pem"));
    await user.upload(within(dialog).getByLabelText("Read the client key from a file"), new File([KEY], "key.pem"));
    await waitFor(() => expect((within(dialog).getByLabelText("Client key") as HTMLTextAreaElement).value).toBe(KEY));
    await user.click(within(dialog).getByLabelText("Verify the engine's certificate"));

    await user.click(within(dialog).getByRole("button", { name: "Add environment" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe("/api/v1/environments");
    expect(post.body).toEqual({ name: "new", url: "tcp://host:2376", tls: { ca: CA, cert: CERT, key: KEY, verify: false } });
    // Closed, and the key went with the form.
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.body.textContent).not.toContain("MIIEkey");
    expect((await screen.findByRole("status")).textContent).toContain("Added new.");
  });

  it("refuses a PEM file over 64 KiB without reading it into the form, and a certificate without its key", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<EnvironmentsSection />, server(), { environments: ENVIRONMENTS });
    await screen.findByText("edge");
    await user.click(screen.getByRole("button", { name: "Add environment" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "big");
    await user.type(within(dialog).getByLabelText("URL"), "tcp://host:2376");
    await user.click(within(dialog).getByLabelText("Connect with TLS"));
    await user.upload(within(dialog).getByLabelText("Read the CA certificate from a file"), new File(["x".repeat(64 * 1024 + 1)], "huge.pem"));
    expect(await within(dialog).findByText(/huge\.pem is larger than 64 KiB/)).toBeTruthy();
    expect((within(dialog).getByLabelText("CA certificate") as HTMLTextAreaElement).value).toBe("");

    await user.click(within(dialog).getByLabelText("Client certificate"));
    await user.paste(CERT);
    await user.click(within(dialog).getByRole("button", { name: "Add environment" }));
    expect(within(dialog).getByText("The client certificate and its key go together.")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("shows the server's refusal with its code and marks the field", async () => {
    const user = userEvent.setup();
    renderPage(
      <EnvironmentsSection />,
      server((call) =>
        call.method === "POST" ? problem(400, "invalid_docker_host", "Use tcp://host:port.", "Invalid Docker host") : undefined,
      ),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(screen.getByRole("button", { name: "Add environment" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "x");
    await user.type(within(dialog).getByLabelText("URL"), "http://nope");
    await user.click(within(dialog).getByRole("button", { name: "Add environment" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Use tcp://host:port.");
    expect(alert.textContent).toContain("invalid_docker_host");
    const url = within(dialog).getByLabelText("URL");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(url));
  });

  it("shows a name conflict with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <EnvironmentsSection />,
      server((call) => (call.method === "POST" ? problem(409, "environment_name_conflict", "An environment named edge exists.") : undefined)),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(screen.getByRole("button", { name: "Add environment" }));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "edge");
    await user.type(within(dialog).getByLabelText("URL"), "tcp://h:2376");
    await user.click(within(dialog).getByRole("button", { name: "Add environment" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("environment_name_conflict");
    expect(within(dialog).getByLabelText("Name").getAttribute("aria-invalid")).toBe("true");
  });

  it("edits with a PATCH of what changed only, and can remove TLS", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <EnvironmentsSection />,
      server((call) => (call.method === "PATCH" ? json(200, { ...REMOTE, name: "edge-2" }) : undefined)),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(within(rowOf("edge")).getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog");
    const name = within(dialog).getByLabelText("Name");
    await user.clear(name);
    await user.type(name, "edge-2");
    await user.click(within(dialog).getByLabelText("Remove it (connect without TLS)"));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/v1/environments/e-1");
    expect(patch.body).toEqual({ name: "edge-2", tls: { ca: "", cert: "", key: "", verify: true } });
  });

  it("deletes after confirmation", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<EnvironmentsSection />, server((call) => (call.method === "DELETE" ? noContent() : undefined)), {
      environments: ENVIRONMENTS,
    });
    await screen.findByText("edge");
    await user.click(within(rowOf("edge")).getByRole("button", { name: "Delete" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(calls.find((c) => c.method === "DELETE")?.url).toBe("/api/v1/environments/e-1"));
  });

  it("lists grants with the grantees' names, adds and removes them", async () => {
    const user = userEvent.setup();
    const { calls, container } = renderPage(
      <EnvironmentsSection />,
      server((call) => (call.method === "POST" || call.method === "DELETE" ? noContent() : undefined)),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(within(rowOf("edge")).getByRole("button", { name: "Grants" }));
    const dialog = screen.getByRole("dialog");
    // A team by its name (hostile, as text) with its organization; an unknown grantee by id.
    expect(await within(dialog).findByText(`${HOSTILE} (acme)`)).toBeTruthy();
    expect(within(dialog).getAllByText("o-gone").length).toBeGreaterThan(0);
    expect(container.querySelector("img")).toBeNull();

    // Already granted teams are not offered again.
    const choice = within(dialog).getByLabelText("Team") as HTMLSelectElement;
    expect([...choice.options].map((o) => o.value)).toEqual(["", "t-1"]);
    await user.selectOptions(choice, "t-1");
    await user.click(within(dialog).getByRole("button", { name: "Grant access" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.url).toBe("/api/v1/environments/e-1/grants");
    expect(post.body).toEqual({ grantee_type: "team", grantee_id: "t-1" });

    await user.selectOptions(within(dialog).getByLabelText("Kind"), "organization");
    expect([...(within(dialog).getByLabelText("Organization") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["", "o-1"]);

    await user.click(within(dialog).getByRole("button", { name: `Remove the grant to ${HOSTILE} (acme)` }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    expect(calls.find((c) => c.method === "DELETE")!.url).toBe("/api/v1/environments/e-1/grants/team/t-2");
  });

  it("shows a refused grant change with its code", async () => {
    const user = userEvent.setup();
    renderPage(
      <EnvironmentsSection />,
      server((call) => (call.method === "DELETE" ? problem(404, "grant_not_found", "No such grant.") : undefined)),
      { environments: ENVIRONMENTS },
    );
    await screen.findByText("edge");
    await user.click(within(rowOf("edge")).getByRole("button", { name: "Grants" }));
    const dialog = screen.getByRole("dialog");
    await user.click(await within(dialog).findByRole("button", { name: `Remove the grant to ${HOSTILE} (acme)` }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("No such grant.");
    expect(alert.textContent).toContain("grant_not_found");
  });

  it("shows nothing to manage to a team member", async () => {
    const { calls } = renderPage(<EnvironmentsSection />, server(), {
      environments: ENVIRONMENTS,
      permissions: memberPermissions(["containers:read", "environments:read"]),
    });
    expect(screen.getByText(/needs the environments:manage permission/)).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
    expect(calls.filter((c) => c.url !== "/api/v1/environments")).toEqual([]);
  });
});
