import { act, cleanup, screen, waitFor, within } from "@testing-library/react";
import { FakeWebSocket, installFakeWebSocket } from "../../test/fakeWebSocket";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, noContent, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import { HOSTILE } from "../../test/resourcePages";
import VolumesPage from "./VolumesPage";

const CREATED = new Date(Date.now() - 3 * 3600_000).toISOString();
const VOLUMES = [
  { Name: "db-data", Driver: "local", Mountpoint: "/var/lib/docker/volumes/db-data/_data", CreatedAt: CREATED, Labels: { "io.dokkerr.team": "team-a" }, Scope: "local" },
  { Name: "cache", Driver: "local", Mountpoint: "/var/lib/docker/volumes/cache/_data", CreatedAt: CREATED, Labels: null, Scope: "local" },
  { Name: HOSTILE, Driver: "local", Mountpoint: "/x", CreatedAt: CREATED, Labels: { "io.dokkerr.team": "team-b", [HOSTILE]: HOSTILE }, Scope: "local" },
];
const TEAMS = [
  { id: "team-a", name: "Alpha", org_id: "o-1" },
  { id: "team-b", name: "Beta", org_id: "o-1" },
];

const LIST = "/api/v1/environments/local/volumes";
const VIEWER = memberPermissions(["images:read", "networks:read", "volumes:read"]);
const DEVELOPER = memberPermissions(["volumes:read", "volumes:create", "volumes:delete"]);

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.method === "GET" && call.url === LIST) return json(200, { items: VOLUMES, next_cursor: null, Warnings: [] });
    if (call.method === "GET" && call.url === "/api/v1/teams") return json(200, { items: TEAMS, next_cursor: null });
    if (call.url === "/api/v1/auth/ws-ticket") return problem(403, "forbidden", "No events here.");
    return problem(404, "route_not_found", `No route for ${call.method} ${call.url}`);
  };
}

const listCalls = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url === LIST).length;
const rowOf = (name: string) => screen.getByText(name, { selector: "th" }).closest("tr")!;
const isCreate = (c: Call) => c.method === "POST" && c.url.startsWith(LIST);

