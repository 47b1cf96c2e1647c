// The benches' pure helpers: percentiles, RSS growth, rates between samples, and the long run's SVG and report.
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import type { KafkaBenchResult, LagSample } from './kafka.ts';
import { formatLongResult } from './long-run.ts';
import { glibcHeapKbIn } from './proc.ts';
import { cpuMicrosPerEvent, percentile, percentiles, ratesBetween, rssGrowth, workSpan } from './stats.ts';
import { niceTicks, stackedLineChartSvg } from './svg-plot.ts';

describe('percentile (nearest rank)', () => {
  it('takes an observed value: the smallest with at least p% at or below it', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
  });

  it('does not depend on the input order and leaves the input alone', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(values[0]).toBe(9);
  });

  it('p99 of 1..1000 is 990, p50 is 500', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(percentiles(values, [50, 90, 99])).toEqual({ 50: 500, 90: 900, 99: 990 });
  });

  it('is NaN without values and refuses p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('rssGrowth', () => {
  it('compares the mean of the last 10% of the run with the mean of 20–30%', () => {
    // 100 s run, a sample every 5 s: 200 MB flat until 50 s, then 210 MB.
    const points = Array.from({ length: 21 }, (_, i) => ({ seconds: i * 5, rssMb: i * 5 < 50 ? 200 : 210 }));
    const g = rssGrowth(points, 100)!;
    expect(g.at25Mb).toBe(200);
    expect(g.atEndMb).toBe(210);
    expect(g.growth).toBeCloseTo(0.05);
    expect(g.samplesAt25).toBe(3); // 20, 25, 30 s
    expect(g.samplesAtEnd).toBe(3); // 90, 95, 100 s
  });

  it('leaves the start-up ramp out and reports a bulge after 25% separately', () => {
    const points = [
      { seconds: 0, rssMb: 50 },
      { seconds: 10, rssMb: 300 },
      { seconds: 25, rssMb: 300 },
      { seconds: 60, rssMb: 450 },
      { seconds: 95, rssMb: 300 },
    ];
    const g = rssGrowth(points, 100)!;
    expect(g.growth).toBe(0);
    expect(g.maxAfter25Mb).toBe(450);
    expect(g.maxAfter25Growth).toBeCloseTo(0.5);
    expect(g.peakMb).toBe(450);
  });

  it('uses the nearest sample when a window has none, and is undefined without samples', () => {
    const g = rssGrowth([{ seconds: 0, rssMb: 100 }, { seconds: 40, rssMb: 110 }, { seconds: 80, rssMb: 121 }], 100)!;
    expect(g.at25Mb).toBe(110);
    expect(g.atEndMb).toBe(121);
    expect(g.growth).toBeCloseTo(0.1);
    expect(rssGrowth([], 100)).toBeUndefined();
  });
});

describe('ratesBetween and cpuMicrosPerEvent', () => {
  it('gives events/s per interval, null where a count is missing', () => {
    expect(
      ratesBetween([
        { seconds: 0, count: null },
        { seconds: 5, count: 1000 },
        { seconds: 10, count: 6000 },
        { seconds: 12, count: 7000 },
      ]),
    ).toEqual([
      { seconds: 5, perSecond: null },
      { seconds: 10, perSecond: 1000 },
      { seconds: 12, perSecond: 500 },
    ]);
  });

  it('workSpan takes the CPU from the first progress seen to the end, over the events after it', () => {
    const samples = [
      { seconds: 0, done: 0, cpuSeconds: 0.1 },
      { seconds: 1, done: 0, cpuSeconds: 2 },
      { seconds: 2, done: 200, cpuSeconds: null },
      { seconds: 3, done: 400, cpuSeconds: 3 },
      { seconds: 4, done: 1000, cpuSeconds: 3.8 },
    ];
    const span = workSpan(samples, { seconds: 6, done: 1000, cpuSeconds: 5.5 })!;
    expect(span).toMatchObject({ fromSeconds: 3, toSeconds: 6, events: 600 });
    expect(span.cpuSeconds).toBeCloseTo(2.5);
    expect(workSpan(samples.slice(0, 2), { seconds: 6, done: 1000, cpuSeconds: 5.5 })).toBeUndefined(); // no progress seen
    expect(workSpan(samples.slice(4), { seconds: 6, done: 1000, cpuSeconds: 5.5 })).toBeUndefined(); // all done at the first sight
  });

  it('divides CPU seconds by events into microseconds', () => {
    expect(cpuMicrosPerEvent(3, 100_000)).toBeCloseTo(30);
    expect(cpuMicrosPerEvent(3, 0)).toBeUndefined();
  });
});

