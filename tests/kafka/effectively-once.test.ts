// Crash safety of the Kafka mode: a long-running consumer SIGKILLed at chosen points and restarted
// on the same data dir, then a SIGTERMed one, must end with exactly the tables a clean single run
// produces: nothing lost, nothing doubled. Idempotence rests on the state store: a batch's state,
// the event ids it applied and its analytics output commit in one transaction, so a re-delivered
// event is skipped as applied, and an output whose analytics write a crash interrupted is written
// again, unchanged, when the partition is next taken over (the same rows under the same
// deduplication tokens); kafkajs cuts re-delivered batches differently, which is why the ids of
// what was applied decide, not the batch boundaries.
//
// Where each start dies is drawn from CRASH_SEED (printed; VERITY_CRASH_SEED replays or explores
// another schedule) and counted in the process's own progress: the k-th committed batch, the k-th
// batch written but not committed, the k-th batch half-written. Never in wall time, so a slow
// machine moves no kill point, and every wait ends with a message saying what did not happen.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { Rng } from '../../pipelines/generate/rng.ts';
import { FAILPOINT_ENV, type FailpointName } from '../../pipelines/runtime/failpoints.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { exitOf, metricsUrlOf, spawnVerity, verity } from '../e2e/support.ts';
import { describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { dumpStore, kafkaRunArgs, expectSameTables, type StoreDump } from './support.ts';

const CUSTOMERS = 1500;
const SEED = 4242;
const BATCH_SIZE = 50;
const CRASH_SEED = Number(process.env['VERITY_CRASH_SEED'] ?? 20260928);
const STARTED = 'kafka consumer started';
const REPAIRED = 'wrote the analytics output of batches a previous run committed but did not finish writing';
// Tokens (and so issue ids) depend on the key: every run compared here must share one.
const ENV = { VERITY_TOKEN_KEY: 'a5'.repeat(32) };
/** Generous bounds on waits for progress; they fail the test with the child's log, never hang it. */
const START_MS = 120_000;
const PROGRESS_MS = 120_000;

/**
 * How each of the five starts ends: at the `pass`-th time it reaches a failpoint, or (`repaired`)
 * killed by the test as soon as it has undone the batch the previous start left half-written.
 */
type Death = { readonly failpoint: FailpointName; readonly pass: number } | 'repaired';

function crashSchedule(seed: number): Death[] {
  const rng = new Rng(seed);
  const anywhere: readonly FailpointName[] = ['batch.after-commit', 'batch.before-commit', 'store.write.before-records', 'store.write.before-confirm'];
  const at = (failpoint: FailpointName): Death => ({ failpoint, pass: rng.int(2, 6) });
  // The 2nd start always dies mid-batch, so the 3rd must find and undo a half-written batch.
  return [at(rng.pick(anywhere)), at('store.write.before-records'), 'repaired', at(rng.pick(anywhere)), at(rng.pick(anywhere))];
}

const describeDeath = (d: Death) => (d === 'repaired' ? 'SIGKILL once repaired' : `${d.failpoint}:${d.pass}`);

/** The sum over a metric's series in a Prometheus text scrape. */
async function scrape(endpoint: string, name: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describeKafka('verity run on Kafka survives crashes and restarts', () => {
  const { brokers } = useKafka();
  const brokerList = brokers.join(',');
  const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-eo-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('eo-customers'), agents: uniqueTopic('eo-agents') };
  let truth: GroundTruth;
  let clean: StoreDump;

  const runArgs = (dataDir: string, group: string, extra: readonly string[] = []) =>
    kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: BATCH_SIZE, partitionsConcurrency: 3, extra });

  const expectSameAsClean = (dump: StoreDump) => expectSameTables(dump, clean, 'per-partition');

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokerList, '--topic', topics.customers, '--agent-topic', topics.agents]);
    expect(produced.status, produced.stderr).toBe(0);

    const cleanDir = join(dir, 'clean');
    const run = verity([...runArgs(cleanDir, uniqueTopic('eo-clean')), '--once', '--log-level', 'warn'], ENV);
    expect(run.status, run.stderr.slice(-5000)).toBe(0);
    clean = await dumpStore(cleanDir);
    expect(clean.eventIds).toHaveLength(truth.expectedDistinctEvents);
    expect(clean.deadLetterIds).toHaveLength(truth.expectedDeadLettered);
  });

  it('SIGKILLed 5 times at seeded points in its progress, once mid-batch, and restarted: the same tables as a clean run', { timeout: 600_000 }, async () => {
    const schedule = crashSchedule(CRASH_SEED);
    console.log(`crash schedule (CRASH_SEED=${CRASH_SEED}, VERITY_CRASH_SEED to replay): ${schedule.map(describeDeath).join(', ')}`);
    // Each start must still have batches ahead of it when it reaches its kill point, or it would
    // wait, caught up, for a batch that never comes: keep the points well inside the stream.
    const passes = schedule.reduce((sum, d) => sum + (d === 'repaired' ? 1 : d.pass), 0);
    expect(passes, 'the crash schedule asks for more batches than the stream has').toBeLessThan(truth.lines / BATCH_SIZE / 2);

    const dataDir = join(dir, 'chaos');
    const group = uniqueTopic('eo-chaos');
    const logs: string[] = [];
    for (const [i, death] of schedule.entries()) {
      const what = `start ${i + 1} (${describeDeath(death)})`;
      const child = spawnVerity(runArgs(dataDir, group), death === 'repaired' ? ENV : { ...ENV, [FAILPOINT_ENV]: `${death.failpoint}:${death.pass}` });
      try {
        await child.waitFor(STARTED, START_MS);
        if (death === 'repaired') {
          await child.waitFor(REPAIRED, PROGRESS_MS);
          child.process.kill('SIGKILL');
        }
        const exit = await exitOf(child, PROGRESS_MS, `${what} to die`);
        expect(exit.signal, `${what}:\n${child.stderr.slice(-3000)}`).toBe('SIGKILL');
        if (death !== 'repaired') expect(child.stderr, what).toContain(`${FAILPOINT_ENV}: dying at ${death.failpoint} (pass ${death.pass})`);
      } finally {
        child.process.kill('SIGKILL');
        logs.push(child.stderr);
      }
    }
    const reportFile = join(dir, 'chaos-report.json');
    const last = verity([...runArgs(dataDir, group), '--once', '--report', reportFile], ENV);
    // The processes' logs stay next to the stores for diagnosis when this fails.
    writeFileSync(join(dir, 'chaos-logs.txt'), [...logs, last.stderr].join('\n==== restart ====\n'));
    expect(last.status, last.stderr.slice(-5000)).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    expect(report.accepted + report.deadLettered).toBe(report.events);
    // The last run still had work: the kills landed inside the stream, not after its end.
    expect(report.events).toBeGreaterThan(0);
    expectSameAsClean(await dumpStore(dataDir));
  });

  it('SIGTERM stops gracefully with exit 0 once it has consumed a batch, and a restart finishes with nothing lost', { timeout: 300_000 }, async () => {
    const dataDir = join(dir, 'graceful');
    const group = uniqueTopic('eo-graceful');
    const child = spawnVerity(runArgs(dataDir, group, ['--metrics-port', 'auto']), ENV);
    try {
      const endpoint = await metricsUrlOf(child, START_MS);
      await child.waitFor(STARTED, START_MS);
      await expect
        .poll(() => scrape(endpoint, METRIC_NAMES.consumed), { timeout: PROGRESS_MS, interval: 50, message: `no batch consumed; the log ends:\n${child.stderr.slice(-2000)}` })
        .toBeGreaterThan(0);
      const signalledAt = performance.now();
      child.process.kill('SIGTERM');
      const exit = await exitOf(child, 60_000, 'a graceful stop after SIGTERM');
      expect(exit.code, child.stderr.slice(-3000)).toBe(0);
      expect(performance.now() - signalledAt).toBeLessThan(30_000);
      expect(child.stderr).toContain('stop requested');
    } finally {
      child.process.kill('SIGKILL');
    }

    const last = verity([...runArgs(dataDir, group), '--once'], ENV);
    expect(last.status, last.stderr.slice(-5000)).toBe(0);
    expectSameAsClean(await dumpStore(dataDir));
  });
});
