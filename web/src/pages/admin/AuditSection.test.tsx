import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { localTimeToRfc3339 } from "../../lib/platform";
import { json, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions, renderPage } from "../../test/renderPage";
import AuditSection from "./AuditSection";

const HOSTILE = "<img src=x onerror=alert(1)>";

function entry(seq: number, extra: Record<string, unknown> = {}) {
  return {
    seq,
    at: "2026-01-31T12:00:00.000Z",
    actor: { type: "user", id: "u-1", name: "alice" },
    org_id: "",
    team_id: "",
    action: "containers.start",
    target: `env/local/containers/c${seq}`,
    result: "success",
    client_address: "10.0.0.1",
    request_id: `req-${seq}`,
    detail: { status: 204 },
    prev_hash: "00",
    hash: `h${seq}`,
    ...extra,
  };
}

const TEAMS = { items: [{ id: "t-1", org_id: "o-1", name: "web" }], next_cursor: null };
const ORGS = { items: [{ id: "o-1", name: "acme", display_name: "Acme" }], next_cursor: null };

function server(extra?: (call: Call) => Response | undefined) {
  return (call: Call): Response => {
    const answer = extra?.(call);
    if (answer) return answer;
    if (call.url === "/api/v1/teams") return json(200, TEAMS);
    if (call.url === "/api/v1/organizations") return json(200, ORGS);
    if (call.url.startsWith("/api/v1/audit?")) {
      if (call.url.includes("cursor=c2")) return json(200, { items: [entry(1)], next_cursor: null });
      return json(200, { items: [entry(3, { actor: { type: "user", id: "u-9", name: HOSTILE }, target: HOSTILE }), entry(2)], next_cursor: "c2" });
    }
    return problem(404, "route_not_found", `No route for ${call.url}`);
  };
}

function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

const auditCalls = (calls: Call[]) => calls.filter((c) => c.url.startsWith("/api/v1/audit?"));

