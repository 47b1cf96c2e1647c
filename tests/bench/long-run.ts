// `npm run bench -- --kafka --long [--events 1000000]`: is the pipeline's memory flat over a long
// Kafka run? One `verity run --kafka-brokers … --once` over the whole stream (kafka.ts with
// `long`), its RSS (/proc VmRSS) and consumed-events counter (its /metrics) sampled every 5 s.
//
//   the run     spawn to the first sample at group lag 0 (everything committed): the time the
//               pipeline worked through the stream; the idle time from there to the exit (the
//               --once end-of-run work) is not "the run" (it is still sampled and plotted)
//   RSS growth  mean RSS of the samples in the last 10% of the run (90–100%) against the mean of
//               those in 20–30% (the run's RSS "at 25%"), see stats.ts rssGrowth; target < 10%.
//               Also shown: the highest sample after 25% against the same base, and the peak
//               (the preload's maxRSS at exit, which sees between samples too).
//   live heap   the main thread's V8 heap in use right after each full collection (the preload's
//               GC observer), its growth over the same windows: RSS that grows while this stays
//               flat is garbage between collections or native memory, not a leak; beside it the
//               heap's committed size then (V8's room for garbage), and glibc's main heap sampled
//               with the RSS (/proc/PID/smaps [heap]): the parts of the RSS's growth that have a name;
//               and the busiest worker thread's heap the same way (the one with most full
//               collections: PGlite's store thread in the embedded default)
//   throughput  events consumed per interval between samples (verity_events_consumed_total), / s;
//               where a scrape failed (a busy process answers late), the committed offsets
//               (messages − group lag) stand in
// Writes out/bench/last-long.json (every sample) and out/bench/long-run.svg (throughput and RSS
// over time; svg-plot.ts).
import { availableParallelism } from 'node:os';
import { CPU_MICROS_TARGET, pipelineWorkSpan, spread, type KafkaBenchResult, type PipelineRun } from './kafka.ts';
import { cpuMicrosPerEvent, ratesBetween, rssGrowth } from './stats.ts';
import { stackedLineChartSvg } from './svg-plot.ts';
import type { HeapAfterFullGc } from './usage-at-exit.ts';
import { int, table } from './support.ts';

/** Issue 9: RSS grows by less than this between 25% and 100% of a long run. */
export const RSS_GROWTH_TARGET = 0.1;

/** The worker thread with the most full collections: in the embedded default, PGlite's store thread. */
function busiestWorker(workers: PipelineRun['workerHeapAfterFullGc'] | undefined) {
  const [threadId, heap] = Object.entries(workers ?? {}).sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  return threadId === undefined || heap === undefined || heap.length === 0 ? undefined : { threadId, heap };
}

