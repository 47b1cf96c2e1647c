// A self-written SVG of a long run: throughput (events/s) above, RSS (MB) below, over the same
// time axis. Pure (samples in, text out); unit-tested in svg-plot.test.ts.

export interface PlotSeries {
  /** Shown as the chart's y-axis label, e.g. "throughput (events/s)". */
  readonly label: string;
  readonly color: string;
  /** Points in time order; a null y is a gap in the line. */
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
}

export interface StackedPlot {
  readonly title: string;
  /** A second, smaller line under the title (e.g. the verdicts). */
  readonly subtitle?: string;
  readonly xLabel: string;
  /** One chart per series, stacked top to bottom, sharing the x axis. */
  readonly series: readonly PlotSeries[];
  readonly width?: number;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, ''));

/** About `count` round tick values (1, 2 or 5 × 10^k apart) from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

const tickLabel = (v: number) => (v >= 10_000 ? `${fmt(v / 1000)}k` : fmt(v));

/** The SVG document (UTF-8 text, no external references). */
export function stackedLineChartSvg(plot: StackedPlot): string {
  const width = plot.width ?? 900;
  const chartHeight = 230;
  const left = 80;
  const right = 30;
  const top = plot.subtitle ? 70 : 55;
  const gap = 60;
  const bottom = 55;
  const plotWidth = width - left - right;
  const height = top + plot.series.length * chartHeight + (plot.series.length - 1) * gap + bottom;
  const xs = plot.series.flatMap((s) => s.points.map((p) => p.x));
  const xTicks = niceTicks(xs.length > 0 ? Math.max(...xs) : 1, 8);
  const xMax = xTicks[xTicks.length - 1]!;
  const xAt = (x: number) => left + (x / xMax) * plotWidth;

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(plot.title)}</text>`,
  ];
  if (plot.subtitle) out.push(`<text x="${width / 2}" y="46" text-anchor="middle" fill="#444">${escapeXml(plot.subtitle)}</text>`);

  plot.series.forEach((series, index) => {
    const y0 = top + index * (chartHeight + gap);
    const ys = series.points.map((p) => p.y).filter((y): y is number => y !== null && Number.isFinite(y));
    const yTicks = niceTicks(ys.length > 0 ? Math.max(...ys) : 1, 5);
    const yMax = yTicks[yTicks.length - 1]!;
    const yAt = (y: number) => y0 + chartHeight - (y / yMax) * chartHeight;
    out.push(`<g class="chart" id="chart-${index}">`);
    for (const t of yTicks) {
      out.push(`<line x1="${left}" y1="${fmt(yAt(t))}" x2="${left + plotWidth}" y2="${fmt(yAt(t))}" stroke="#e4e4e4"/>`);
      out.push(`<text x="${left - 6}" y="${fmt(yAt(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
    }
    for (const t of xTicks) {
      out.push(`<line x1="${fmt(xAt(t))}" y1="${y0 + chartHeight}" x2="${fmt(xAt(t))}" y2="${y0 + chartHeight + 5}" stroke="#333"/>`);
      out.push(`<text x="${fmt(xAt(t))}" y="${y0 + chartHeight + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
    }
    out.push(`<rect x="${left}" y="${y0}" width="${plotWidth}" height="${chartHeight}" fill="none" stroke="#333"/>`);
    out.push(
      `<text x="18" y="${y0 + chartHeight / 2}" text-anchor="middle" transform="rotate(-90 18 ${y0 + chartHeight / 2})">${escapeXml(series.label)}</text>`,
    );
    out.push(`<text x="${left + plotWidth / 2}" y="${y0 + chartHeight + 36}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`);
    // One polyline per run of non-null points: a gap where a sample is missing.
    let run: string[] = [];
    const flush = () => {
      if (run.length === 1) {
        const [x, y] = run[0]!.split(',');
        out.push(`<circle class="series" cx="${x}" cy="${y}" r="2" fill="${series.color}"/>`);
      } else if (run.length > 1) {
        out.push(`<polyline class="series" data-series="${escapeXml(series.label)}" fill="none" stroke="${series.color}" stroke-width="1.8" points="${run.join(' ')}"/>`);
      }
      run = [];
    };
    for (const p of series.points) {
      if (p.y === null || !Number.isFinite(p.y)) flush();
      else run.push(`${fmt(xAt(p.x))},${fmt(yAt(p.y))}`);
    }
    flush();
    out.push('</g>');
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
