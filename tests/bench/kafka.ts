// `npm run bench -- --kafka`: end-to-end throughput from a real broker through the pipeline into
// the embedded store, next to a raw kafkajs consume of the same topics (this client's ceiling).
//
//   1. a broker: VERITY_KAFKA_BROKERS, else the test support's (Docker or local JVM), stopped after
//   2. one generated stream, published once with `verity produce`'s code to fresh bench topics
//   3. raw: a consumer group that reads every message of both topics and does nothing else
//      (the pipeline source's consumer options), timed from connect to disconnect
//   4. pipeline: the real `verity run --kafka-brokers … --once` as a child process, with its own
//      group and a fresh data dir; its lag (group offsets, and its own Prometheus gauge), RSS and
//      CPU time (/proc) are sampled every second, and its peak RSS and CPU time are reported by a
//      preload at exit
//   5. file pipeline: measure.ts's pipeline mode (`verity run --input FILE --once`'s code) on the
//      same generated file, for the ratio Kafka pipeline / file pipeline (what Kafka costs)
// The rate compared is the pipeline's report window (connect, consume, write, disconnect), the
// same span the raw consume is timed over, and the file pipeline's report window; process
// start-up is shown separately.
//
// CPU cost per event (µs/event), every thread of the process (chDB's and PGlite's too):
//   raw consume    the bench process's CPU (process.resourceUsage()) from connect to disconnect
//   pipeline       its CPU from the first sample (/proc/PID/stat) with events consumed or committed
//                  to its exit (the preload), over the events after that sample (stats.ts workSpan:
//                  start-up and the first chunks left out; the end-of-run work kept in: a Kafka run
//                  keeps a CPU busy for a while after its last commit, growing with the events);
//                  besides, the whole process's CPU, spawn to exit, over the events
//   file pipeline  the same from measure.ts's own samples (first batch written to the end of
//                  runWithFlags), and the whole process's
//
// With `long` (`npm run bench -- --kafka --long`) only the pipeline runs, once, sampled every 5 s:
// long-run.ts turns its samples into RSS growth, throughput and a plot.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { ensureTopics } from '../../connectors/kafka/kafka-client.ts';
import { produceFile } from '../../connectors/kafka/produce-file.ts';
import { resolveRunConfig } from '../../pipelines/config/run-config.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { createLogger } from '../../pipelines/runtime/logger.ts';
import { acquireKafka } from '../support/kafka/acquire.ts';
import { freePort } from '../support/kafka/broker.ts';
import { runMeasureChild } from './measure-child.ts';
import type { Measurement } from './measurement.ts';
import { cpuSecondsOf, glibcHeapMbOf, rssMbOf } from './proc.ts';
import { cpuMicrosPerEvent, workSpan } from './stats.ts';
import { batchSizeEnv, childEnv, int, matchesTruth, median, table } from './support.ts';
import type { HeapAfterFullGc, UsageAtExit } from './usage-at-exit.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'pipelines', 'cli', 'main.ts');
const USAGE_AT_EXIT = join(import.meta.dirname, 'usage-at-exit.ts');
const SAMPLE_EVERY_MS = 1000;
/** The long run samples RSS every 5 s (issue 9). */
export const LONG_SAMPLE_EVERY_MS = 5000;
const MAX_MINUTES = 20;
/** Issue 9: the pipeline's CPU cost per event, at most. */
export const CPU_MICROS_TARGET = 60;
/** Issue 9: the Kafka pipeline's rate against the same pipeline reading the same stream from a file. */
export const KAFKA_FILE_TARGET_RATIO = 0.9;

