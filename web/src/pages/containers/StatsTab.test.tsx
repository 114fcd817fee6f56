import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { TimeSeriesChartProps } from "../../components/Chart";
import { CONTAINER_ID, containerServer, setUpContainerPage } from "../../test/containerPage";
import { renderPage } from "../../test/renderPage";
import { sampleFromStats } from "../../lib/stats";
import ContainerDetailPage from "./ContainerDetailPage";
import { socketsOn } from "../../test/fakeWebSocket";
import { PointRing, toPoint } from "./statsSeries";

// The drawing needs a canvas, which jsdom lacks: the chart is its text alternative here.
vi.mock("../../components/Chart", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../components/Chart")>();
  return {
    ...real,
    TimeSeriesChart: (props: TimeSeriesChartProps) => <figure role="img" aria-label={real.chartSummary(props)} data-points={props.series[0]?.points.length} />,
  };
});

const ID = CONTAINER_ID;
const AT = Date.parse("2024-05-01T10:00:00Z");

function doc(offsetS: number, values: { cpu: number; system: number; rx: number; tx: number; read: number; write: number; mem: number }) {
  return {
    read: new Date(AT + offsetS * 1000).toISOString(),
    cpu_stats: { cpu_usage: { total_usage: values.cpu }, system_cpu_usage: values.system, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: values.cpu - 1e8 }, system_cpu_usage: values.system - 1e9 },
    memory_stats: { usage: values.mem, limit: 1024 ** 3, stats: { inactive_file: 0 } },
    networks: { eth0: { rx_bytes: values.rx, tx_bytes: values.tx } },
    blkio_stats: { io_service_bytes_recursive: [{ op: "read", value: values.read }, { op: "write", value: values.write }] },
    pids_stats: { current: 7 },
  };
}

function server() {
  return containerServer(() => ({ Id: ID, Name: "/web", State: { Status: "running", Running: true }, Config: { Image: "nginx" } }));
}

describe("statsSeries", () => {
  it("draws rates from successive samples, none across a counter reset", () => {
    const a = sampleFromStats(doc(0, { cpu: 2e8, system: 2e9, rx: 1000, tx: 0, read: 0, write: 0, mem: 1 }));
    const b = sampleFromStats(doc(2, { cpu: 3e8, system: 3e9, rx: 5096, tx: 0, read: 0, write: 4096, mem: 1 }));
    const c = sampleFromStats(doc(3, { cpu: 3e8, system: 3e9, rx: 10, tx: 0, read: 0, write: 0, mem: 1 }));
    expect(toPoint(null, a).rxRate).toBeNull();
    expect(toPoint(a, b)).toMatchObject({ rxRate: 2048, txRate: 0, writeRate: 2048 });
    expect(toPoint(b, c).rxRate).toBeNull();
  });

  it("keeps a bounded ring and reads a time window of it", () => {
    const ring = new PointRing(3);
    for (let i = 0; i < 5; i += 1) {
      ring.push(toPoint(null, { ...sampleFromStats({}), at: AT + i * 1000 }));
    }
    expect(ring.size).toBe(3);
    expect(ring.window(60_000).map((p) => p.at)).toEqual([AT + 2000, AT + 3000, AT + 4000]);
    expect(ring.window(1000).map((p) => p.at)).toEqual([AT + 3000, AT + 4000]);
  });
});

describe("StatsTab", { timeout: 20_000 }, () => {
  setUpContainerPage("#/containers/view?env=local&id=web&tab=stats");

  it("charts live samples and states the current values", async () => {
    const user = userEvent.setup();
    renderPage(<ContainerDetailPage env="local" id="web" tab="stats" />, server());
    await waitFor(() => expect(socketsOn("/stats")).toHaveLength(1));
    const socket = socketsOn("/stats")[0]!;
    expect(socket.path).toBe(`/api/v1/environments/local/containers/${ID}/stats`);
    expect(screen.getByText(/longer history comes with metric history/)).toBeTruthy();
    act(() => {
      socket.open();
      socket.json(doc(0, { cpu: 2e8, system: 2e9, rx: 1000, tx: 500, read: 0, write: 0, mem: 100 * 1024 ** 2 }));
      socket.json(doc(1, { cpu: 3e8, system: 3e9, rx: 3048, tx: 1524, read: 1024, write: 0, mem: 100 * 1024 ** 2 }));
      socket.text("not json");
    });
    expect(await screen.findByText(/received 2\.0 KiB\/s, sent 1\.0 KiB\/s/)).toBeTruthy();
    expect(screen.getByText("20.0 %")).toBeTruthy();
    expect(screen.getByText(/100\.0 MiB of 1\.0 GiB \(9\.8 %\)/)).toBeTruthy();
    expect(screen.getByText(/read 1\.0 KiB\/s, written 0 B\/s/)).toBeTruthy();
    expect(screen.getByRole("img", { name: "CPU of web: CPU 20.0 %" })).toBeTruthy();
    expect(screen.getByRole("img", { name: "Network of web: Received 2.0 KiB/s, Sent 1.0 KiB/s" })).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("Range"), "1m");
    expect(screen.getByRole("img", { name: /Memory of web: Used 100\.0 MiB, Limit 1\.0 GiB/ })).toBeTruthy();
  });
});
