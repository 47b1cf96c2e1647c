// `npm run bench -- --freshness [--rate 2000] [--seconds 60]`: how soon an event's issue change
// reaches the issue topic at a fixed offered load on the Kafka path.
//
//   1. a broker (as kafka.ts), fresh bench topics: customer and agent changes, dead letters, issues
//   2. a kafkajs consumer on the issue topic, joined before anything is produced; it notes when
//      each issue change arrives (one clock: this process's performance.now())
//   3. the real `verity run --kafka-brokers …` (NOT --once) as a child, with its own group; the
//      bench waits for its /readyz (the consumer has joined its group) before producing
//   4. a rate-limited producer: every BATCH_EVERY_MS, rate × BATCH_EVERY_MS / 1000 lines of the
//      generated stream (fixed-interval batches, scheduled against the start so a late batch is
//      caught up rather than the rate lowered), sent with acks=all as `verity produce` sends; each
//      event's produce time is when its batch was acknowledged, keyed by its eventId
//   5. after `seconds` of producing: wait (bounded) until the pipeline's group has committed
//      everything and the issue consumer has read the issue topic to its end; then SIGTERM the
//      pipeline (it drains gracefully) and wait (bounded) for its exit
// Freshness of an issue change = its arrival − the produce time of its triggering event (the
// issue event's `triggeringEventId`, see pipelines/contract/issue-event.ts). Only the FIRST change
// per event counts, and only events this producer sent: the SLA clock's reminders and breaches
// carry the issue's last (older) event id.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin, type Message } from 'kafkajs';
import { byteLines } from '../../connectors/file/file-source.ts';
import { ensureTopics } from '../../connectors/kafka/kafka-client.ts';
import { routeLine } from '../../connectors/kafka/produce-file.ts';
import { createLogger } from '../../pipelines/runtime/logger.ts';
import { acquireKafka } from '../support/kafka/acquire.ts';
import { freePort } from '../support/kafka/broker.ts';
import { percentiles } from './stats.ts';
import { batchSizeEnv, childEnv, int, table } from './support.ts';
import type { UsageAtExit } from './usage-at-exit.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'pipelines', 'cli', 'main.ts');
const USAGE_AT_EXIT = join(import.meta.dirname, 'usage-at-exit.ts');
const BATCH_EVERY_MS = 50;
/** Issue 9 targets, milliseconds. */
export const FRESHNESS_P50_TARGET_MS = 500;
export const FRESHNESS_P99_TARGET_MS = 2000;
const READY_TIMEOUT_MS = 180_000;
const JOIN_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 90_000;

export interface FreshnessOptions {
  readonly input: string;
  readonly partitions: number;
  /** Offered load, events per second. */
  readonly rate: number;
  /** How long to produce. */
  readonly seconds: number;
  readonly workDir: string;
  /** The pipeline's `--batch-size`; its default when not given. */
  readonly batchSize?: number;
}

export interface FreshnessResult {
  readonly brokerSource: string;
  readonly partitions: number;
  /** The batch size the pipeline was given, or undefined for its default. */
  readonly batchSize: number | undefined;
  readonly rate: number;
  readonly seconds: number;
  /** Events produced, and over how long (first send to last acknowledgement). */
  readonly produced: number;
  readonly produceSeconds: number;
  readonly achievedRate: number;
  /** Batches sent later than BATCH_EVERY_MS after their scheduled time (the producer fell behind). */
  readonly lateBatches: number;
  readonly batches: number;
  /** Issue changes read from the issue topic; those whose event this producer sent; first per event. */
  readonly changes: number;
  readonly changesOfProducedEvents: number;
  readonly freshnessMs: readonly number[];
  /** Whether the pipeline committed everything within the drain timeout, and the lag left. */
  readonly drained: boolean;
  readonly lagLeft: number;
  readonly drainSeconds: number;
  readonly pipelineExit: { readonly code: number | null; readonly signal: string | null; readonly stopSeconds: number };
  readonly pipelineCpuSeconds: number | null;
  readonly pipelinePeakRssMb: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, everyMs = 250): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}

async function lagOf(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const p of ends) {
      const offset = Number(committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1');
      lag += Number(p.high) - (offset >= Number(p.low) ? offset : Number(p.low));
    }
  }
  return lag;
}