/** A minimal XML well-formedness check: one root, tags balanced and nested, attributes quoted, no stray '<' or '&'. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, , selfClosing, text] = m;
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root: ${text.slice(0, 40)}`);
      if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`bare & in ${text.slice(0, 40)}`);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots += 1;
      stack.push(name!);
    } else if (stack.length === 0) roots += 1;
  }
  if (consumed !== body.length) throw new Error(`not XML at offset ${consumed}: ${body.slice(consumed, consumed + 60)}`);
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('stackedLineChartSvg', () => {
  const plot = {
    title: 'Long run: 1,000,000 events, 6 partitions, 2 CPUs <&>',
    subtitle: 'RSS growth 3.1% (target < 10%) PASS',
    xLabel: 'time since start (s)',
    series: [
      { label: 'throughput (events/s)', color: '#1f77b4', points: [{ x: 5, y: null }, { x: 10, y: 1200 }, { x: 15, y: 1350 }, { x: 20, y: 1280 }] },
      { label: 'RSS (MB)', color: '#d62728', points: [{ x: 0, y: 180 }, { x: 5, y: 240 }, { x: 10, y: 251 }, { x: 15, y: 250 }, { x: 20, y: 252 }] },
    ],
  };

  it('is well-formed XML with an svg root, the title escaped, and both series as lines', () => {
    const svg = stackedLineChartSvg(plot);
    assertWellFormedXml(svg);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('2 CPUs &lt;&amp;&gt;');
    const lines = [...svg.matchAll(/<polyline class="series" data-series="([^"]+)"[^>]* points="([^"]+)"/g)];
    expect(lines.map((l) => l[1])).toEqual(['throughput (events/s)', 'RSS (MB)']);
    expect(lines[0]![2]!.split(' ')).toHaveLength(3); // the null sample is a gap, not a point
    expect(lines[1]![2]!.split(' ')).toHaveLength(5);
    expect(svg).toContain('>time since start (s)</text>');
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg a=1/>')).toThrow();
    expect(() => assertWellFormedXml('<svg>a & b</svg>')).toThrow();
  });

  it('puts every point inside its chart', () => {
    const svg = stackedLineChartSvg(plot);
    for (const [, points] of svg.matchAll(/points="([^"]+)"/g)) {
      for (const pair of points!.split(' ')) {
        const [x, y] = pair.split(',').map(Number);
        expect(x).toBeGreaterThanOrEqual(80);
        expect(x).toBeLessThanOrEqual(870);
        expect(y).toBeGreaterThan(0);
      }
    }
  });

  it('niceTicks covers the maximum in round steps', () => {
    expect(niceTicks(1350, 5)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(252, 5)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('formatLongResult', () => {
  // A 100-s run sampled every 5 s: RSS 1,000 MB until 50 s, then 1,080; the main heap after full
  // collections 100 MB early and 110 MB late. Everything committed at 100 s.
  const samples: LagSample[] = Array.from({ length: 21 }, (_, i) => ({
    seconds: i * 5,
    groupLag: 1_000 - i * 50,
    metricLag: null,
    metricPartitions: 0,
    consumed: i * 50,
    rssMb: i * 5 < 50 ? 1_000 : 1_080,
    cpuSeconds: i * 5,
    glibcHeapMb: i * 5 < 50 ? 100 : 130,
  }));
  const result: KafkaBenchResult = {
    brokerSource: 'test',
    topics: { customers: 'c', agents: 'a', partitions: 6 },
    messages: 1_000,
    produce: { seconds: 1, customers: 900, agents: 100 },
    partitionsConcurrency: 16,
    batchSize: 5_000,
    raw: [],
    pipeline: [
      {
        report: { events: 1_000, durationMs: 100_000 } as RunReport,
        processSeconds: 101,
        peakRssMb: 1_100,
        cpuSeconds: 100,
        samples,
        heapAfterFullGc: [12, 22, 27, 55, 91, 96, 99].map((seconds) => ({ seconds, usedMb: seconds < 50 ? 100 : 110, committedMb: seconds < 50 ? 300 : 340 })),
        // Two workers: one collected twice (initdb's thread, say), the other (the store's) through the run.
        workerHeapAfterFullGc: {
          '1': [{ seconds: 1, usedMb: 500, committedMb: 900 }, { seconds: 2, usedMb: 400, committedMb: 900 }],
          '2': [21, 25, 29, 60, 92, 95, 98].map((seconds) => ({ seconds, usedMb: seconds < 50 ? 40 : 50, committedMb: seconds < 50 ? 150 : 175 })),
        },
      },
    ],
    file: [],
    sampleEveryMs: 5_000,
  };

  it('gives the heap after full collections over the RSS windows, and plots it as a third chart', () => {
    const { text, summary, svg } = formatLongResult(result, { customers: 500, seed: 1 });
    expect(summary.rssGrowth!.growth).toBeCloseTo(0.08);
    expect(summary.heapAfterFullGcGrowth!.growth).toBeCloseTo(0.1);
    expect(summary.heapAfterFullGcGrowth!.samplesAt25).toBe(2); // 22 and 27 s, in 20–30 of 100 s
    expect(summary.heapAfterFullGcGrowth!.samplesAtEnd).toBe(3); // 91, 96 and 99 s
    expect(text).toContain('main heap used after full collections (7 of them): 100 MB at 25% (mean of 2), 110 MB at the end (mean of 3): growth 10.0%');
    expect(text).toContain('RSS growth 25%→100%: 8.0% (target < 10%) PASS');
    expect(text).toContain('busiest worker thread (2) heap used after full collections (7 of them): 40 MB at 25%, 50 MB at the end: growth 25.0%; highest 50 MB');
    expect(summary.busiestWorker?.threadId).toBe('2');
    expect(text).toContain(
      "of the RSS's +80 MB from 25% to the end: main heap committed at its full collections +40 MB, the busiest worker's +25 MB, glibc's main heap +30 MB (100 MB → 130 MB)",
    );
    const lines = [...svg.matchAll(/<polyline class="series" data-series="([^"]+)"/g)].map((l) => l[1]);
    expect(lines).toEqual(['throughput (events/s)', 'RSS (MB)', 'main heap after full GC (MB)', 'busiest worker heap after full GC (MB)', 'glibc&apos;s main heap (MB)']);
  });

  it('says so when the run recorded no full collection and sampled no glibc heap', () => {
    const run = result.pipeline[0]!;
    const none = { ...result, pipeline: [{ ...run, heapAfterFullGc: [], workerHeapAfterFullGc: {}, samples: run.samples.map((x) => ({ ...x, glibcHeapMb: null })) }] };
    const { text, summary, svg } = formatLongResult(none, { customers: 500, seed: 1 });
    expect(summary.heapAfterFullGcGrowth).toBeUndefined();
    expect(summary.glibcHeapGrowth).toBeUndefined();
    expect(text).toContain('main heap after full collections: not recorded');
    expect(text).toContain("worker threads' heap after full collections: not recorded");
    expect(text).toContain("of the RSS's +80 MB from 25% to the end: main heap committed at its full collections —, the busiest worker's —, glibc's main heap —");
    expect(svg).not.toContain('glibc');
    expect(svg).not.toContain('worker');
  });
});

describe('glibcHeapKbIn', () => {
  const smaps = [
    '55d0c0a00000-55d0c0b00000 r-xp 00000000 08:01 123 /usr/bin/node',
    'Size:               1024 kB',
    'Rss:                 900 kB',
    '55d0c2000000-55d0cc000000 rw-p 00000000 00:00 0                          [heap]',
    'Size:             163840 kB',
    'KernelPageSize:        4 kB',
    'Rss:              151234 kB',
    'Pss:              151234 kB',
    '7f00a0000000-7f00a4000000 rw-p 00000000 00:00 0 ',
    'Rss:               65536 kB',
  ].join('\n');

  it('reads the resident size of the [heap] mapping only', () => {
    expect(glibcHeapKbIn(smaps)).toBe(151_234);
  });

  it('is null without a [heap] mapping, or without its Rss line', () => {
    expect(glibcHeapKbIn(smaps.replace('[heap]', '[stack]'))).toBeNull();
    expect(glibcHeapKbIn(smaps.replace('Rss:              151234 kB', 'Swap: 0 kB'))).toBeNull();
  });
});
