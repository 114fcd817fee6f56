// Metric history: CPU, memory and network of one container, one team's containers or one
// environment's, over a range from 15 minutes to 30 days, from the server's stored samples. The
// choice lives in the page's address, so a container's page can link straight to its history.

import { useEffect, useMemo, useState } from "react";
import { TimeSeriesChart, type ChartSeries } from "../../components/Chart";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Field, SelectField } from "../../components/Field";
import { containerName } from "../../lib/dokkerr";
import { useEnvironments } from "../../lib/environments";
import { formatBytes, formatDuration, formatPercent } from "../../lib/format";
import { useDebounced, useLoad } from "../../lib/hooks";
import { stepFor, useMonitoringApi, type MetricName, type MetricQueryResult, type TargetKind } from "../../lib/monitoring";
import { navigate, useRoute } from "../../lib/router";
import { useDokkerr } from "../../lib/services";
import { useTeamNames } from "../../lib/teams";

export const RANGES = [
  { id: "15m", label: "Last 15 minutes", seconds: 15 * 60 },
  { id: "1h", label: "Last hour", seconds: 3600 },
  { id: "6h", label: "Last 6 hours", seconds: 6 * 3600 },
  { id: "24h", label: "Last 24 hours", seconds: 24 * 3600 },
  { id: "7d", label: "Last 7 days", seconds: 7 * 86400 },
  { id: "30d", label: "Last 30 days", seconds: 30 * 86400 },
] as const;

const METRICS: MetricName[] = ["cpu_percent", "memory_bytes", "network_receive_bytes_per_second", "network_transmit_bytes_per_second"];

const TIER_TEXT: Record<string, string> = {
  raw: "every sample",
  "1m": "1-minute averages",
  "1h": "1-hour averages",
};

const formatRate = (value: number) => `${formatBytes(value)}/s`;
const formatCpu = (value: number) => formatPercent(value);
const formatMemory = (value: number) => formatBytes(value);

/**
 * A series' points for the chart: a bucket the server left out (no samples then) becomes a null,
 * so the line breaks there instead of joining across the gap.
 */
export function withGaps(points: ReadonlyArray<readonly [number, number]>, step: number): [number, number | null][] {
  const out: [number, number | null][] = [];
  let previous: number | null = null;
  for (const [t, v] of points) {
    if (previous !== null && step > 0 && t - previous > step * 1.5) out.push([previous + step, null]);
    out.push([t, v]);
    previous = t;
  }
  return out;
}