export function formatLongResult(r: KafkaBenchResult, context: { readonly customers: number; readonly seed: number }) {
  const run = r.pipeline[0]!;
  const caughtUp = run.samples.find((s) => s.groupLag === 0);
  const runSeconds = caughtUp?.seconds ?? run.processSeconds;
  // The last sample is taken after the exit (group offsets only): no RSS, no count.
  const live = run.samples.filter((s) => s.rssMb !== null);
  const rss = live.map((s) => ({ seconds: s.seconds, rssMb: s.rssMb! }));
  // Every series over the same windows of the run (the preload's clock starts with the process,
  // the samples' at spawn).
  const growthInRun = (points: readonly { seconds: number; mb: number }[]) =>
    rssGrowth(
      points.filter((p) => p.seconds <= runSeconds).map((p) => ({ seconds: p.seconds, rssMb: p.mb })),
      runSeconds,
    );
  const growth = growthInRun(rss.map((p) => ({ seconds: p.seconds, mb: p.rssMb })));
  // A thread's heap in use after its full collections, and committed then, over the same windows.
  const heapGrowths = (heap: readonly HeapAfterFullGc[]) => ({
    used: growthInRun(heap.map((h) => ({ seconds: h.seconds, mb: h.usedMb }))),
    committed: growthInRun(heap.map((h) => ({ seconds: h.seconds, mb: h.committedMb }))),
  });
  const { used: heapGrowth, committed: committedGrowth } = heapGrowths(run.heapAfterFullGc);
  const glibc = run.samples.filter((s) => s.glibcHeapMb !== null).map((s) => ({ seconds: s.seconds, mb: s.glibcHeapMb! }));
  const glibcGrowth = growthInRun(glibc);
  const worker = busiestWorker(run.workerHeapAfterFullGc);
  const { used: workerGrowth, committed: workerCommittedGrowth } = worker ? heapGrowths(worker.heap) : { used: undefined, committed: undefined };
  const counts = run.samples.map((s) => ({ seconds: s.seconds, count: s.consumed ?? (s.rssMb === null ? null : r.messages - s.groupLag) }));
  const rates = ratesBetween(counts);
  const consuming = rates.filter((x): x is { seconds: number; perSecond: number } => x.perSecond !== null && x.perSecond > 0);
  const meanRate = run.report.events / (run.report.durationMs / 1000);
  const span = pipelineWorkSpan(run, r.messages);
  const spanMicros = span ? cpuMicrosPerEvent(span.cpuSeconds, span.events) : undefined;
  const growthVerdict = growth === undefined ? 'NOT MEASURED' : growth.growth < RSS_GROWTH_TARGET ? 'PASS' : 'ABOVE TARGET';
  const cpuVerdict = spanMicros === undefined ? 'NOT MEASURED' : spanMicros <= CPU_MICROS_TARGET ? 'PASS' : 'ABOVE TARGET';

  const rows = [
    ['t (s)', 'events/s', 'consumed', 'group lag', 'RSS MB', 'CPU s'],
    ...spread(
      run.samples.map((s, i) => ({ s, rate: i === 0 ? null : rates[i - 1]!.perSecond })),
      24,
    ).map(({ s, rate }) => [
      s.seconds.toFixed(0),
      rate === null ? '—' : int.format(rate),
      s.consumed === null ? '—' : int.format(s.consumed),
      int.format(s.groupLag),
      s.rssMb === null ? '—' : int.format(s.rssMb),
      s.cpuSeconds === null ? '—' : s.cpuSeconds.toFixed(0),
    ]),
  ];
  const mb = (n: number) => `${int.format(n)} MB`;
  const signedMb = (n: number) => `${n < 0 ? '−' : '+'}${mb(Math.abs(n))}`;
  const text =
    `broker: ${r.brokerSource}; 2 topics × ${r.topics.partitions} partitions; partitions-concurrency ${r.partitionsConcurrency}, batch ${r.batchSize}\n` +
    `produce: ${int.format(r.messages)} messages in ${r.produce.seconds.toFixed(1)} s\n` +
    `verity run --once: ${int.format(run.report.events)} events; everything committed ${caughtUp ? `${runSeconds.toFixed(0)} s after spawn` : 'never (!)'}, exit after ${run.processSeconds.toFixed(0)} s; window ${(run.report.durationMs / 1000).toFixed(0)} s = ` +
    `${int.format(meanRate)} events/s; ${run.cpuSeconds.toFixed(0)} s CPU; samples every ${r.sampleEveryMs / 1000} s\n\n` +
    `${table(rows)}\n\n` +
    (growth
      ? `the run = spawn to everything committed (${runSeconds.toFixed(0)} s); RSS at 25% (mean of ${growth.samplesAt25} samples in 20–30% of it): ${mb(growth.at25Mb)}; ` +
        `at the end (mean of ${growth.samplesAtEnd} in 90–100%): ${mb(growth.atEndMb)}\n` +
        `RSS growth 25%→100%: ${(growth.growth * 100).toFixed(1)}% (target < ${RSS_GROWTH_TARGET * 100}%) ${growthVerdict}; ` +
        `highest sample after 25%: ${mb(growth.maxAfter25Mb)} (${(growth.maxAfter25Growth * 100).toFixed(1)}% over the 25% figure)\n`
      : 'RSS growth: not measured (no RSS samples)\n') +
    (live.filter((x) => x.seconds <= runSeconds).length < 20
      ? `WARNING: only ${live.filter((x) => x.seconds <= runSeconds).length} samples in the run: too short for a meaningful growth figure (start-up still ramps at 25%); use --events 1000000\n`
      : '') +
    (heapGrowth
      ? `main heap used after full collections (${run.heapAfterFullGc.length} of them): ${mb(heapGrowth.at25Mb)} at 25% (mean of ${heapGrowth.samplesAt25}), ` +
        `${mb(heapGrowth.atEndMb)} at the end (mean of ${heapGrowth.samplesAtEnd}): growth ${(heapGrowth.growth * 100).toFixed(1)}%; highest ${mb(heapGrowth.peakMb)}\n`
      : 'main heap after full collections: not recorded\n') +
    (worker && workerGrowth
      ? `busiest worker thread (${worker.threadId}) heap used after full collections (${worker.heap.length} of them): ${mb(workerGrowth.at25Mb)} at 25%, ${mb(workerGrowth.atEndMb)} at the end: ` +
        `growth ${(workerGrowth.growth * 100).toFixed(1)}%; highest ${mb(workerGrowth.peakMb)}\n`
      : 'worker threads\' heap after full collections: not recorded\n') +
    (growth
      ? `of the RSS's ${signedMb(growth.atEndMb - growth.at25Mb)} from 25% to the end: main heap committed at its full collections ${committedGrowth ? signedMb(committedGrowth.atEndMb - committedGrowth.at25Mb) : '—'}, ` +
        `the busiest worker's ${workerCommittedGrowth ? signedMb(workerCommittedGrowth.atEndMb - workerCommittedGrowth.at25Mb) : '—'}, ` +
        `glibc's main heap ${glibcGrowth ? `${signedMb(glibcGrowth.atEndMb - glibcGrowth.at25Mb)} (${mb(glibcGrowth.at25Mb)} → ${mb(glibcGrowth.atEndMb)})` : '—'}\n`
      : '') +
    `peak RSS: ${mb(run.peakRssMb)} (maxRSS at exit)${growth ? `; highest sample ${mb(growth.peakMb)}` : ''}\n` +
    `throughput per ${r.sampleEveryMs / 1000} s interval while consuming: ` +
    (consuming.length > 0
      ? `min ${int.format(Math.min(...consuming.map((x) => x.perSecond)))}, max ${int.format(Math.max(...consuming.map((x) => x.perSecond)))} events/s over ${consuming.length} intervals\n`
      : '—\n') +
    `pipeline CPU cost: ${spanMicros === undefined ? '—' : spanMicros.toFixed(1)} µs/event (target ≤ ${CPU_MICROS_TARGET}) ${cpuVerdict}; whole process ${cpuMicrosPerEvent(run.cpuSeconds, run.report.events)?.toFixed(1) ?? '—'} µs/event\n` +
    `group lag after exit: ${int.format(run.samples[run.samples.length - 1]!.groupLag)}\n`;

  const title = `Verity long Kafka run: ${int.format(run.report.events)} events, ${r.topics.partitions} partitions per topic, ${availableParallelism()} CPUs`;
  const subtitle =
    `${int.format(context.customers)} customers (seed ${context.seed}), batch ${r.batchSize}, partitions-concurrency ${r.partitionsConcurrency}; ` +
    (growth ? `RSS growth 25%→100% ${(growth.growth * 100).toFixed(1)}% (target < ${RSS_GROWTH_TARGET * 100}%), peak ${mb(run.peakRssMb)}` : 'no RSS samples');
  const svg = stackedLineChartSvg({
    title,
    subtitle,
    xLabel: 'seconds since verity run started',
    series: [
      { label: 'throughput (events/s)', color: '#1f77b4', points: rates.map((x) => ({ x: x.seconds, y: x.perSecond })) },
      { label: 'RSS (MB)', color: '#d62728', points: rss.map((p) => ({ x: p.seconds, y: p.rssMb })) },
      { label: 'main heap after full GC (MB)', color: '#2ca02c', points: run.heapAfterFullGc.map((h) => ({ x: h.seconds, y: h.usedMb })) },
      ...(worker ? [{ label: 'busiest worker heap after full GC (MB)', color: '#ff7f0e', points: worker.heap.map((h) => ({ x: h.seconds, y: h.usedMb })) }] : []),
      ...(glibc.length > 0 ? [{ label: "glibc's main heap (MB)", color: '#9467bd', points: glibc.map((p) => ({ x: p.seconds, y: p.mb })) }] : []),
    ],
  });
  const summary = {
    events: run.report.events,
    messages: r.messages,
    partitions: r.topics.partitions,
    sampleEverySeconds: r.sampleEveryMs / 1000,
    processSeconds: run.processSeconds,
    runSeconds,
    windowSeconds: run.report.durationMs / 1000,
    eventsPerSecond: meanRate,
    rssGrowth: growth,
    rssGrowthTarget: RSS_GROWTH_TARGET,
    rssGrowthVerdict: growthVerdict,
    heapAfterFullGcGrowth: heapGrowth,
    heapAfterFullGc: run.heapAfterFullGc,
    heapCommittedGrowth: committedGrowth,
    busiestWorker: worker && { threadId: worker.threadId, heapAfterFullGcGrowth: workerGrowth, heapCommittedGrowth: workerCommittedGrowth },
    glibcHeapGrowth: glibcGrowth,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds,
    cpuMicrosPerEvent: spanMicros,
    wholeProcessCpuMicrosPerEvent: cpuMicrosPerEvent(run.cpuSeconds, run.report.events),
    cpuMicrosTarget: CPU_MICROS_TARGET,
    cpuVerdict,
    samples: run.samples.map((s, i) => ({ ...s, eventsPerSecond: i === 0 ? null : rates[i - 1]!.perSecond })),
  };
  return { text, summary, svg };
}
