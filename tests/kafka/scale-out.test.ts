// Scale-out: two `verity run` processes in one consumer group share the partitions and one store
// (the embedded engine served over HTTP by `verity store serve`). One of them dies in the middle
// of writing a batch; the survivor takes its partitions over, writes the batch's committed output again,
// finishes the stream, and the tables equal a single process's run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { FAILPOINT_ENV } from '../../pipelines/runtime/failpoints.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { metricsUrlOf, serveStore, spawnVerity, verity } from '../e2e/support.ts';
import { createTopic, describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { requirePostgres } from './support.ts';
import { dumpStore, kafkaRunArgs, expectSameTables, waitForGroupCaughtUp } from './support.ts';

const CUSTOMERS = 2000;
const SEED = 5150;
const PARTITIONS = 6;
// Tokens (and so issue ids) depend on the key: both members and the clean run share one.
const ENV = { VERITY_TOKEN_KEY: '5c'.repeat(32) };
const STARTED = /"msg":"kafka consumer started: consuming"/g;

describeKafka('two verity run processes in one consumer group', () => {
  const { brokers } = useKafka();
  const brokerList = brokers.join(',');
  const dir = mkdtempSync(join(tmpdir(), 'verity-scale-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('so-customers'), agents: uniqueTopic('so-agents') };
  let truth: GroundTruth;
  let server: Awaited<ReturnType<typeof serveStore>> | undefined;

  const runArgs = (dataDir: string, group: string, extra: readonly string[] = []) =>
    kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: 100, partitionsConcurrency: 2, extra });

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    await createTopic(brokers, topics.customers, PARTITIONS);
    await createTopic(brokers, topics.agents, PARTITIONS);
    server = await serveStore(join(dir, 'shared'));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('shares the partitions; when one dies mid-batch the survivor finishes with the same tables', { timeout: 300_000 }, async () => {
    // Members of one group share one analytics store and one state store (a PostgreSQL server).
    const store = ['--store', server!.url, '--state', await createDatabase(requirePostgres().url)];
    const group = uniqueTopic('so-group');
    // Both members join and split the partitions before any event exists; the doomed one then
    // dies between the inserts of its 4th batch, leaving that batch half-written.
    const doomed = spawnVerity(runArgs(join(dir, 'a'), group, store), { ...ENV, [FAILPOINT_ENV]: 'store.write.before-records:4' });
    await doomed.waitFor('kafka consumer started', 120_000);
    const survivor = spawnVerity(
      runArgs(join(dir, 'b'), group, [...store, '--report', join(dir, 'survivor-report.json'), '--metrics-port', 'auto']),
      ENV,
    );
    const endpoint = await metricsUrlOf(survivor);
    await survivor.waitFor('kafka consumer started', 120_000);
    await expect.poll(() => [...doomed.stderr.matchAll(STARTED)].length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    const split = /"assignment":(\{[^}]*\})/.exec(survivor.stderr)?.[1];
    expect(split, 'the survivor got partitions in the shared assignment').toMatch(/\[\d/);

    const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokerList, '--topic', topics.customers, '--agent-topic', topics.agents]);
    expect(produced.status, produced.stderr).toBe(0);

    const died = await doomed.exited;
    expect(died.signal, doomed.stderr.slice(-3000)).toBe('SIGKILL');
    expect(doomed.stderr).toContain(`${FAILPOINT_ENV}: dying at store.write.before-records`);
    await waitForGroupCaughtUp(brokers, group, [topics.customers, topics.agents]);
    // The survivor's endpoint: ready, and a lag series for each of the 2 × 6 partitions it now
    // holds, polled from the broker down to zero.
    expect((await fetch(`${endpoint}/readyz`)).status).toBe(200);
    await expect
      .poll(async () => {
        const lags = (await (await fetch(`${endpoint}/metrics`)).text()).split('\n').filter((l) => l.startsWith(`${METRIC_NAMES.consumerLag}{`));
        return { series: lags.length, behind: lags.filter((l) => !l.endsWith(' 0')).length };
      }, { timeout: 30_000 })
      .toEqual({ series: 2 * PARTITIONS, behind: 0 });
    survivor.process.kill('SIGTERM');
    const finished = await survivor.exited;
    writeFileSync(join(dir, 'logs.txt'), `==== doomed ====\n${doomed.stderr}\n==== survivor ====\n${survivor.stderr}`);
    expect(finished.code, survivor.stderr.slice(-5000)).toBe(0);
    // It took the dead member's partitions over and undid the batch it left behind.
    expect([...survivor.stderr.matchAll(STARTED)].length).toBeGreaterThanOrEqual(2);
    expect(survivor.stderr).toContain('wrote the analytics output of batches a previous run committed but did not finish writing');
    const report = JSON.parse(readFileSync(join(dir, 'survivor-report.json'), 'utf8')) as RunReport;
    expect(report.accepted + report.deadLettered).toBe(report.events);
    const shared = await dumpStore(server!.url);

    // The same stream through one process, into its own embedded store.
    const cleanDir = join(dir, 'clean');
    const run = verity([...runArgs(cleanDir, uniqueTopic('so-clean')), '--once', '--log-level', 'warn'], ENV);
    expect(run.status, run.stderr.slice(-5000)).toBe(0);
    const clean = await dumpStore(cleanDir);
    expect(clean.eventIds).toHaveLength(truth.expectedDistinctEvents);
    expectSameTables(shared, clean, 'per-partition');
  });
});
