// Time-series charts with uPlot (small, fast, canvas): RED series, an anomaly's series against its
// baseline, with vertical markers (fault onset, detection) drawn on the canvas.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "preact/hooks";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS custom property of styles.css (e.g. "--series-1") or a colour. */
  color: string;
  width?: number;
  dash?: number[];
  /** Filled area under the line. */
  fill?: boolean;
}

export interface ChartMarker {
  /** Unix seconds. */
  at: number;
  label: string;
  color: string;
}

export interface TimeChartProps {
  /** Unix seconds. */
  times: number[];
  series: ChartSeries[];
  markers?: ChartMarker[];
  height?: number;
  formatValue: (value: number) => string;
  /** The y axis starts at 0 (rates, latencies). */
  fromZero?: boolean;
  label: string;
}

const cssColor = (value: string) => (value.startsWith("--") ? getComputedStyle(document.documentElement).getPropertyValue(value).trim() || "#888" : value);

export function TimeChart({ times, series, markers = [], height = 150, formatValue, fromZero = true, label }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const axis = cssColor("--muted");
    const grid = cssColor("--grid");
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      pxAlign: 0,
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      legend: { show: true, live: true },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [fromZero ? Math.min(0, min) : min, max > (fromZero ? 0 : min) ? max * 1.1 : 1] } },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 64, values: (_u, values) => values.map((v) => formatValue(v)) },
      ],
      series: [
        { value: (_u, v) => (v == null ? "–" : new Date(v * 1000).toLocaleTimeString()) },
        ...series.map((s) => {
          const stroke = cssColor(s.color);
          return {
            label: s.label,
            stroke,
            width: s.width ?? 1.5,
            dash: s.dash,
            fill: s.fill ? `${stroke}22` : undefined,
            spanGaps: false,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v == null ? "–" : formatValue(v)),
          };
        }),
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
            for (const [index, marker] of markers.entries()) {
              const x = Math.round(u.valToPos(marker.at, "x", true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = cssColor(marker.color);
              ctx.fillStyle = cssColor(marker.color);
              ctx.lineWidth = 1.5 * devicePixelRatio;
              ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // Labels on their own line, so close markers (onset, detected) stay readable.
              ctx.fillText(marker.label, x + 4 * devicePixelRatio, u.bbox.top + (12 + index * 13) * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    const plot = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, markers, height]);
  return <div class="chart" ref={container} role="img" aria-label={label} />;
}
