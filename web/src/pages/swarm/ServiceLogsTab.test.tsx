import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json, problem, type Call } from "../../test/fakeFetch";
import { memberPermissions } from "../../test/renderPage";
import { resetPage } from "../../test/resourcePages";
import type { ServiceLogs } from "../../lib/swarm";
import { serviceLogLines } from "./ServiceLogsTab";
import { BASE, renderSwarm, service, swarmServer, task } from "./swarmTesting";

const LOGS_URL = `${BASE}/services/s-1/logs`;
const VIEW = "#/swarm/services/view?env=local&id=s-1";
const WEB = service("s-1", "web");
const TASKS = [task("t-1")];
const T1 = "2024-05-01T12:00:00.123456789Z";
const T2 = "2024-05-01T12:00:01.000000001Z";
const LOGS: ServiceLogs = {
  items: [
    { stream: "stdout", data: `${T1} listening on :80\n` },
    { stream: "stderr", data: `${T2} upstream timed out\n` },
  ],
  truncated: false,
};

const logCalls = (calls: Call[]) => calls.filter((c) => c.method === "GET" && c.url.startsWith(LOGS_URL));
const query = (call: Call) => Object.fromEntries(new URL(call.url, "http://x").searchParams);

async function logView() {
  return screen.findByRole("log", { name: "Log of web" });
}

describe("ServiceLogsTab", () => {
  afterEach(resetPage);

  it("shows the last lines with their times, stderr marked, and hides the times without asking again", async () => {
    const user = userEvent.setup();
    const { calls } = renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [WEB], tasks: TASKS, logs: LOGS }));
    const view = await logView();
    await waitFor(() => expect(view.querySelectorAll(".log-line")).toHaveLength(2));
    expect(screen.getByRole("tab", { name: "Logs" }).getAttribute("aria-selected")).toBe("true");
    const [out, err] = [...view.querySelectorAll(".log-line")];
    expect(out!.className).not.toContain("log-stderr");
    expect(out!.textContent).toBe(`${T1}listening on :80`);
    expect(err!.className).toContain("log-stderr");
    expect(err!.textContent).toBe(`${T2}stderr: upstream timed out`);
    expect(within(err as HTMLElement).getByText("stderr:").className).toBe("visually-hidden");
    expect(screen.getByText("2 lines (up to the last 500 of each task).")).toBeTruthy();
    expect(logCalls(calls)).toHaveLength(1);
    expect(query(logCalls(calls)[0]!)).toEqual({ tail: "500", timestamps: "1" });

    await user.click(screen.getByRole("checkbox", { name: "Timestamps" }));
    expect(view.querySelector(".log-time")).toBeNull();
    expect(out!.textContent).toBe("listening on :80");
    expect(logCalls(calls)).toHaveLength(1);
  });

  it("asks again for the chosen number of lines, and on Refresh", async () => {
    const user = userEvent.setup();
    let reads = 0;
    const { calls } = renderSwarm(
      `${VIEW}&tab=logs`,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) => {
        if (!call.url.startsWith(LOGS_URL)) return undefined;
        reads += 1;
        return json(200, { items: [{ stream: "stdout", data: `read ${reads}\n` }], truncated: false });
      }),
    );
    const view = await logView();
    await waitFor(() => expect(view.textContent).toBe("read 1"));
    await user.selectOptions(screen.getByLabelText("Lines"), "Last 1000");
    await waitFor(() => expect(view.textContent).toBe("read 2"));
    expect(query(logCalls(calls)[1]!).tail).toBe("1000");
    expect(screen.getByText("1 line (up to the last 1000 of each task).")).toBeTruthy();

    await user.click(within(screen.getByRole("group", { name: "Log options" })).getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(view.textContent).toBe("read 3"));
    expect(logCalls(calls).map((c) => query(c).tail)).toEqual(["500", "1000", "1000"]);
  });

  it("shows the server's refusal with its detail and code", async () => {
    renderSwarm(
      `${VIEW}&tab=logs`,
      swarmServer({ services: [WEB], tasks: TASKS }, (call) =>
        call.url.startsWith(LOGS_URL) ? problem(502, "engine_error", "The engine could not read the service's logs.") : undefined,
      ),
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not read the log: The engine could not read the service's logs.");
    expect(alert.textContent).toContain("Code: engine_error");
  });

  it("says when the tasks logged nothing, and when the answer was cut short", async () => {
    renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [WEB], tasks: TASKS }));
    expect(await screen.findByText("The service's tasks have logged nothing.")).toBeTruthy();
    expect(screen.queryByText(/cut short/)).toBeNull();
    resetPage();

    renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [WEB], tasks: TASKS, logs: { ...LOGS, truncated: true } }));
    expect(await screen.findByText(/The log was cut short/)).toBeTruthy();
  });

  it("is there only for those who may read the logs of the service's team", async () => {
    const { calls } = renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [WEB], tasks: TASKS }), { permissions: memberPermissions(["containers:read"]) });
    expect(await screen.findByRole("tab", { name: "Tasks" })).toBeTruthy();
    expect(screen.queryByRole("tab", { name: "Logs" })).toBeNull();
    expect(screen.getByRole("table", { name: "Tasks of web" })).toBeTruthy();
    expect(logCalls(calls)).toHaveLength(0);
    resetPage();

    // Logs in one team do not open the log of another team's service.
    const other = service("s-1", "web", { team: "team-b" });
    renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [other], tasks: TASKS }), {
      permissions: {
        is_admin: false,
        platform: [],
        teams: { "team-a": ["containers:read", "containers:logs"], "team-b": ["containers:read"] },
        organizations: {},
        environments: { local: ["team-a", "team-b"] },
      },
    });
    expect(await screen.findByRole("tab", { name: "Tasks" })).toBeTruthy();
    expect(screen.queryByRole("tab", { name: "Logs" })).toBeNull();
    resetPage();

    renderSwarm(`${VIEW}&tab=logs`, swarmServer({ services: [WEB], tasks: TASKS, logs: LOGS }), {
      permissions: memberPermissions(["containers:read", "containers:logs"]),
    });
    expect(await screen.findByRole("tab", { name: "Logs" })).toBeTruthy();
    await waitFor(async () => expect((await logView()).querySelectorAll(".log-line")).toHaveLength(2));
  });
});

describe("serviceLogLines", () => {
  it("joins pieces per stream, drops carriage returns and keeps an unfinished last line", () => {
    const lines = serviceLogLines([
      { stream: "stdout", data: `${T1} half` },
      { stream: "stderr", data: "oops\r\n" },
      { stream: "stdout", data: " done\nno newline" },
    ]);
    expect(lines.map(({ stream, time, text }) => [stream, time, text])).toEqual([
      ["stderr", "", "oops"],
      ["stdout", T1, "half done"],
      ["stdout", "", "no newline"],
    ]);
    expect(lines.map((l) => l.seq)).toEqual([0, 1, 2]);
  });
});
