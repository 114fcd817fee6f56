// The uPlot drawing behind TimeSeriesChart (loaded lazily). uPlot sizes its canvas through the
// CSS object model, which a style-src 'self' policy allows; it adds no <style> elements.

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TimeSeriesChartProps } from "./types";

const PALETTE = ["--chart-1", "--chart-2", "--chart-3", "--chart-4"];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** The series on one shared x axis (the union of their times), null where one has no point. */
export function alignSeries(series: TimeSeriesChartProps["series"]): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array(times.length).fill(null);
    for (const [t, v] of s.points) column[index.get(t)!] = v;
    return column;
  });
  return [times, ...columns] as uPlot.AlignedData;
}

export default function UPlotChart({ series, format, height = 180, yRange, xRange }: TimeSeriesChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // Read by the x scale at every redraw: a new span does not rebuild the plot.
  const xRangeRef = useRef(xRange);
  xRangeRef.current = xRange;
  const labels = series.map((s) => s.label).join("\u0000");

  // The plot is rebuilt when the set of series changes; new points only update its data.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const text = cssVar("--muted", "#59636e");
    const grid = cssVar("--border", "#d0d7de");
    const options: uPlot.Options = {
      width: Math.max(200, box.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: (_u, min, max) => xRangeRef.current ?? [min, max] }, y: yRange ? { range: yRange } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 70, values: (_u, ticks) => ticks.map((v) => format(v)) },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: cssVar(PALETTE[i % PALETTE.length]!, "#0b5cd5"),
          width: 2,
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : format(v)),
          spanGaps: false,
        })),
      ],
    };
    const plot = new uPlot(options, alignSeries(series), box);
    plotRef.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, box.clientWidth), height }));
    resize.observe(box);
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt only when the series set or size changes
  }, [labels, height, yRange?.[0], yRange?.[1]]);

  useEffect(() => {
    plotRef.current?.setData(alignSeries(series));
  }, [series]);

  return <div ref={boxRef} className="chart-box" />;
}
