import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TimeSeriesChartProps } from "../../components/Chart";
import { json, problem, type Call } from "../../test/fakeFetch";
import { HOSTILE, monitoringServer } from "../../test/monitoring";
import { renderPage } from "../../test/renderPage";
import MetricsSection, { withGaps } from "./MetricsSection";

// The drawing needs a canvas, which jsdom lacks: the chart is its text alternative here.
vi.mock("../../components/Chart", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../components/Chart")>();
  return {
    ...real,
    TimeSeriesChart: (props: TimeSeriesChartProps) => (
      <figure role="img" aria-label={real.chartSummary(props)} data-points={props.series[0]?.points.length} data-span={props.xRange?.join("-")} />
    ),
  };
});

const ID = "ab".repeat(32);

function history(call: Call) {
  const url = new URL(call.url, "http://x");
  if (url.pathname === "/api/v1/environments/local/containers") return json(200, { items: [{ Id: ID, Names: [`/${HOSTILE}`], State: "running" }], next_cursor: null });
  if (url.pathname === "/api/v1/metrics/query") {
    const from = Number(url.searchParams.get("from"));
    return json(200, {
      target: url.searchParams.get("target"),
      tier: "raw",
      from,
      to: Number(url.searchParams.get("to")),
      step: 3,
      series: [
        { metric: "cpu_percent", points: [[from, 40], [from + 3, 50], [from + 12, 50.5]] },
        { metric: "memory_bytes", points: [[from, 1048576]] },
        { metric: "network_receive_bytes_per_second", points: [] },
        { metric: "network_transmit_bytes_per_second", points: [] },
      ],
    });
  }
  return undefined;
}

describe("MetricsSection", () => {
  beforeEach(() => {
    window.location.hash = `#/monitoring/metrics?kind=container&env=local&id=${ID}&range=15m`;
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = "";
  });

  it("charts a container's history with the tier the server chose, its name as text", async () => {
    const { calls, container } = renderPage(<MetricsSection />, monitoringServer({}, history));
    const cpu = await screen.findByRole("img", { name: `CPU of ${HOSTILE}: CPU 50.5 %` });
    expect(screen.getByRole("img", { name: `Memory of ${HOSTILE}: Memory 1.0 MiB` })).toBeTruthy();
    expect(screen.getByRole("img", { name: `Network of ${HOSTILE}: Received no data, Sent no data` })).toBeTruthy();
    // The missing buckets between +3 and +12 break the line once.
    expect(cpu.getAttribute("data-points")).toBe("4");
    expect(container.querySelector(".tier-note .badge")!.textContent).toBe("raw");
    expect(screen.getByText(/every sample/)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();

    const query = new URL(calls.find((c) => c.url.startsWith("/api/v1/metrics/query"))!.url, "http://x").searchParams;
    expect(query.get("target")).toBe(`container:${ID}`);
    expect(query.get("metric")).toBe("cpu_percent,memory_bytes,network_receive_bytes_per_second,network_transmit_bytes_per_second");
    expect(query.get("step")).toBe("3");
    expect(Number(query.get("to")) - Number(query.get("from"))).toBe(900);
    expect(cpu.getAttribute("data-span")).toBe(`${query.get("from")}-${query.get("to")}`);
  });

  it("switches to a team's history, and a range reads a coarser step", async () => {
    const { calls } = renderPage(<MetricsSection />, monitoringServer({}, history));
    await screen.findByRole("img", { name: /^CPU of / });
    await userEvent.selectOptions(screen.getByLabelText("Show"), "team");
    await userEvent.selectOptions(screen.getByLabelText("Range"), "30d");
    await screen.findByRole("img", { name: /^CPU of team Team A/ });
    const last = new URL(calls.filter((c) => c.url.startsWith("/api/v1/metrics/query")).at(-1)!.url, "http://x").searchParams;
    expect(last.get("target")).toBe("team:team-a");
    expect(last.get("step")).toBe("8640");
  });

  it("shows the server's refusal with its code", async () => {
    renderPage(
      <MetricsSection />,
      monitoringServer({}, (call) =>
        call.url.startsWith("/api/v1/metrics/query") ? problem(400, "metric_not_aggregatable", "memory_percent is per container.") : history(call),
      ),
    );
    const refusal = await screen.findByRole("alert");
    await waitFor(() => expect(refusal.textContent).toContain("metric_not_aggregatable"));
    expect(refusal.textContent).toContain("memory_percent is per container.");
  });

  it("leaves gaps where buckets are missing", () => {
    expect(withGaps([[0, 1], [10, 2], [40, 3]], 10)).toEqual([[0, 1], [10, 2], [20, null], [40, 3]]);
    expect(withGaps([], 10)).toEqual([]);
  });
});
