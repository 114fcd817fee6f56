import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { HOSTILE, resetPage, rowOf, twoTeams } from "../../test/resourcePages";
import WebhooksPage from "./WebhooksPage";

const CREATED = new Date(Date.now() - 2 * 3600_000).toISOString();
const SECRET = `whsec_${"a".repeat(64)}`;
const EVENTS = ["container.started", "container.died", "stack.deployed", "alert.fired", "webhook.test"];

function webhook(id: string, name: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    team_id: "team-a",
    name,
    url: "https://hooks.example.com/dokkerr",
    events: ["stack.deployed", "container.started"],
    enabled: true,
    created_by: "alice",
    created_at: CREATED,
    ...overrides,
  };
}

const CI = webhook("w-1", "ci");
const AUDIT = webhook("w-2", "audit", { team_id: null, url: "https://siem.example.com/in", events: ["webhook.test"], enabled: false });
const WEBHOOKS = [CI, AUDIT, webhook("w-3", HOSTILE)];

const LIST = "/api/v1/webhooks";
const ONE = "/api/v1/webhooks/w-1";
const VIEWER = memberPermissions(["containers:read", "alerts:manage"]);
const TEAM_ADMIN = memberPermissions(["containers:read", "team:manage"]);

function server(extra?: (call: Call) => Response | Promise<Response> | undefined) {
  return (call: Call): Response | Promise<Response> => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: WEBHOOKS });
    if (call.method === "GET" && call.url === `${LIST}/events`) return json(200, { items: EVENTS });
    if (call.method === "GET" && call.url === ONE) return json(200, CI);
    if (call.method === "GET" && call.url.startsWith(`${ONE}/deliveries`)) return json(200, { items: [] });
    if (call.method === "GET" && call.url === "/api/v1/teams") return twoTeams();
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