export async function runFreshnessBench(opts: FreshnessOptions): Promise<FreshnessResult> {
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const broker = await acquireKafka({ log: (m) => log(`[kafka] ${m}`) });
  if (!broker.available) throw new Error(`no Kafka broker for the bench: ${broker.reason}`);
  const kafka = new Kafka({ clientId: 'verity-bench-freshness', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const prefix = `verity-fresh-${randomBytes(4).toString('hex')}`;
  const topics = {
    customers: `${prefix}.customer.changes`,
    agents: `${prefix}.agent.changes`,
    deadLetters: `${prefix}.customer.changes.dlq`,
    issues: `${prefix}.issues`,
  };
  const issueConsumer = kafka.consumer({ groupId: `${prefix}-issue-reader`, allowAutoTopicCreation: false });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await admin.connect();
    await ensureTopics(kafka, Object.values(topics), opts.partitions, createLogger('warn'));

    // 2. The issue topic's reader, joined before anything is produced.
    const firstArrival = new Map<string, number>(); // triggeringEventId → first arrival
    const arrivals: { eventId: string; at: number }[] = [];
    const readUpTo = new Map<number, number>(); // partition → next offset to read
    let changes = 0;
    const joined = new Promise<void>((resolveJoin) => issueConsumer.on(issueConsumer.events.GROUP_JOIN, () => resolveJoin()));
    await issueConsumer.connect();
    await issueConsumer.subscribe({ topic: topics.issues, fromBeginning: true });
    await issueConsumer.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) {
          changes += 1;
          const eventId = (JSON.parse(message.value?.toString('utf8') ?? '{}') as { triggeringEventId?: string }).triggeringEventId;
          if (eventId !== undefined && !firstArrival.has(eventId)) {
            firstArrival.set(eventId, at);
            arrivals.push({ eventId, at });
          }
        }
        const lastOffset = batch.messages[batch.messages.length - 1]?.offset;
        if (lastOffset !== undefined) readUpTo.set(batch.partition, Number(lastOffset) + 1);
      },
    });
    await Promise.race([joined, sleep(JOIN_TIMEOUT_MS).then(() => Promise.reject(new Error(`the issue topic's reader did not join its group within ${JOIN_TIMEOUT_MS / 1000} s`)))]);

    // 3. The pipeline, long-running.
    const groupId = `${prefix}-pipeline`;
    const metricsPort = await freePort();
    const usageFile = join(opts.workDir, 'freshness-pipeline.usage.json');
    const started = performance.now();
    child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        '--import', USAGE_AT_EXIT,
        CLI,
        'run',
        '--kafka-brokers', broker.brokers.join(','),
        '--group-id', groupId,
        '--customer-topic', topics.customers,
        '--agent-topic', topics.agents,
        '--dead-letter-topic', topics.deadLetters,
        '--issue-topic', topics.issues,
        '--topic-partitions', String(opts.partitions),
        '--data-dir', join(opts.workDir, 'freshness-pipeline'),
        '--metrics-port', String(metricsPort),
        '--log-level', 'warn',
        '--no-progress',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: childEnv({ ...batchSizeEnv(opts.batchSize), VERITY_BENCH_USAGE_FILE: usageFile }) },
    );
    let stderrTail = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4000)));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exited = new Promise<NonNullable<typeof exit>>((resolveExit, reject) => {
      child!.once('error', reject);
      child!.once('exit', (code, signal) => resolveExit((exit = { code, signal })));
    });
    const failIfExited = () => {
      if (exit) throw new Error(`verity run exited early (${exit.signal ?? `exit ${exit.code}`}):\n${stderrTail}`);
    };
    log('starting verity run (long-running) and waiting for /readyz (joined its group) …');
    await waitFor('verity run ready (/readyz 200)', READY_TIMEOUT_MS, async () => {
      failIfExited();
      return fetch(`http://127.0.0.1:${metricsPort}/readyz`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200)
        .catch(() => false);
    });
    log(`ready after ${((performance.now() - started) / 1000).toFixed(1)} s; producing ${int.format(opts.rate)} events/s for ${opts.seconds} s …`);

    // 4. The rate-limited producer.
    await producer.connect();
    const producedAt = new Map<string, number>();
    const perBatch = Math.max(1, Math.round((opts.rate * BATCH_EVERY_MS) / 1000));
    const total = Math.round(opts.rate * opts.seconds);
    const lines = byteLines(createReadStream(opts.input));
    let produced = 0;
    let batches = 0;
    let lateBatches = 0;
    let lastAck = 0;
    let exhausted = false;
    const produceStart = performance.now();
    let nextReport = produceStart + 5000;
    while (produced < total && !exhausted) {
      const customers: Message[] = [];
      const agents: Message[] = [];
      const ids: string[] = [];
      while (customers.length + agents.length < Math.min(perBatch, total - produced)) {
        const next = await lines.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const routed = routeLine(next.value.bytes);
        (routed.topic === 'agent' ? agents : customers).push(routed.message);
        try {
          const eventId = (JSON.parse(next.value.bytes.toString('utf8')) as { eventId?: unknown }).eventId;
          if (typeof eventId === 'string') ids.push(eventId);
        } catch {
          // a malformed line (dead-lettered): no issue change to wait for
        }
      }
      if (customers.length + agents.length === 0) break;
      const due = produceStart + batches * BATCH_EVERY_MS;
      const now = performance.now();
      if (now < due) await sleep(due - now);
      else if (now - due > BATCH_EVERY_MS) lateBatches += 1;
      const topicMessages = [];
      if (customers.length > 0) topicMessages.push({ topic: topics.customers, messages: customers });
      if (agents.length > 0) topicMessages.push({ topic: topics.agents, messages: agents });
      await producer.sendBatch({ topicMessages, acks: -1 });
      lastAck = performance.now();
      for (const id of ids) if (!producedAt.has(id)) producedAt.set(id, lastAck);
      produced += customers.length + agents.length;
      batches += 1;
      if (lastAck >= nextReport) {
        nextReport += 5000;
        failIfExited();
        const lag = await lagOf(admin, groupId, [topics.customers, topics.agents]).catch(() => NaN);
        log(`  ${((lastAck - produceStart) / 1000).toFixed(0)} s: produced ${int.format(produced)}, pipeline lag ${int.format(lag)}, issue changes read ${int.format(changes)}`);
      }
    }
    const produceSeconds = (lastAck - produceStart) / 1000;
    if (exhausted) log(`the generated stream ran out after ${int.format(produced)} events (pass more --customers)`);
    log(`produced ${int.format(produced)} events in ${produceSeconds.toFixed(1)} s (${int.format(produced / produceSeconds)}/s); waiting for the pipeline to commit everything …`);

    // 5. Drain (bounded), read the issue topic to its end, stop the pipeline.
    const drainTimeoutMs = Math.max(120, 3 * opts.seconds) * 1000;
    const drainStart = performance.now();
    let lagLeft = NaN;
    let drained = true;
    let nextDrainReport = drainStart + 10_000;
    await waitFor(
      'the pipeline committing everything',
      drainTimeoutMs,
      async () => {
        failIfExited();
        lagLeft = await lagOf(admin, groupId, [topics.customers, topics.agents]).catch(() => NaN);
        if (performance.now() >= nextDrainReport) {
          nextDrainReport += 10_000;
          log(`  draining: lag ${int.format(lagLeft)}, issue changes read ${int.format(changes)}`);
        }
        return lagLeft === 0;
      },
      500,
    ).catch((error: Error) => {
      drained = false;
      log(`${error.message}: ${int.format(lagLeft)} messages left; freshness below is of the changes read so far (an underestimate)`);
    });
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const issueEnds = await admin.fetchTopicOffsets(topics.issues);
    await waitFor(
      'the issue topic read to its end',
      60_000,
      () => issueEnds.every((p) => (readUpTo.get(p.partition) ?? Number(p.low)) >= Number(p.high)),
    ).catch((error: Error) => log(error.message));

    const stopping = performance.now();
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exitResult = await Promise.race([
      exited,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), EXIT_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    if (exitResult === undefined) {
      child.kill('SIGKILL');
      throw new Error(`verity run did not exit within ${EXIT_TIMEOUT_MS / 1000} s of SIGTERM (killed):\n${stderrTail}`);
    }
    const stopSeconds = (performance.now() - stopping) / 1000;
    if (exitResult.code !== 0) log(`verity run exited with ${exitResult.signal ?? `code ${exitResult.code}`} after SIGTERM:\n${stderrTail}`);
    const usage = await readFile(usageFile, 'utf8')
      .then((t) => JSON.parse(t) as UsageAtExit)
      .catch(() => undefined);

    const freshnessMs: number[] = [];
    for (const { eventId, at } of arrivals) {
      const sent = producedAt.get(eventId);
      if (sent !== undefined) freshnessMs.push(at - sent);
    }
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    return {
      brokerSource: broker.source,
      partitions: opts.partitions,
      batchSize: opts.batchSize,
      rate: opts.rate,
      seconds: opts.seconds,
      produced,
      produceSeconds,
      achievedRate: produced / produceSeconds,
      lateBatches,
      batches,
      changes,
      changesOfProducedEvents: freshnessMs.length,
      freshnessMs,
      drained,
      lagLeft,
      drainSeconds,
      pipelineExit: { code: exitResult.code, signal: exitResult.signal, stopSeconds },
      pipelineCpuSeconds: usage?.cpuSeconds ?? null,
      pipelinePeakRssMb: usage?.peakRssMb ?? null,
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await producer.disconnect().catch(() => undefined);
    await issueConsumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
}

export function formatFreshnessResult(r: FreshnessResult) {
  const p = percentiles(r.freshnessMs, [50, 90, 99, 100]);
  const ms = (n: number) => (Number.isNaN(n) ? '—' : `${int.format(n)} ms`);
  const measured = r.freshnessMs.length > 0;
  // Below target but not drained is no pass: the changes still missing are the slowest.
  const verdictOf = (value: number, target: number) =>
    !measured ? 'NOT MEASURED' : value >= target ? 'ABOVE TARGET' : r.drained ? 'PASS' : 'INCOMPLETE';
  const p50Verdict = verdictOf(p[50], FRESHNESS_P50_TARGET_MS);
  const p99Verdict = verdictOf(p[99], FRESHNESS_P99_TARGET_MS);
  const incomplete = r.drained ? '' : ' (INCOMPLETE: the pipeline had not caught up, so the slowest changes are missing)';
  const rows = [
    ['changes', 'p50', 'p90', 'p99', 'max'],
    [int.format(r.freshnessMs.length), ms(p[50]), ms(p[90]), ms(p[99]), ms(p[100])],
  ];
  const text =
    `broker: ${r.brokerSource}; 4 topics (customers, agents, dead letters, issues) × ${r.partitions} partitions; ${availableParallelism()} CPUs shared by the broker, the pipeline and this producer\n` +
    `offered load: ${int.format(r.rate)} events/s in batches every ${BATCH_EVERY_MS} ms; produced ${int.format(r.produced)} events in ${r.produceSeconds.toFixed(1)} s = ` +
    `${int.format(r.achievedRate)} events/s achieved (${r.lateBatches} of ${r.batches} batches sent over ${BATCH_EVERY_MS} ms late)\n` +
    `pipeline: ${r.drained ? `committed everything ${r.drainSeconds.toFixed(1)} s after the last produce` : `NOT caught up within ${r.drainSeconds.toFixed(0)} s: lag ${int.format(r.lagLeft)}`}; ` +
    `SIGTERM → exit ${r.pipelineExit.signal ?? r.pipelineExit.code} in ${r.pipelineExit.stopSeconds.toFixed(1)} s; ` +
    `CPU ${r.pipelineCpuSeconds === null ? '—' : `${r.pipelineCpuSeconds.toFixed(1)} s`}, peak RSS ${r.pipelinePeakRssMb === null ? '—' : `${int.format(r.pipelinePeakRssMb)} MB`}\n` +
    `issue changes read: ${int.format(r.changes)}; first change of an event this producer sent: ${int.format(r.changesOfProducedEvents)}\n\n` +
    `freshness = arrival on the issue topic − produce acknowledgement of the triggering event (first change per event):\n${table(rows)}\n\n` +
    `freshness p50: ${ms(p[50])} (target < ${FRESHNESS_P50_TARGET_MS} ms) ${p50Verdict}${incomplete}\n` +
    `freshness p99: ${ms(p[99])} (target < ${FRESHNESS_P99_TARGET_MS} ms) ${p99Verdict}${incomplete}\n`;
  const { freshnessMs, ...rest } = r;
  const summary = {
    ...rest,
    p50Ms: measured ? p[50] : null,
    p90Ms: measured ? p[90] : null,
    p99Ms: measured ? p[99] : null,
    maxMs: measured ? p[100] : null,
    p50TargetMs: FRESHNESS_P50_TARGET_MS,
    p99TargetMs: FRESHNESS_P99_TARGET_MS,
    p50Verdict,
    p99Verdict,
    complete: r.drained,
    // Every measurement, rounded to 0.1 ms, in arrival order.
    freshnessMs: freshnessMs.map((x) => Math.round(x * 10) / 10),
  };
  return { text, summary };
}
