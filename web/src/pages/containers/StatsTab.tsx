// Live resource use over the stats WebSocket (one engine stats document a message), charted
// from samples kept in this browser tab.

import { useEffect, useMemo, useRef, useState } from "react";
import { TimeSeriesChart } from "../../components/Chart";
import { statsPath } from "../../lib/containers";
import { formatBytes, formatPercent } from "../../lib/format";
import { openLive, type LiveStatus } from "../../lib/live";
import { useDokkerr } from "../../lib/services";
import { sampleFromStats, type StatsSample } from "../../lib/stats";
import { LiveStatusText } from "./LiveStatusText";
import { PointRing, RANGES, series, toPoint, type RangeId } from "./statsSeries";

const rateText = (value: number | null | undefined) => (value === null || value === undefined ? "—" : `${formatBytes(value)}/s`);
const formatRate = (value: number) => `${formatBytes(value)}/s`;
const formatMemory = (value: number) => formatBytes(value);
const formatCpu = (value: number) => formatPercent(value);

export function StatsTab({ env, id, name }: { env: string; id: string; name: string }) {
  const dokkerr = useDokkerr();
  const ringRef = useRef<PointRing | null>(null);
  const [version, setVersion] = useState(0);
  const [range, setRange] = useState<RangeId>("5m");
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [detail, setDetail] = useState<string | undefined>();

  useEffect(() => {
    const ring = new PointRing();
    ringRef.current = ring;
    setVersion((v) => v + 1);
    let previous: StatsSample | null = null;
    const live = openLive({
      path: statsPath(env, id),
      getTicket: (path, signal) => dokkerr.wsTicket(path, signal),
      onStatus: (next, why) => {
        setStatus(next);
        setDetail(why);
        // Rates are not drawn across a gap in the stream.
        if (next === "waiting") previous = null;
      },
      onMessage: (data) => {
        let doc: unknown;
        try {
          doc = JSON.parse(data);
        } catch {
          return;
        }
        const sample = sampleFromStats(doc);
        if (previous && sample.at <= previous.at) return;
        ring.push(toPoint(previous, sample));
        previous = sample;
        setVersion((v) => v + 1);
      },
    });
    return () => live.close();
  }, [dokkerr, env, id]);

  const windowMs = RANGES.find((r) => r.id === range)!.ms;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- version counts the samples pushed into the ring
  const points = useMemo(() => ringRef.current?.window(windowMs) ?? [], [version, windowMs]);
  const latest = points[points.length - 1];
  const charts = useMemo(
    () => ({
      cpu: [{ label: "CPU", points: series(points, (p) => p.cpuPercent) }],
      memory: [
        { label: "Used", points: series(points, (p) => p.memoryBytes) },
        { label: "Limit", points: series(points, (p) => p.memoryLimitBytes) },
      ],
      network: [
        { label: "Received", points: series(points, (p) => p.rxRate) },
        { label: "Sent", points: series(points, (p) => p.txRate) },
      ],
      block: [
        { label: "Read", points: series(points, (p) => p.readRate) },
        { label: "Written", points: series(points, (p) => p.writeRate) },
      ],
    }),
    [points],
  );

  return (
    <div>
      <h2 className="visually-hidden">Stats</h2>
      <div className="toolbar">
        <label className="inline-label">
          <span>Range</span>
          <select value={range} onChange={(e) => setRange(e.target.value as RangeId)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <LiveStatusText status={status} detail={detail} />
      </div>
      <p className="muted small">
        Samples are kept in this browser tab while it is open, up to one hour; longer history comes with metric history.
      </p>
      {latest ? (
        <dl className="facts">
          <dt>CPU</dt>
          <dd>{formatPercent(latest.cpuPercent)}</dd>
          <dt>Memory</dt>
          <dd>
            {formatBytes(latest.memoryBytes)} of {formatBytes(latest.memoryLimitBytes)} ({formatPercent(latest.memoryPercent)})
          </dd>
          <dt>Network</dt>
          <dd>
            received {rateText(latest.rxRate)}, sent {rateText(latest.txRate)} (totals {formatBytes(latest.sample.networkRxBytes)} /{" "}
            {formatBytes(latest.sample.networkTxBytes)})
          </dd>
          <dt>Block I/O</dt>
          <dd>
            read {rateText(latest.readRate)}, written {rateText(latest.writeRate)} (totals {formatBytes(latest.sample.blockReadBytes)} /{" "}
            {formatBytes(latest.sample.blockWriteBytes)})
          </dd>
          <dt>Processes</dt>
          <dd>{latest.sample.pids ?? "—"}</dd>
        </dl>
      ) : (
        <p className="muted">No samples yet.</p>
      )}
      <div className="stats-grid">
        <section aria-label="CPU">
          <h3>CPU</h3>
          <TimeSeriesChart title={`CPU of ${name}`} series={charts.cpu} format={formatCpu} />
        </section>
        <section aria-label="Memory">
          <h3>Memory</h3>
          <TimeSeriesChart title={`Memory of ${name}`} series={charts.memory} format={formatMemory} />
        </section>
        <section aria-label="Network">
          <h3>Network</h3>
          <TimeSeriesChart title={`Network of ${name}`} series={charts.network} format={formatRate} />
        </section>
        <section aria-label="Block I/O">
          <h3>Block I/O</h3>
          <TimeSeriesChart title={`Block I/O of ${name}`} series={charts.block} format={formatRate} />
        </section>
      </div>
    </div>
  );
}