describe("VolumesPage", () => {
  beforeEach(() => {
    window.location.hash = "#/volumes";
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("lists volumes with driver, team names, age and, for admins, the mountpoint; filters", async () => {
    const user = userEvent.setup();
    renderPage(<VolumesPage env="" />, server());
    await screen.findByText("db-data");
    await waitFor(() => expect(within(rowOf("db-data")).getByText("Alpha")).toBeTruthy());
    const row = rowOf("db-data");
    expect(within(row).getByText("local")).toBeTruthy();
    expect(within(row).getByText("3 hours ago")).toBeTruthy();
    expect(within(row).getByText("/var/lib/docker/volumes/db-data/_data")).toBeTruthy();
    expect(screen.getByRole("columnheader", { name: "Mountpoint" })).toBeTruthy();
    expect(within(rowOf("cache")).getByText("—")).toBeTruthy();
    expect(within(rowOf(HOSTILE)).getByText("Beta")).toBeTruthy();

    await user.type(screen.getByLabelText("Filter"), "alpha");
    expect(screen.getByText("db-data")).toBeTruthy();
    expect(screen.queryByText("cache")).toBeNull();
    await user.clear(screen.getByLabelText("Filter"));
    await user.type(screen.getByLabelText("Filter"), "zzz");
    expect(screen.getByText("No volume matches.")).toBeTruthy();
  });

  it("hides create, remove and the mountpoint from a viewer", async () => {
    renderPage(<VolumesPage env="" />, server(), { permissions: VIEWER });
    await screen.findByText("db-data");
    expect(screen.queryByRole("button", { name: "Create volume" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove" })).toBeNull();
    expect(screen.queryByRole("columnheader", { name: "Mountpoint" })).toBeNull();
    expect(screen.queryByText("/var/lib/docker/volumes/db-data/_data")).toBeNull();
  });

  it("renders a hostile volume name as text", async () => {
    const { container } = renderPage(<VolumesPage env="" />, server());
    const cell = await screen.findByText(HOSTILE);
    expect(cell.textContent).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    expect(container.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("shows a load failure with its code, and an empty list as such", async () => {
    renderPage(<VolumesPage env="" />, server((call) => (call.url === LIST ? problem(503, "engine_unavailable", "The engine is down.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The engine is down.");
    expect(alert.textContent).toContain("engine_unavailable");
    cleanup();
    renderPage(<VolumesPage env="" />, server((call) => (call.url === LIST ? json(200, { items: [], next_cursor: null }) : undefined)));
    expect(await screen.findByText("No volumes in this environment.")).toBeTruthy();
  });

  it("creates a volume for a team with the local driver and labels", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <VolumesPage env="" />,
      server((call) => (isCreate(call) ? json(201, { Name: "uploads", Driver: "local", Labels: {} }) : undefined)),
    );
    await screen.findByText("db-data");
    await user.click(screen.getByRole("button", { name: "Create volume" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Name"), "uploads");
    await user.type(within(dialog).getByLabelText("Labels"), "backup=nightly");
    await user.selectOptions(within(dialog).getByLabelText("Team"), "team-b");
    const before = listCalls(calls);
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    await waitFor(() => expect(calls.some(isCreate)).toBe(true));
    const create = calls.find(isCreate)!;
    expect(create.url).toBe(`${LIST}?team=team-b`);
    expect(create.body).toEqual({ Name: "uploads", Driver: "local", Labels: { backup: "nightly" } });
    expect(await screen.findByText("Created the volume uploads.")).toBeTruthy();
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1));
  });

  it("lets a member create an unnamed volume for their team only", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <VolumesPage env="" />,
      server((call) => {
        if (isCreate(call)) return json(201, { Name: "f00d".repeat(16), Driver: "local" });
        if (call.url === "/api/v1/teams") return json(200, { items: [TEAMS[0]], next_cursor: null });
        return undefined;
      }),
      { permissions: DEVELOPER },
    );
    await screen.findByText("db-data");
    await user.click(screen.getByRole("button", { name: "Create volume" }));
    const dialog = await screen.findByRole("dialog");
    expect([...(within(dialog).getByLabelText("Team") as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(["Alpha"]);
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    await waitFor(() => expect(calls.some(isCreate)).toBe(true));
    const create = calls.find(isCreate)!;
    expect(create.url).toBe(`${LIST}?team=team-a`);
    expect(create.body).toEqual({ Driver: "local", Labels: {} });
    expect(await screen.findByText(`Created the volume ${"f00d".repeat(16)}.`)).toBeTruthy();
  });

  it("refuses a reserved label in the form, and shows the server's refusal with its code", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <VolumesPage env="" />,
      server((call) => (isCreate(call) ? problem(403, "policy_denied", "Driver 'nfs' is not an allowed volume driver for this team.") : undefined)),
    );
    await screen.findByText("db-data");
    await user.click(screen.getByRole("button", { name: "Create volume" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(within(dialog).getByLabelText("Labels"), " io.dokkerr.team = team-b");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("reserved for Dokkerr");
    expect(calls.some(isCreate)).toBe(false);

    await user.clear(within(dialog).getByLabelText("Labels"));
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("is not an allowed volume driver");
    expect(alert.textContent).toContain("policy_denied");
  });

  it("removes with force after confirmation; a volume in use shows volume_conflict with its detail", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(
      <VolumesPage env="" />,
      server((call) => {
        if (call.method !== "DELETE") return undefined;
        return call.url.endsWith("?force=1") ? noContent() : problem(409, "volume_conflict", "The volume is in use by container 1234abcd.");
      }),
    );
    await screen.findByText("db-data");
    await user.click(within(rowOf("db-data")).getByRole("button", { name: "Remove" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The volume is in use by container 1234abcd.");
    expect(alert.textContent).toContain("volume_conflict");

    await user.click(within(dialog).getByLabelText("Force"));
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(await screen.findByText("Removed the volume db-data.")).toBeTruthy();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual([`${LIST}/db-data`, `${LIST}/db-data?force=1`]);
  });

  it("addresses a volume with an awkward name URL-encoded", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<VolumesPage env="" />, server((call) => (call.method === "DELETE" ? noContent() : undefined)));
    await screen.findByText(HOSTILE);
    await user.click(within(rowOf(HOSTILE)).getByRole("button", { name: "Remove" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(calls.some((c) => c.method === "DELETE")).toBe(true));
    expect(calls.find((c) => c.method === "DELETE")!.url).toBe(`${LIST}/${encodeURIComponent(HOSTILE)}`);
  });

  it("shows the details from inspect, labels as text", async () => {
    const user = userEvent.setup();
    renderPage(
      <VolumesPage env="" />,
      server((call) =>
        call.url === `${LIST}/${encodeURIComponent(HOSTILE)}` ? json(200, { ...VOLUMES[2], Options: { type: "tmpfs" }, UsageData: { Size: 2048, RefCount: 1 } }) : undefined,
      ),
    );
    await screen.findByText(HOSTILE);
    await user.click(within(rowOf(HOSTILE)).getByRole("button", { name: "Details" }));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByText("2.0 KiB")).toBeTruthy();
    expect(within(dialog).getByText("Beta")).toBeTruthy();
    expect(within(dialog).getByText("tmpfs")).toBeTruthy();
    expect(within(dialog).getAllByText(HOSTILE).length).toBeGreaterThanOrEqual(2);
    expect(document.querySelector("img")).toBeNull();
  });

  it("reloads on volume events, at most once a second", async () => {
    installFakeWebSocket();
    const sockets = FakeWebSocket.instances;
    const { calls } = renderPage(
      <VolumesPage env="" />,
      server((call) => (call.url === "/api/v1/auth/ws-ticket" ? json(200, { ticket: "t-1", path: call.url, expires_in: 30 }) : undefined)),
    );
    await screen.findByText("db-data");
    await waitFor(() => expect(sockets.length).toBe(1));
    expect(sockets[0]!.url).toContain("/api/v1/environments/local/events?type=volume&ticket=t-1");
    const before = listCalls(calls);
    act(() => {
      sockets[0]!.open();
      sockets[0]!.json({ Type: "volume", Action: "create" });
      sockets[0]!.json({ Type: "volume", Action: "destroy" });
      sockets[0]!.json({ Type: "network", Action: "create" });
    });
    await waitFor(() => expect(listCalls(calls)).toBe(before + 1), { timeout: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(listCalls(calls)).toBe(before + 1);
  });
});