describe("WebhooksPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/webhooks"));
  afterEach(resetPage);

  it("lists the webhooks with URL, team or Platform, events and state, each linking to its page", async () => {
    renderPage(<WebhooksPage section="" id="" />, server());
    await screen.findByRole("rowheader", { name: "ci" });
    const ci = rowOf("ci");
    expect(within(ci).getByText("https://hooks.example.com/dokkerr")).toBeTruthy();
    expect(within(ci).getByText("enabled")).toBeTruthy();
    expect(within(ci).getByRole("link", { name: "ci" }).getAttribute("href")).toBe("#/webhooks/view?id=w-1");
    await waitFor(() => expect(within(rowOf("ci")).getByText("Alpha")).toBeTruthy());
    // Events in the server's order once it has listed them.
    await waitFor(() =>
      expect(within(within(rowOf("ci")).getByRole("list", { name: "Events of ci" })).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
        "container.started",
        "stack.deployed",
      ]),
    );

    const audit = rowOf("audit");
    expect(within(audit).getByText("Platform")).toBeTruthy();
    expect(within(audit).getByText("disabled")).toBeTruthy();
    expect(within(audit).getByText("webhook.test")).toBeTruthy();
    expect(screen.getByRole("link", { name: "New webhook" }).getAttribute("href")).toBe("#/webhooks/new");
  });

  it("renders a hostile name as text, and filters", async () => {
    const user = userEvent.setup();
    const { container } = renderPage(<WebhooksPage section="" id="" />, server());
    await screen.findByRole("rowheader", { name: HOSTILE });
    expect(container.querySelector("img")).toBeNull();
    await user.type(screen.getByLabelText("Filter"), "siem");
    expect(screen.queryByRole("rowheader", { name: "ci" })).toBeNull();
    expect(screen.getByRole("rowheader", { name: "audit" })).toBeTruthy();
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "nothing like it");
    expect(screen.getByText("No webhook matches.")).toBeTruthy();
  });

  it("hides New webhook from a member who manages no team, and says why the list is empty", async () => {
    renderPage(<WebhooksPage section="" id="" />, server((call) => (call.url === LIST ? json(200, { items: [] }) : undefined)), { permissions: VIEWER });
    expect(await screen.findByText(/No webhooks you manage/)).toBeTruthy();
    expect(screen.queryByRole("link", { name: "New webhook" })).toBeNull();
  });

  it("shows a load failure with its code, and a removal's outcome", async () => {
    renderPage(<WebhooksPage section="" id="" />, server((call) => (call.url === LIST ? problem(403, "permission_denied", "Not yours.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Not yours.");
    expect(alert.textContent).toContain("permission_denied");
    cleanup();
    window.history.replaceState(null, "", "#/webhooks?removed=ci");
    renderPage(<WebhooksPage section="" id="" />, server((call) => (call.url === LIST ? json(200, { items: [] }) : undefined)));
    expect(await screen.findByText("No webhooks yet.")).toBeTruthy();
    expect(screen.getByText("Deleted the webhook ci.")).toBeTruthy();
  });

  it("says so at an unknown address", () => {
    renderPage(<WebhooksPage section="nope" id="" />, server());
    expect(screen.getByRole("heading", { name: "Page not found" })).toBeTruthy();
  });
});

describe("CreateWebhookPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/webhooks/new"));
  afterEach(resetPage);

  it("checks the fields, makes a platform webhook and shows its secret once with Copy", async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { calls } = renderPage(
      <WebhooksPage section="new" id="" />,
      server((call) =>
        call.method === "POST" && call.url === LIST ? json(201, { ...webhook("w-new", "pager", { team_id: null, events: ["webhook.test"] }), secret: SECRET }) : undefined,
      ),
    );
    const scope = (await screen.findByLabelText("Scope")) as HTMLSelectElement;
    await waitFor(() => expect(within(scope).getAllByRole("option").map((o) => o.textContent)).toEqual(["Platform (every event)", "Alpha", "Beta"]));
    expect(scope.value).toBe("platform");
    await screen.findByRole("checkbox", { name: "webhook.test" });
    expect(screen.getAllByRole("checkbox").length).toBe(EVENTS.length + 1);
    expect((screen.getByRole("checkbox", { name: "Enabled" }) as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole("button", { name: "Create webhook" }));
    expect(screen.getByText("Give the webhook a name.")).toBeTruthy();
    expect(screen.getByText("Give the URL the events are posted to.")).toBeTruthy();
    expect(screen.getByText("Choose at least one event.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "pager");
    await user.type(screen.getByLabelText("URL"), "ftp://example.com/in");
    await user.click(screen.getByRole("button", { name: "Create webhook" }));
    expect(screen.getByText(/starts with https:\/\//)).toBeTruthy();
    expect(screen.getByLabelText("URL").getAttribute("aria-invalid")).toBe("true");
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await user.clear(screen.getByLabelText("URL"));
    await user.type(screen.getByLabelText("URL"), "http://127.0.0.1:9000/in");
    await user.click(screen.getByRole("button", { name: "Select all" }));
    await user.click(screen.getByRole("button", { name: "Clear" }));
    await user.click(screen.getByRole("checkbox", { name: "webhook.test" }));
    await user.click(screen.getByRole("button", { name: "Create webhook" }));

    const secret = (await screen.findByLabelText("Signing secret")) as HTMLInputElement;
    expect(secret.value).toBe(SECRET);
    expect(secret.readOnly).toBe(true);
    expect(screen.getByText("Copy the secret now: it will not be shown again.")).toBeTruthy();
    expect(screen.getByText("X-Dokkerr-Timestamp")).toBeTruthy();
    expect(screen.queryByLabelText("Name")).toBeNull();
    const create = calls.find((c) => c.method === "POST" && c.url === LIST)!;
    expect(create.body).toEqual({ name: "pager", url: "http://127.0.0.1:9000/in", events: ["webhook.test"], enabled: true });

    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(await screen.findByText("Copied.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Open the webhook" }).getAttribute("href")).toBe("#/webhooks/view?id=w-new");
  });

  it("makes a team's webhook, disabled, and shows a forbidden URL at the URL field", async () => {
    const user = userEvent.setup();
    let posts = 0;
    const { calls } = renderPage(
      <WebhooksPage section="new" id="" />,
      server((call) => {
        if (call.method !== "POST" || call.url !== LIST) return undefined;
        posts += 1;
        return posts === 1
          ? problem(403, "webhook_url_forbidden", "The webhook's host resolves to an address that is not public.")
          : problem(409, "too_many_webhooks", "The team has 50 webhooks.");
      }),
    );
    const scope = (await screen.findByLabelText("Scope")) as HTMLSelectElement;
    await within(scope).findByRole("option", { name: "Beta" });
    await user.selectOptions(scope, "Beta");
    await user.type(screen.getByLabelText("Name"), "ci");
    await user.type(screen.getByLabelText("URL"), "http://10.1.2.3/in");
    await user.click(await screen.findByRole("checkbox", { name: "stack.deployed" }));
    await user.click(screen.getByRole("checkbox", { name: "container.died" }));
    await user.click(screen.getByRole("checkbox", { name: "Enabled" }));
    await user.click(screen.getByRole("button", { name: "Create webhook" }));

    const shown = await screen.findByText(/address that is not public/);
    expect(shown.textContent).toContain("webhook_url_forbidden");
    expect(shown.getAttribute("role")).toBe("alert");
    expect(screen.getByLabelText("URL").getAttribute("aria-invalid")).toBe("true");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({
      name: "ci",
      url: "http://10.1.2.3/in",
      events: ["stack.deployed", "container.died"],
      team_id: "team-b",
      enabled: false,
    });

    // A problem that is not the URL's shows for the form.
    await user.click(screen.getByRole("button", { name: "Create webhook" }));
    const alert = await screen.findByText(/Could not make the webhook: The team has 50 webhooks\./);
    expect(alert.closest("[role=alert]")!.textContent).toContain("too_many_webhooks");
    expect(screen.getByLabelText("URL").getAttribute("aria-invalid")).toBeNull();
  });

  it("offers a team admin their team only, and tells others they may not", async () => {
    renderPage(<WebhooksPage section="new" id="" />, server(), { permissions: TEAM_ADMIN });
    const scope = (await screen.findByLabelText("Scope")) as HTMLSelectElement;
    await waitFor(() => expect(within(scope).getAllByRole("option").map((o) => o.textContent)).toEqual(["Alpha"]));
    cleanup();
    renderPage(<WebhooksPage section="new" id="" />, server(), { permissions: VIEWER });
    expect(screen.getByText(/You may not make webhooks/)).toBeTruthy();
    expect(screen.queryByLabelText("Name")).toBeNull();
  });
});

describe("WebhookDetailPage", () => {
  beforeEach(() => window.history.replaceState(null, "", "#/webhooks/view?id=w-1"));
  afterEach(resetPage);

  const delivery = (id: string, state: string, overrides: Record<string, unknown> = {}) => ({
    id,
    event_id: `e-${id}`,
    event_type: "webhook.test",
    state,
    attempts: 1,
    last_error: "",
    created_at: CREATED,
    finished_at: state === "pending" ? null : CREATED,
    ...overrides,
  });

  it("shows the subscription, sends a test event and refreshes the delivery log", async () => {
    const user = userEvent.setup();
    let log: unknown[] = [delivery("d-1", "failed", { attempts: 12, last_error: "HTTP 500", event_type: "stack.deployed" })];
    const { calls } = renderPage(
      <WebhooksPage section="view" id="w-1" />,
      server((call) => {
        if (call.method === "GET" && call.url === `${ONE}/deliveries?limit=50`) return json(200, { items: log });
        if (call.method === "POST" && call.url === `${ONE}/test`) {
          log = [delivery("d-2", "pending", { attempts: 0 }), ...log];
          return json(202, log[0]);
        }
        return undefined;
      }),
    );
    expect(await screen.findByRole("heading", { name: "Webhook ci", level: 1 })).toBeTruthy();
    expect(screen.getByText("Stored (never shown again; rotate it for a new one)")).toBeTruthy();
    const table = await screen.findByRole("table", { name: "Deliveries of ci" });
    await waitFor(() => expect(within(table).getByText("failed")).toBeTruthy());
    expect(within(table).getByText("HTTP 500")).toBeTruthy();
    expect(within(table).getByText("12")).toBeTruthy();

    await user.click(within(screen.getByRole("group", { name: "Actions for ci" })).getByRole("button", { name: "Send test event" }));
    expect(await screen.findByText(/Queued a test event/)).toBeTruthy();
    await waitFor(() => expect(within(screen.getByRole("table", { name: "Deliveries of ci" })).getByText("pending")).toBeTruthy());
    expect(calls.filter((c) => c.method === "POST").map((c) => c.url)).toEqual([`${ONE}/test`]);

    log = [delivery("d-2", "delivered"), ...log.slice(1)];
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(within(screen.getByRole("table", { name: "Deliveries of ci" })).getByText("delivered")).toBeTruthy());
    expect(calls.filter((c) => c.url === `${ONE}/deliveries?limit=50`).length).toBe(3);
  });

  it("edits name, URL, events and enabled, sending only what changed, with URL problems at the field", async () => {
    const user = userEvent.setup();
    let patches = 0;
    const { calls } = renderPage(
      <WebhooksPage section="view" id="w-1" />,
      server((call) => {
        if (call.method !== "PATCH" || call.url !== ONE) return undefined;
        patches += 1;
        return patches === 1
          ? problem(400, "webhook_url_invalid", "The webhook URL must be an http or https URL with a host.")
          : json(200, { ...CI, name: "ci2", enabled: false, events: ["stack.deployed"] });
      }),
    );
    await screen.findByRole("heading", { name: "Webhook ci", level: 1 });
    await user.click(screen.getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit ci" });
    expect((await within(dialog).findByRole("checkbox", { name: "stack.deployed" }) as HTMLInputElement).checked).toBe(true);
    const name = within(dialog).getByLabelText("Name");
    await user.clear(name);
    await user.type(name, "ci2");
    await user.click(within(dialog).getByRole("checkbox", { name: "container.started" }));
    await user.click(within(dialog).getByRole("checkbox", { name: "Enabled" }));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    const refused = await within(dialog).findByText(/must be an http or https URL/);
    expect(refused.textContent).toContain("webhook_url_invalid");
    expect(within(dialog).getByLabelText("URL").getAttribute("aria-invalid")).toBe("true");

    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved ci2.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { name: "ci2", events: ["stack.deployed"], enabled: false },
      { name: "ci2", events: ["stack.deployed"], enabled: false },
    ]);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("rotates the secret after a confirmation and shows the new one once", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <WebhooksPage section="view" id="w-1" />,
      server((call) => (call.method === "PATCH" && call.url === ONE ? json(200, { ...CI, secret: SECRET }) : undefined)),
    );
    await screen.findByRole("heading", { name: "Webhook ci", level: 1 });
    await user.click(screen.getByRole("button", { name: "Rotate secret" }));
    const confirm = screen.getByRole("dialog", { name: "Rotate the secret of ci?" });
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Rotate secret" }));
    const secret = (await screen.findByLabelText("Signing secret")) as HTMLInputElement;
    expect(secret.value).toBe(SECRET);
    expect(secret.readOnly).toBe(true);
    expect(calls.find((c) => c.method === "PATCH")!.body).toEqual({ rotate_secret: true });
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByLabelText("Signing secret")).toBeNull();
    expect(screen.queryByDisplayValue(SECRET)).toBeNull();
  });

  it("deletes after a confirmation and goes back to the list", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <WebhooksPage section="view" id="w-1" />,
      server((call) => (call.method === "DELETE" && call.url === ONE ? noContent() : undefined)),
    );
    await screen.findByRole("heading", { name: "Webhook ci", level: 1 });
    await user.click(within(screen.getByRole("group", { name: "Actions for ci" })).getByRole("button", { name: "Delete" }));
    const confirm = screen.getByRole("dialog", { name: "Delete the webhook ci?" });
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(window.location.hash).toBe("#/webhooks?removed=ci"));
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([ONE]);
  });

  it("says when it is not there, and shows a failed test event's problem", async () => {
    const user = userEvent.setup();
    renderPage(
      <WebhooksPage section="view" id="w-9" />,
      server((call) => (call.url === "/api/v1/webhooks/w-9" ? problem(404, "webhook_not_found", "There is no such webhook subscription.") : undefined)),
    );
    expect(await screen.findByText(/There is no webhook with this id among yours/)).toBeTruthy();
    cleanup();
    renderPage(
      <WebhooksPage section="view" id="w-1" />,
      server((call) => (call.method === "POST" && call.url === `${ONE}/test` ? problem(404, "webhook_not_found", "There is no such webhook subscription.") : undefined)),
    );
    await user.click(await screen.findByRole("button", { name: "Send test event" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not send a test event: There is no such webhook subscription.");
    expect(alert.textContent).toContain("webhook_not_found");
  });
});