function stepSeconds(step: number | string, fallback: number): number {
  if (typeof step === "number") return step;
  const n = Number(step);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function pointsOf(result: MetricQueryResult | undefined, metric: MetricName, step: number) {
  const found = result?.series.find((s) => s.metric === metric);
  return withGaps(found?.points ?? [], step);
}

/** How often the chart is read again: about once a step, between 10 s and 5 min. */
function refreshMs(rangeSeconds: number): number {
  return Math.min(300, Math.max(10, stepFor(rangeSeconds))) * 1000;
}

export default function MetricsSection() {
  const dokkerr = useDokkerr();
  const monitoring = useMonitoringApi();
  const route = useRoute();
  const environments = useEnvironments();
  const teams = useTeamNames();

  const envList = environments.data ?? [];
  const kind = (["container", "team", "environment"].includes(route.query.get("kind") ?? "") ? route.query.get("kind") : "container") as TargetKind;
  const env = route.query.get("env") || envList.find((e) => e.status === "up")?.id || envList[0]?.id || "";
  const containerId = route.query.get("id") ?? "";
  const team = route.query.get("team") || teams.teams[0]?.id || "";
  const rangeId = RANGES.some((r) => r.id === route.query.get("range")) ? route.query.get("range")! : "1h";
  const range = RANGES.find((r) => r.id === rangeId)!;

  const setQuery = (changes: Record<string, string | undefined>) => {
    const query: Record<string, string | undefined> = {};
    route.query.forEach((value, key) => {
      query[key] = value;
    });
    navigate(route.path, { ...query, ...changes }, true);
  };

  const [nameFilter, setNameFilter] = useState("");
  const name = useDebounced(nameFilter, 300);
  const containers = useLoad(
    async (signal) => (kind === "container" && env ? (await dokkerr.containers(env, { name, limit: 200 }, signal)).items : []),
    [dokkerr, kind, env, name],
  );
  const containerList = containers.data ?? [];
  const chosenContainer = containerList.find((c) => c.Id === containerId);

  const target =
    kind === "container" ? (containerId ? `container:${containerId}` : "") : kind === "team" ? (team ? `team:${team}` : "") : env ? `environment:${env}` : "";
  const targetName =
    kind === "container"
      ? chosenContainer
        ? containerName(chosenContainer)
        : containerId.slice(0, 12)
      : kind === "team"
        ? `team ${teams.nameOf(team)}`
        : `environment ${envList.find((e) => e.id === env)?.name ?? env}`;

  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), refreshMs(range.seconds));
    return () => clearInterval(timer);
  }, [range.seconds]);

  const step = stepFor(range.seconds);
  const history = useLoad(
    async (signal) => {
      if (!target) return undefined;
      const to = Math.floor(Date.now() / 1000);
      const from = to - range.seconds;
      return { target, from, to, answer: await monitoring.query({ target, metrics: METRICS, from, to, step }, signal) };
    },
    [monitoring, target, range.seconds, step, tick],
  );
  // An answer for another target is not shown while the new one loads.
  const result = history.data?.target === target ? history.data.answer : undefined;
  const span = useMemo<[number, number] | undefined>(
    () => (history.data?.target === target ? [history.data.from, history.data.to] : undefined),
    [history.data, target],
  );
  const shownStep = stepSeconds(result?.step ?? step, step);

  const charts = useMemo(() => {
    const cpu: ChartSeries[] = [{ label: "CPU", points: pointsOf(result, "cpu_percent", shownStep) }];
    const memory: ChartSeries[] = [{ label: "Memory", points: pointsOf(result, "memory_bytes", shownStep) }];
    const network: ChartSeries[] = [
      { label: "Received", points: pointsOf(result, "network_receive_bytes_per_second", shownStep) },
      { label: "Sent", points: pointsOf(result, "network_transmit_bytes_per_second", shownStep) },
    ];
    return { cpu, memory, network };
  }, [result, shownStep]);

  return (
    <div>
      <h2 className="visually-hidden">Metric history</h2>
      <div className="target-picker">
        <SelectField label="Show" value={kind} onChange={(e) => setQuery({ kind: e.target.value })}>
          <option value="container">A container</option>
          <option value="team">A team</option>
          <option value="environment">An environment</option>
        </SelectField>
        {kind !== "team" ? (
          <SelectField label="Environment" value={env} onChange={(e) => setQuery({ env: e.target.value, id: undefined })}>
            {envList.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        {kind === "container" ? (
          <>
            <Field label="Find by name" type="search" value={nameFilter} onChange={(e) => setNameFilter(e.target.value)} autoComplete="off" />
            <SelectField label="Container" value={containerId} onChange={(e) => setQuery({ id: e.target.value })}>
              <option value="">Choose a container</option>
              {containerId && !chosenContainer ? <option value={containerId}>{containerId.slice(0, 12)}</option> : null}
              {containerList.map((c) => (
                <option key={c.Id} value={c.Id}>
                  {containerName(c)}
                  {c.State ? ` (${c.State})` : ""}
                </option>
              ))}
            </SelectField>
          </>
        ) : null}
        {kind === "team" ? (
          <SelectField label="Team" value={team} onChange={(e) => setQuery({ team: e.target.value })}>
            {teams.teams.length === 0 ? <option value="">No team</option> : null}
            {teams.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        <SelectField label="Range" value={rangeId} onChange={(e) => setQuery({ range: e.target.value })}>
          {RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </SelectField>
        <button type="button" className="button-secondary" onClick={history.reload} disabled={!target}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={environments.error} prefix="Could not load the environments" />
      <ErrorNotice error={containers.error} prefix="Could not load the containers" />
      <ErrorNotice error={teams.error} prefix="Could not load the teams" />
      <ErrorNotice error={history.error} prefix="Could not load the history" />
      {!target ? <p className="muted">Choose what to show.</p> : null}
      {target ? (
        <>
          <p className="tier-note">
            {result ? (
              <>
                Tier <span className="badge mono">{result.tier}</span> ({TIER_TEXT[result.tier] ?? result.tier}), one point every{" "}
                {formatDuration(shownStep)}. Times without samples are left blank.
              </>
            ) : history.loading ? (
              <span role="status">Loading…</span>
            ) : null}
          </p>
          <div className="metric-grid">
            <section aria-label="CPU">
              <h3>CPU</h3>
              <TimeSeriesChart title={`CPU of ${targetName}`} series={charts.cpu} format={formatCpu} xRange={span} />
            </section>
            <section aria-label="Memory">
              <h3>Memory</h3>
              <TimeSeriesChart title={`Memory of ${targetName}`} series={charts.memory} format={formatMemory} xRange={span} />
            </section>
            <section aria-label="Network">
              <h3>Network</h3>
              <TimeSeriesChart title={`Network of ${targetName}`} series={charts.network} format={formatRate} xRange={span} />
            </section>
          </div>
          <p className="muted small">CPU is a share of one core: a container busy on two cores shows 200 %.</p>
        </>
      ) : null}
    </div>
  );
}