export interface KafkaBenchOptions {
  readonly input: string;
  /** Partitions of each bench topic. */
  readonly partitions: number;
  /** Passed to `verity run --partitions-concurrency` and used by the raw consumer; default: the pipeline's. */
  readonly partitionsConcurrency?: number;
  /** Passed to `verity run --batch-size`; default: the pipeline's. */
  readonly batchSize?: number;
  readonly repeat: number;
  readonly workDir: string;
  /** Also run the pipeline once more under --cpu-prof (not measured) into this folder. */
  readonly profileDir?: string;
  /** The long run: the pipeline only, once, sampled every LONG_SAMPLE_EVERY_MS; no raw consume, no file pipeline. */
  readonly long?: boolean;
}

export interface LagSample {
  readonly seconds: number;
  /** Σ(high watermark − committed offset) of the pipeline's group over every partition. */
  readonly groupLag: number;
  /** Σ verity_consumer_lag from the pipeline's /metrics, and how many partitions report it. */
  readonly metricLag: number | null;
  readonly metricPartitions: number;
  readonly consumed: number | null;
  readonly rssMb: number | null;
  /** User + system CPU seconds of the process so far, every thread (/proc). */
  readonly cpuSeconds: number | null;
  /** glibc's main heap resident (/proc/PID/smaps `[heap]`); sampled in the long run only. */
  readonly glibcHeapMb: number | null;
}

export interface PipelineRun {
  readonly report: RunReport;
  /** Spawn to exit. */
  readonly processSeconds: number;
  readonly peakRssMb: number;
  /** CPU time of the whole process, spawn to exit. */
  readonly cpuSeconds: number;
  readonly samples: readonly LagSample[];
  /** The main thread's heap used after each full collection, seconds since the process started (usage-at-exit.ts). */
  readonly heapAfterFullGc: readonly HeapAfterFullGc[];
  /** The same for each worker thread, by thread id (PGlite's store thread in the embedded default). */
  readonly workerHeapAfterFullGc: Readonly<Record<string, readonly HeapAfterFullGc[]>>;
}

export interface KafkaBenchResult {
  readonly brokerSource: string;
  readonly topics: { readonly customers: string; readonly agents: string; readonly partitions: number };
  readonly messages: number;
  readonly produce: { readonly seconds: number; readonly customers: number; readonly agents: number };
  readonly partitionsConcurrency: number;
  readonly batchSize: number;
  readonly raw: readonly { readonly messages: number; readonly seconds: number; readonly cpuSeconds: number }[];
  readonly pipeline: readonly PipelineRun[];
  /** measure.ts's pipeline mode on the same file (none in the long run). */
  readonly file: readonly Measurement[];
  /** How often the pipeline was sampled. */
  readonly sampleEveryMs: number;
}

const quietKafka = (brokers: string[]) => new Kafka({ clientId: 'verity-bench', brokers, logLevel: logLevel.NOTHING });

type TopicEnds = Map<string, { topic: string; partition: number; low: bigint; high: bigint }>;

/** Low and high watermark per "topic/partition": what a full read must consume. */
async function topicEnds(admin: Admin, topics: readonly string[]): Promise<TopicEnds> {
  const ends: TopicEnds = new Map();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      ends.set(`${topic}/${p.partition}`, { topic, partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) });
    }
  }
  return ends;
}

