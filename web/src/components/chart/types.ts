// The shapes of a time-series chart, shared by the chart and the drawing behind it.

export interface ChartSeries {
  label: string;
  /** [unix seconds, value or null] pairs, oldest first. */
  points: ReadonlyArray<readonly [number, number | null]>;
}

export interface TimeSeriesChartProps {
  /** The chart's accessible name, e.g. "CPU of web-1". */
  title: string;
  series: ChartSeries[];
  /** How a value is written on the axis and in the summary (formatPercent, formatBytes, …). */
  format: (value: number) => string;
  height?: number;
  /** Fixed y range [min, max]; by default it fits the data (from 0). */
  yRange?: [number, number];
  /** The time span shown [from, to] in unix seconds; by default it fits the data. History charts
   * pass the range asked for, so that a gap at either end shows as one. */
  xRange?: [number, number];
}
