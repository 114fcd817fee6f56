// Time-series charts. The drawing library (uPlot) is loaded on first use, in its own chunk, so
// pages without charts never download it. Used by the container stats view and, later, by the
// metric history pages.

import { lazy, Suspense } from "react";
import type { TimeSeriesChartProps } from "./chart/types";

export type { ChartSeries, TimeSeriesChartProps } from "./chart/types";

const UPlotChart = lazy(() => import("./chart/UPlotChart"));

/** The latest value of each series, as words: the chart's text alternative. */
export function chartSummary(props: Pick<TimeSeriesChartProps, "title" | "series" | "format">): string {
  const parts = props.series.map((s) => {
    const last = [...s.points].reverse().find(([, v]) => v !== null);
    return last ? `${s.label} ${props.format(last[1] as number)}` : `${s.label} no data`;
  });
  return `${props.title}: ${parts.join(", ")}`;
}

export function TimeSeriesChart(props: TimeSeriesChartProps) {
  return (
    <figure className="chart" role="img" aria-label={chartSummary(props)}>
      <Suspense fallback={<div className="chart-placeholder">Loading chart…</div>}>
        <UPlotChart {...props} />
      </Suspense>
    </figure>
  );
}