describe("AuditSection", () => {
  afterEach(cleanup);

  it("lists entries newest first, hostile names as text, and loads more through next_cursor", async () => {
    const user = userEvent.setup();
    const { calls, container } = renderPage(<AuditSection />, server());
    expect((await screen.findAllByText(HOSTILE)).length).toBe(2);
    expect(container.querySelector("img")).toBeNull();
    expect(auditCalls(calls)[0]!.url).toBe("/api/v1/audit?limit=100");

    await user.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("env/local/containers/c1");
    expect(auditCalls(calls)[1]!.url).toBe("/api/v1/audit?limit=100&cursor=c2");
    const rows = within(screen.getByRole("table")).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("button").getAttribute("aria-label"))).toEqual([
      "Details of entry 3",
      "Details of entry 2",
      "Details of entry 1",
    ]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("sends the filters as the query string, with local times in UTC", async () => {
    const user = userEvent.setup();
    const { calls } = renderPage(<AuditSection />, server());
    await screen.findByText("env/local/containers/c2");
    await screen.findByRole("option", { name: "web" });

    await user.type(screen.getByLabelText("Actor id"), "u-1");
    await user.type(screen.getByLabelText("Action"), "containers.*");
    await user.selectOptions(screen.getByLabelText("Result"), "denied");
    await user.selectOptions(screen.getByLabelText("Team"), "t-1");
    await user.selectOptions(screen.getByLabelText("Organization"), "o-1");
    fireEvent.change(screen.getByLabelText("Since"), { target: { value: "2026-01-31T12:00" } });
    fireEvent.change(screen.getByLabelText("Until"), { target: { value: "2026-02-01T08:30:15" } });
    await user.click(screen.getByRole("button", { name: "Apply filters" }));

    const since = localTimeToRfc3339("2026-01-31T12:00")!;
    const until = localTimeToRfc3339("2026-02-01T08:30:15")!;
    expect(since).toBe(new Date(2026, 0, 31, 12, 0).toISOString().replace(".000Z", "Z"));
    expect(until).toMatch(/^2026-0[12]-\d\dT\d\d:30:15Z$/);
    const expected =
      "/api/v1/audit?actor_id=u-1&action=containers.*&result=denied&team_id=t-1&org_id=o-1" +
      `&since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&limit=100`;
    await waitFor(() => expect(auditCalls(calls).at(-1)!.url).toBe(expected));

    await user.click(screen.getByRole("button", { name: "Clear" }));
    await waitFor(() => expect(auditCalls(calls).at(-1)!.url).toBe("/api/v1/audit?limit=100"));
  });

  it("shows an entry's whole record as text in a dialog", async () => {
    const user = userEvent.setup();
    const { container } = renderPage(<AuditSection />, server());
    await user.click(await screen.findByRole("button", { name: "Details of entry 3" }));
    const dialog = screen.getByRole("dialog", { name: "Audit entry 3" });
    const pre = dialog.querySelector("pre")!;
    expect(JSON.parse(pre.textContent!)).toMatchObject({ seq: 3, target: HOSTILE, actor: { name: HOSTILE } });
    expect(container.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
  });

  it("exports the filtered log through the API client and downloads it from an object URL", async () => {
    const user = userEvent.setup();
    const lines = `${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n`;
    const { calls } = renderPage(
      <AuditSection />,
      server((call) =>
        call.url.startsWith("/api/v1/audit/export")
          ? new Response(lines, { status: 200, headers: { "Content-Type": "application/x-ndjson" } })
          : undefined,
      ),
    );
    await screen.findByText("env/local/containers/c2");
    await user.selectOptions(screen.getByLabelText("Result"), "failure");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));

    let saved: Blob | undefined;
    const createObjectURL = vi.fn((blob: Blob) => {
      saved = blob;
      return "blob:http://localhost/audit-1";
    });
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });

    await user.click(screen.getByRole("button", { name: "Export" }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    const exportCall = calls.find((c) => c.url.startsWith("/api/v1/audit/export"))!;
    expect(exportCall.url).toBe("/api/v1/audit/export?result=failure");
    expect(exportCall.headers["authorization"]).toBe("Bearer access-1");
    expect(exportCall.url).not.toContain("access-1");
    expect(await blobText(saved!)).toBe(lines);
    const link = clicked[0]!;
    expect(link.getAttribute("href")).toBe("blob:http://localhost/audit-1");
    expect(link.download).toMatch(/^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl$/);
    expect(link.isConnected).toBe(false);
    await waitFor(() => expect(revokeObjectURL).toHaveBeenCalledWith("blob:http://localhost/audit-1"), { timeout: 2000 });
  });

  it("shows a refused export with its code", async () => {
    const user = userEvent.setup();
    renderPage(<AuditSection />, server((call) => (call.url.startsWith("/api/v1/audit/export") ? problem(413, "export_too_large", "The export exceeds 64 MiB.") : undefined)));
    await screen.findByText("env/local/containers/c2");
    await user.click(screen.getByRole("button", { name: "Export" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The export exceeds 64 MiB.");
    expect(alert.textContent).toContain("export_too_large");
  });

  it("verifies the chain: intact, then broken with the first bad entry", async () => {
    const user = userEvent.setup();
    let ok = true;
    renderPage(
      <AuditSection />,
      server((call) =>
        call.url === "/api/v1/audit/verify"
          ? json(200, ok ? { ok: true, entries: 42, first_bad_seq: null, problem: "", head: "abc123" } : { ok: false, entries: 17, first_bad_seq: 17, problem: `hash mismatch ${HOSTILE}`, head: "" })
          : undefined,
      ),
    );
    await screen.findByText("env/local/containers/c2");
    await user.click(screen.getByRole("button", { name: "Verify chain" }));
    expect(await screen.findByText(/The chain is intact: 42 entries checked/)).toBeTruthy();
    expect(screen.getByText("abc123")).toBeTruthy();

    ok = false;
    await user.click(screen.getByRole("button", { name: "Verify chain" }));
    const report = await screen.findByText(/The chain is broken at entry/);
    expect(report.textContent).toContain("17");
    expect(report.textContent).toContain(`hash mismatch ${HOSTILE}`);
    expect(document.querySelector("img")).toBeNull();
  });

  it("shows a refused list with its code", async () => {
    renderPage(<AuditSection />, server((call) => (call.url.startsWith("/api/v1/audit?") ? problem(400, "invalid_time", "'since' must be an RFC 3339 date-time.") : undefined)));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("'since' must be an RFC 3339 date-time.");
    expect(alert.textContent).toContain("invalid_time");
  });

  it("shows nothing to a team member and asks the server for nothing", async () => {
    const { calls } = renderPage(<AuditSection />, server(), { permissions: memberPermissions(["containers:read"]) });
    expect(screen.getByText(/needs the audit:read permission/)).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.filter((c) => c.url !== "/api/v1/environments")).toEqual([]);
  });
});
