// Pure helpers of the freshness and long-run benches: percentiles, RSS growth over a run, and the
// throughput between samples. No I/O; unit-tested in stats.test.ts.

/**
 * The p-th percentile (0 ≤ p ≤ 100) of `values` by the nearest-rank method: the smallest value
 * with at least p% of the values at or below it (p 0 = the minimum, p 100 = the maximum). NaN for
 * no values. Nearest rank, not interpolation: a p99 is always a latency that was really observed.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Several percentiles of one sample, sorting it once. */
export function percentiles<P extends number>(values: readonly number[], ps: readonly P[]): Record<P, number> {
  const sorted = [...values].sort((a, b) => a - b);
  return Object.fromEntries(ps.map((p) => [p, percentile(sorted, p)])) as Record<P, number>;
}

export interface RssPoint {
  /** Seconds since the run started. */
  readonly seconds: number;
  readonly rssMb: number;
}

export interface RssGrowth {
  /** Mean RSS of the samples taken in 20–30% of the run (the run's RSS "at 25%"). */
  readonly at25Mb: number;
  /** Mean RSS of the samples taken in the last 10% of the run (90–100%). */
  readonly atEndMb: number;
  /** atEnd / at25 − 1: 0.05 = RSS grew by 5% over the last three quarters of the run. */
  readonly growth: number;
  /** Highest RSS sampled after 25% of the run, and relative to at25Mb (catches a bulge that went back down). */
  readonly maxAfter25Mb: number;
  readonly maxAfter25Growth: number;
  readonly peakMb: number;
  /** Samples the two means were taken over. */
  readonly samplesAt25: number;
  readonly samplesAtEnd: number;
}

/** Mean RSS over the samples in [from, to] seconds; when there is none, the sample nearest the middle. */
function meanIn(points: readonly RssPoint[], from: number, to: number): { mean: number; count: number } {
  const inside = points.filter((p) => p.seconds >= from && p.seconds <= to);
  if (inside.length > 0) return { mean: inside.reduce((s, p) => s + p.rssMb, 0) / inside.length, count: inside.length };
  const middle = (from + to) / 2;
  const nearest = points.reduce((best, p) => (Math.abs(p.seconds - middle) < Math.abs(best.seconds - middle) ? p : best));
  return { mean: nearest.rssMb, count: 1 };
}

/**
 * RSS growth between 25% and 100% of a run that lasted `runSeconds` (its samples between 0 and
 * runSeconds): the mean RSS over the samples in the last 10% of the run against the mean over the
 * samples in 20–30% of it. Means over a window, not single samples, so that one garbage
 * collection or chDB merge caught at the wrong moment does not decide the verdict; the run's first
 * quarter (start-up, caches and pools filling) is left out on purpose. Undefined without samples.
 */
export function rssGrowth(points: readonly RssPoint[], runSeconds: number): RssGrowth | undefined {
  if (points.length === 0 || !(runSeconds > 0)) return undefined;
  const at25 = meanIn(points, 0.2 * runSeconds, 0.3 * runSeconds);
  const atEnd = meanIn(points, 0.9 * runSeconds, runSeconds);
  const after25 = points.filter((p) => p.seconds >= 0.25 * runSeconds);
  const maxAfter25Mb = after25.length > 0 ? Math.max(...after25.map((p) => p.rssMb)) : atEnd.mean;
  return {
    at25Mb: at25.mean,
    atEndMb: atEnd.mean,
    growth: atEnd.mean / at25.mean - 1,
    maxAfter25Mb,
    maxAfter25Growth: maxAfter25Mb / at25.mean - 1,
    peakMb: Math.max(...points.map((p) => p.rssMb)),
    samplesAt25: at25.count,
    samplesAtEnd: atEnd.count,
  };
}

/**
 * Events per second over each interval between consecutive samples of a cumulative count; an
 * interval with a missing count on either side gives null (no metric scraped then). The rate is
 * placed at the interval's end.
 */
export function ratesBetween(samples: readonly { readonly seconds: number; readonly count: number | null }[]): { seconds: number; perSecond: number | null }[] {
  const rates: { seconds: number; perSecond: number | null }[] = [];
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.seconds - a.seconds;
    rates.push({ seconds: b.seconds, perSecond: a.count === null || b.count === null || dt <= 0 ? null : Math.max(0, b.count - a.count) / dt });
  }
  return rates;
}

/** CPU microseconds per event; undefined when there were no events. */
export function cpuMicrosPerEvent(cpuSeconds: number, events: number): number | undefined {
  return events > 0 ? (cpuSeconds * 1e6) / events : undefined;
}

export interface ProgressSample {
  readonly seconds: number;
  /** Events done so far (consumed or committed). */
  readonly done: number;
  /** CPU seconds of the process so far; null when not read. */
  readonly cpuSeconds: number | null;
}

/**
 * The CPU a process spent on its work: from the first sample that saw some events done to the
 * process's end, over the events done after that sample. Left out: start-up (loading, opening the
 * stores, joining the group) and the first batch (warm-up; its work may have begun long before a
 * sample could see it). Kept in: the end-of-run work, since some of it grows with the events (a
 * Kafka run keeps a CPU busy for a while after its last commit); a short fixed shut-down comes
 * with it. Undefined when no sample saw progress short of the end.
 */
export function workSpan(
  samples: readonly ProgressSample[],
  end: { readonly seconds: number; readonly done: number; readonly cpuSeconds: number },
): { fromSeconds: number; toSeconds: number; cpuSeconds: number; events: number } | undefined {
  const start = samples.find((s) => s.done > 0 && s.cpuSeconds !== null);
  if (!start || start.done >= end.done) return undefined;
  return { fromSeconds: start.seconds, toSeconds: end.seconds, cpuSeconds: end.cpuSeconds - start.cpuSeconds!, events: end.done - start.done };
}
