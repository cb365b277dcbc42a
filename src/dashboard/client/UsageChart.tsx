import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsagePoint } from './live-series';

export interface UsageChartProps {
  points: UsagePoint[];
  periodStart: string;
  periodEnd: string;
  contracted: number;
  peak: number;
  peakAt: string | null;
  unit: string;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;
const HOUR_S = 3600;

/**
 * In use per hour over the billing period (License.series, R29), with the contract as a line across the whole period
 * and the period's peak (R9) marked: three uPlot series over one time axis that runs from the period's start to its
 * end, so the part not lived yet is empty.
 */
function chartData({ points, periodStart, periodEnd, contracted, peak, peakAt }: UsageChartProps): uPlot.AlignedData {
  const xs = points.map((p) => seconds(p.start));
  const inUse: Array<number | null> = points.map((p) => p.end);
  const hourPeaks: Array<number | null> = points.map((p) => p.peak);
  const peakBucket = peakAt ? Math.floor(seconds(peakAt) / HOUR_S) * HOUR_S : null;
  const peakMark: Array<number | null> = xs.map((x) => (x === peakBucket ? peak : null));
  // The contract line spans the period: its start and end are on the axis even before any point is there.
  const start = seconds(periodStart);
  const end = seconds(periodEnd);
  if (xs.length === 0 || xs[0] > start) {
    xs.unshift(start);
    inUse.unshift(null);
    hourPeaks.unshift(null);
    peakMark.unshift(null);
  }
  if (xs[xs.length - 1] < end) {
    xs.push(end);
    inUse.push(null);
    hourPeaks.push(null);
    peakMark.push(null);
  }
  return [xs, inUse, hourPeaks, xs.map(() => contracted), peakMark];
}

export function UsageChart(props: UsageChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data = chartData(props);

  useEffect(() => {
    const element = container.current!;
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height: 260,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max + 1, 1)] } },
      series: [
        {},
        { label: `${props.unit} in use`, stroke: '#2563eb', width: 2, fill: 'rgba(37,99,235,0.08)', spanGaps: false },
        { label: 'Hour peak', stroke: '#93c5fd', width: 1, dash: [4, 4] },
        { label: 'Contracted', stroke: '#16a34a', width: 2, points: { show: false } },
        {
          label: 'Period peak',
          stroke: '#dc2626',
          width: 0,
          points: { show: true, size: 10, fill: '#dc2626' },
        },
      ],
      axes: [{}, { label: props.unit, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
    };
    chart.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() =>
      chart.current?.setSize({ width: Math.max(320, element.clientWidth), height: 260 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
    // The chart is made once; later data goes through setData below.
  }, []);

  useEffect(() => {
    chart.current?.setData(data);
  });

  // How many points the chart plots, for people (the caption) and for the browser test (data-points).
  const plotted = props.points.length;
  return (
    <figure className="usage-chart">
      <div ref={container} data-testid="usage-chart" data-points={plotted} data-contracted={props.contracted} />
      <figcaption>
        {plotted} hourly {plotted === 1 ? 'point' : 'points'} this period · contract {props.contracted} · peak{' '}
        {props.peak}
        {props.peakAt ? ` at ${new Date(props.peakAt).toLocaleString()}` : ''}
      </figcaption>
    </figure>
  );
}