function withTimeout<T>(promise: Promise<T>, what: string, minutes = MAX_MINUTES): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${minutes} minutes`)), minutes * 60_000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The ceiling: a consumer group that reads every message and does nothing else. */
async function rawConsume(kafka: Kafka, topics: readonly string[], total: number, concurrency: number) {
  const consumer = kafka.consumer({
    groupId: `verity-bench-raw-${randomBytes(4).toString('hex')}`,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024, // as the pipeline's source (connectors/kafka/kafka-source.ts)
  });
  let messages = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolvePromise) => (done = resolvePromise));
  // This process does nothing else meanwhile: its CPU over the consume is the consume's.
  const cpuBefore = process.resourceUsage();
  const started = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: concurrency,
      eachBatch: async ({ batch }) => {
        messages += batch.messages.length;
        if (messages >= total) done();
      },
    });
    await withTimeout(finished, 'the raw consume');
  } finally {
    await consumer.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = process.resourceUsage();
  const cpu = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
  return { messages, seconds, cpuSeconds: cpu(cpuAfter) - cpu(cpuBefore) };
}

/** Σ(high watermark − committed offset) of a group over the given partitions (uncommitted = from the start). */
async function groupLagOf(admin: Admin, groupId: string, ends: TopicEnds): Promise<number> {
  const topics = [...new Set([...ends.values()].map((e) => e.topic))];
  const committed = await admin.fetchOffsets({ groupId, topics });
  let lag = 0n;
  for (const { topic, partition, low, high } of ends.values()) {
    const offset = committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    lag += high - (BigInt(offset) >= low ? BigInt(offset) : low);
  }
  return Number(lag);
}

/** Σ and count of `verity_consumer_lag`, and `verity_events_consumed_total`, from a Prometheus text page. */
function parseMetrics(text: string): { lag: number; partitions: number; consumed: number | null } {
  let lag = 0;
  let partitions = 0;
  let consumed: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('verity_consumer_lag{')) {
      lag += Number(line.slice(line.lastIndexOf(' ') + 1));
      partitions += 1;
    } else if (line.startsWith('verity_events_consumed_total ')) {
      consumed = Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return { lag, partitions, consumed };
}

async function runPipeline(
  brokers: string[],
  admin: Admin,
  topics: KafkaBenchResult['topics'],
  ends: TopicEnds,
  opts: KafkaBenchOptions,
  run: number | 'profile',
  nodeFlags: readonly string[] = [],
): Promise<PipelineRun> {
  const sampleEveryMs = opts.long ? LONG_SAMPLE_EVERY_MS : SAMPLE_EVERY_MS;
  const messages = [...ends.values()].reduce((sum, e) => sum + Number(e.high - e.low), 0);
  // A long run may take long: bounded by at least 300 events/s, and never less than MAX_MINUTES.
  const timeoutMinutes = Math.max(MAX_MINUTES, Math.ceil(messages / 300 / 60));
  const id = randomBytes(4).toString('hex');
  const dataDir = join(opts.workDir, `pipeline-${run}`);
  const reportFile = join(dataDir, 'report.json');
  const usageFile = join(opts.workDir, `pipeline-${run}.usage.json`);
  const groupId = `verity-bench-${id}`;
  const metricsPort = await freePort();
  const args = [
    ...process.execArgv,
    ...nodeFlags,
    '--import',
    USAGE_AT_EXIT,
    CLI,
    'run',
    '--kafka-brokers', brokers.join(','),
    '--once',
    '--group-id', groupId,
    '--customer-topic', topics.customers,
    '--agent-topic', topics.agents,
    '--dead-letter-topic', `${topics.customers}.dlq`,
    '--issue-topic', `${topics.customers}.issues`,
    '--topic-partitions', String(topics.partitions),
    '--data-dir', dataDir,
    '--metrics-port', String(metricsPort),
    '--log-level', 'warn',
    '--no-progress',
    '--report', reportFile,
    ...(opts.partitionsConcurrency === undefined ? [] : ['--partitions-concurrency', String(opts.partitionsConcurrency)]),
    ...(opts.batchSize === undefined ? [] : ['--batch-size', String(opts.batchSize)]),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv({ VERITY_BENCH_USAGE_FILE: usageFile }),
  });
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise({ code, signal }));
  });

  const samples: LagSample[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      const seconds = (performance.now() - started) / 1000;
      const [groupLag, metrics, rssMb, cpuSeconds, glibcHeapMb] = await Promise.all([
        groupLagOf(admin, groupId, ends).catch(() => null),
        fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(500) })
          .then(async (r) => parseMetrics(await r.text()))
          .catch(() => null),
        child.pid === undefined ? null : rssMbOf(child.pid),
        child.pid === undefined ? null : cpuSecondsOf(child.pid),
        child.pid === undefined || !opts.long ? null : glibcHeapMbOf(child.pid),
      ]);
      if (running && groupLag !== null) {
        samples.push({
          seconds,
          groupLag,
          metricLag: metrics?.partitions ? metrics.lag : null,
          metricPartitions: metrics?.partitions ?? 0,
          consumed: metrics?.consumed ?? null,
          rssMb,
          cpuSeconds,
          glibcHeapMb,
        });
      }
      await new Promise((r) => setTimeout(r, sampleEveryMs));
    }
  })();

  const { code, signal } = await withTimeout(exited, 'verity run', timeoutMinutes).finally(() => (running = false));
  const processSeconds = (performance.now() - started) / 1000;
  await sampler;
  if (code !== 0) throw new Error(`verity run failed (${signal ?? `exit ${code}`}):\n${stderrTail}`);
  // What the group left behind: 0 when every message was committed.
  samples.push({
    seconds: processSeconds,
    groupLag: await groupLagOf(admin, groupId, ends),
    metricLag: null,
    metricPartitions: 0,
    consumed: null,
    rssMb: null,
    cpuSeconds: null,
    glibcHeapMb: null,
  });
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as RunReport;
  const { peakRssMb, cpuSeconds, heapAfterFullGc, workerHeapAfterFullGc } = JSON.parse(await readFile(usageFile, 'utf8')) as UsageAtExit;
  return { report, processSeconds, peakRssMb, cpuSeconds, samples, heapAfterFullGc, workerHeapAfterFullGc };
}

export async function runKafkaBench(opts: KafkaBenchOptions): Promise<KafkaBenchResult> {
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const broker = await acquireKafka({ log: (m) => log(`[kafka] ${m}`) });
  if (!broker.available) throw new Error(`no Kafka broker for the bench: ${broker.reason}`);
  const kafka = quietKafka(broker.brokers);
  const admin = kafka.admin();
  const prefix = `verity-bench-${randomBytes(4).toString('hex')}`;
  const topics = { customers: `${prefix}.customer.changes`, agents: `${prefix}.agent.changes`, partitions: opts.partitions };
  try {
    await admin.connect();
    // What `verity run` would use when the bench does not say.
    const defaults = await resolveRunConfig({ flags: { kafkaBrokers: broker.brokers.join(',') }, env: {}, cwd: ROOT });
    const partitionsConcurrency = opts.partitionsConcurrency ?? defaults.kafka!.partitionsConcurrency;
    const batchSize = opts.batchSize ?? defaults.batchSize;

    log(`producing ${opts.input} to ${topics.customers} and ${topics.agents} (${opts.partitions} partitions each) …`);
    await ensureTopics(kafka, [topics.customers, topics.agents], opts.partitions, createLogger('warn'));
    const producing = performance.now();
    const produced = await produceFile({ kafka, input: opts.input, customerTopic: topics.customers, agentTopic: topics.agents });
    const produce = { seconds: (performance.now() - producing) / 1000, customers: produced.customers, agents: produced.agents };
    const ends = await topicEnds(admin, [topics.customers, topics.agents]);
    const messages = [...ends.values()].reduce((sum, e) => sum + Number(e.high - e.low), 0);
    log(`produced ${messages} messages in ${produce.seconds.toFixed(1)} s`);

    const raw: { messages: number; seconds: number; cpuSeconds: number }[] = [];
    const pipeline: PipelineRun[] = [];
    const file: Measurement[] = [];
    const repeat = opts.long ? 1 : opts.repeat;
    for (let i = 1; i <= repeat; i += 1) {
      if (!opts.long) {
        process.stderr.write(`run ${i}/${repeat}: raw kafkajs consume …`);
        raw.push(await rawConsume(kafka, [topics.customers, topics.agents], messages, partitionsConcurrency));
        process.stderr.write(` ${raw[raw.length - 1]!.seconds.toFixed(2)} s\n`);
      }
      process.stderr.write(`run ${i}/${repeat}: verity run --kafka-brokers … --once${opts.long ? ` (${int.format(messages)} messages, sampled every ${LONG_SAMPLE_EVERY_MS / 1000} s)` : ''} …`);
      pipeline.push(await runPipeline(broker.brokers, admin, topics, ends, opts, i));
      process.stderr.write(` ${pipeline[pipeline.length - 1]!.processSeconds.toFixed(2)} s\n`);
      if (!opts.long) {
        process.stderr.write(`run ${i}/${repeat}: file pipeline (measure.ts pipeline, same stream) …`);
        file.push(await runMeasureChild('pipeline', opts.input, join(opts.workDir, `file-pipeline-${i}`), [], batchSizeEnv(opts.batchSize)));
        await rm(join(opts.workDir, `file-pipeline-${i}`), { recursive: true, force: true });
        process.stderr.write(` ${file[file.length - 1]!.seconds.toFixed(2)} s\n`);
      }
    }
    if (opts.profileDir) {
      process.stderr.write('profiling: verity run under --cpu-prof (not measured) …\n');
      await runPipeline(broker.brokers, admin, topics, ends, opts, 'profile', ['--cpu-prof', '--cpu-prof-dir', opts.profileDir]);
    }
    await admin
      .deleteTopics({ topics: [topics.customers, topics.agents, `${topics.customers}.dlq`, `${topics.customers}.issues`] })
      .catch(() => undefined);
    return {
      brokerSource: broker.source,
      topics,
      messages,
      produce,
      partitionsConcurrency,
      batchSize,
      raw,
      pipeline,
      file,
      sampleEveryMs: opts.long ? LONG_SAMPLE_EVERY_MS : SAMPLE_EVERY_MS,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
}

/** At most `count` samples, evenly spread, always with the last one. */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = (items.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => items[Math.round(i * step)]!);
}

/** The pipeline run's work span (see workSpan): done = what its group committed, or its metric consumed, whichever is more. */
export function pipelineWorkSpan(run: PipelineRun, messages: number) {
  return workSpan(
    run.samples.map((s) => ({ seconds: s.seconds, done: Math.max(messages - s.groupLag, s.consumed ?? 0), cpuSeconds: s.cpuSeconds })),
    { seconds: run.processSeconds, done: messages, cpuSeconds: run.cpuSeconds },
  );
}

const micros = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
const passIf = (ok: boolean, below = 'BELOW TARGET') => (ok ? 'PASS' : below);

export function formatKafkaResult(
  r: KafkaBenchResult,
  truth: Parameters<typeof matchesTruth>[1],
  targets: { readonly rawRatio: number; readonly fileRatio: number; readonly cpuMicros: number },
) {
  const rawSeconds = median(r.raw.map((x) => x.seconds));
  const rawCpuSeconds = median(r.raw.map((x) => x.cpuSeconds));
  const windowSeconds = median(r.pipeline.map((p) => p.report.durationMs / 1000));
  const processSeconds = median(r.pipeline.map((p) => p.processSeconds));
  const cpuSeconds = median(r.pipeline.map((p) => p.cpuSeconds));
  const events = r.pipeline[0]!.report.events;
  const rawRate = r.messages / rawSeconds;
  const pipelineRate = events / windowSeconds;
  const ratio = pipelineRate / rawRate;
  const fileWindowSeconds = median(r.file.map((f) => f.windowSeconds ?? f.seconds));
  const fileEvents = r.file[0]?.events ?? 0;
  const fileRate = fileEvents / fileWindowSeconds;
  const fileRatio = pipelineRate / fileRate;
  const peakRssMb = Math.max(...r.pipeline.map((p) => p.peakRssMb));
  const findingsMatch = r.pipeline.every((p) => matchesTruth(p.report, truth));
  const fileFindingsMatch = r.file.every((f) => matchesTruth({ findings: f.findings ?? {}, activeFindings: f.activeFindings ?? {} }, truth));
  const last = r.pipeline[r.pipeline.length - 1]!;
  const firstCommit = last.samples.find((s) => s.groupLag < r.messages);
  const atExit = last.samples[last.samples.length - 1]!;
  const drained = last.samples.find((s) => s.groupLag === 0);
  const maxLag = Math.max(...last.samples.map((s) => s.groupLag));
  const report = last.report;

  // CPU µs per event (see the header): the pipeline's over its work span (median over the runs).
  const spans = r.pipeline.map((p) => pipelineWorkSpan(p, r.messages));
  const spanMicros = spans.every((x) => x !== undefined) ? median(spans.map((x) => cpuMicrosPerEvent(x!.cpuSeconds, x!.events)!)) : undefined;
  const wholeMicros = cpuMicrosPerEvent(cpuSeconds, events);
  const rawMicros = cpuMicrosPerEvent(rawCpuSeconds, r.messages);
  const fileCpu = median(r.file.map((f) => f.cpuSeconds));
  const fileMicros = r.file.every((f) => f.work) ? median(r.file.map((f) => cpuMicrosPerEvent(f.work!.cpuSeconds, f.work!.events)!)) : undefined;
  const fileWholeMicros = cpuMicrosPerEvent(fileCpu, fileEvents);
  const fileSeconds = median(r.file.map((f) => f.seconds));
  const filePeakRssMb = Math.max(...r.file.map((f) => f.peakRssMb));

  const verdict = passIf(ratio >= targets.rawRatio);
  const fileVerdict = passIf(fileRatio >= targets.fileRatio);
  const cpuVerdict = spanMicros === undefined ? 'NOT MEASURED' : passIf(spanMicros <= targets.cpuMicros, 'ABOVE TARGET');

  const rows = [
    ['mode', 'messages', 'seconds', 'events/s', 'CPU s', 'CPU µs/event', 'whole µs/event', 'peak RSS'],
    ['raw kafkajs consume', int.format(r.messages), rawSeconds.toFixed(2), int.format(rawRate), rawCpuSeconds.toFixed(1), micros(rawMicros), '—', '—'],
    [
      'pipeline: verity run --once',
      int.format(events),
      windowSeconds.toFixed(2),
      int.format(pipelineRate),
      cpuSeconds.toFixed(1),
      micros(spanMicros),
      micros(wholeMicros),
      `${int.format(peakRssMb)} MB`,
    ],
    [
      'file pipeline (same stream)',
      int.format(fileEvents),
      fileWindowSeconds.toFixed(2),
      int.format(fileRate),
      fileCpu.toFixed(1),
      micros(fileMicros),
      micros(fileWholeMicros),
      `${int.format(filePeakRssMb)} MB`,
    ],
  ];
  const lagRows = [
    ['t (s)', 'group lag', 'metric lag', 'partitions', 'consumed', 'RSS MB', 'CPU s'],
    // The last sample is taken after the process exited (group offsets only).
    ...spread(last.samples, 16).map((s) => [
      s.seconds.toFixed(1),
      int.format(s.groupLag),
      s.metricLag === null ? '—' : int.format(s.metricLag),
      `${s.metricPartitions}/${r.topics.partitions * 2}`,
      s.consumed === null ? '—' : int.format(s.consumed),
      s.rssMb === null ? '—' : int.format(s.rssMb),
      s.cpuSeconds === null ? '—' : s.cpuSeconds.toFixed(1),
    ]),
  ];
  const span = spans[spans.length - 1];
  const text =
    `broker: ${r.brokerSource}; 2 topics × ${r.topics.partitions} partitions; partitions-concurrency ${r.partitionsConcurrency}, batch ${r.batchSize}\n` +
    `produce (verity produce's produceFile): ${int.format(r.messages)} messages in ${r.produce.seconds.toFixed(1)} s ` +
    `(${int.format(r.messages / r.produce.seconds)} msg/s)\n\n` +
    `${table(rows)}\n\n` +
    `ratio Kafka pipeline/file pipeline: ${fileRatio.toFixed(2)} (target ≥ ${targets.fileRatio}) ${fileVerdict}\n` +
    `ratio Kafka pipeline/raw consume: ${ratio.toFixed(2)} (target ≥ ${targets.rawRatio}) ${verdict}\n` +
    `pipeline CPU cost: ${micros(spanMicros)} µs/event (target ≤ ${targets.cpuMicros}) ${cpuVerdict}` +
    `${span ? ` (${span.cpuSeconds.toFixed(1)} s CPU for ${int.format(span.events)} events from ${span.fromSeconds.toFixed(1)} s to exit at ${span.toSeconds.toFixed(1)} s)` : ''}; ` +
    `file pipeline ${micros(fileMicros)} µs/event\n` +
    `seconds: the pipelines' report window (durationMs: connect, join, consume, write, commit, disconnect; the file's: open, read, write, close); the raw consume is timed from connect to disconnect.\n` +
    `CPU s: user + system, all threads (chDB's, PGlite's), whole process (raw: the bench process during the consume); ${availableParallelism()} CPUs, shared with the broker.\n` +
    `CPU µs/event: raw = its CPU s / messages; pipelines = CPU from the first sample with events done to the end (Kafka: exit; file: end of runWithFlags), / the events after that sample\n` +
    `(start-up and the first batch left out, end-of-run work kept; Kafka: /proc every ${r.sampleEveryMs / 1000} s, file: its own every 0.2 s). whole µs/event = the whole process's CPU s / events.\n` +
    `pipeline process: ${processSeconds.toFixed(2)} s from spawn to exit (${(processSeconds - windowSeconds).toFixed(2)} s start-up and shut-down outside the window); ` +
    `file pipeline: ${fileSeconds.toFixed(2)} s timed span\n` +
    `pipeline report: events ${int.format(report.events)} = accepted ${int.format(report.accepted)} + dead-lettered ${int.format(report.deadLettered)}; ` +
    `duplicates ${int.format(report.duplicates)}; issues opened ${int.format(report.issuesOpened)}\n` +
    `pipeline findings = ground truth: ${findingsMatch ? 'yes' : 'NO'}; file pipeline's: ${fileFindingsMatch ? 'yes' : 'NO'}\n\n` +
    `consumer lag of the pipeline's group, last run (group lag: high watermark − committed offset over all partitions, via admin;\n` +
    `metric lag: Σ verity_consumer_lag from its /metrics, over the partitions that have reported; RSS: /proc VmRSS; CPU s: /proc utime + stime):\n` +
    `${table(lagRows)}\n` +
    `first commit seen after ${firstCommit ? `${firstCommit.seconds.toFixed(1)} s` : '—'}; max lag ${int.format(maxLag)}; ` +
    `lag 0 first seen at ${drained ? `${drained.seconds.toFixed(1)} s` : '—'}; group lag after exit: ${int.format(atExit.groupLag)}\n`;
  const summary = {
    rawEventsPerSecond: rawRate,
    pipelineEventsPerSecond: pipelineRate,
    fileEventsPerSecond: fileRate,
    ratio,
    target: targets.rawRatio,
    verdict,
    fileRatio,
    fileRatioTarget: targets.fileRatio,
    fileRatioVerdict: fileVerdict,
    rawCpuMicrosPerEvent: rawMicros,
    pipelineCpuMicrosPerEvent: spanMicros,
    pipelineWholeProcessCpuMicrosPerEvent: wholeMicros,
    fileCpuMicrosPerEvent: fileMicros,
    fileWholeProcessCpuMicrosPerEvent: fileWholeMicros,
    cpuMicrosTarget: targets.cpuMicros,
    cpuVerdict,
    pipelinePeakRssMb: peakRssMb,
    pipelineProcessSeconds: processSeconds,
    pipelineCpuSeconds: cpuSeconds,
    findingsMatchGroundTruth: findingsMatch,
    fileFindingsMatchGroundTruth: fileFindingsMatch,
  };
  return { text, summary };
}
