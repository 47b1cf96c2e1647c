// Crash safety of the Kafka mode: a long-running consumer SIGKILLed at random points and restarted
// on the same data dir, then a SIGTERMed one, must end with exactly the tables a clean single run
// produces: nothing lost, nothing doubled. Idempotence rests on event ids (the pipeline skips
// events whose record is stored), on records being written last, and on the start-up repair of an
// interrupted batch; the insert de-duplication token alone cannot do it, because kafkajs cuts
// batches differently on re-delivery.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { FAILPOINT_ENV } from '../../pipelines/runtime/failpoints.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { spawnVerity, verity } from '../e2e/support.ts';
import { describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { dumpStore, kafkaRunArgs, expectSameTables, type StoreDump } from './support.ts';

const CUSTOMERS = 1500;
const SEED = 4242;
const STARTED = 'kafka consumer started';
// Tokens (and so issue ids) depend on the key: every run compared here must share one.
const ENV = { VERITY_TOKEN_KEY: 'a5'.repeat(32) };

describeKafka('verity run on Kafka survives crashes and restarts', () => {
  const { brokers } = useKafka();
  const brokerList = brokers.join(',');
  const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-eo-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('eo-customers'), agents: uniqueTopic('eo-agents') };
  let truth: GroundTruth;
  let clean: StoreDump;

  const runArgs = (dataDir: string, group: string, extra: readonly string[] = []) =>
    kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: 150, partitionsConcurrency: 3, extra });

  const expectSameAsClean = (dump: StoreDump) => expectSameTables(dump, clean);

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

  it('SIGKILLed 5 times, once mid-batch, and restarted: the same tables as a clean run', { timeout: 300_000 }, async () => {
    const dataDir = join(dir, 'chaos');
    const group = uniqueTopic('eo-chaos');
    const logs: string[] = [];
    for (let kill = 0; kill < 5; kill++) {
      // The 2nd start dies between the inserts of its 3rd batch, so one restart must find and
      // undo a half-written batch; the others die wherever a random SIGKILL lands.
      const midBatch = kill === 1;
      const child = spawnVerity(runArgs(dataDir, group), midBatch ? { ...ENV, [FAILPOINT_ENV]: 'store.write.before-records:3' } : ENV);
      await child.waitFor(STARTED, 120_000);
      // The start after the mid-batch death finds that batch and undoes it before it goes on.
      if (kill === 2) await child.waitFor('previous writer left a batch half-written', 60_000);
      if (!midBatch) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 1200)));
        child.process.kill('SIGKILL');
      }
      expect((await child.exited).signal, child.stderr.slice(-3000)).toBe('SIGKILL');
      if (midBatch) expect(child.stderr).toContain(`${FAILPOINT_ENV}: dying at store.write.before-records`);
      logs.push(child.stderr);
    }
    const reportFile = join(dir, 'chaos-report.json');
    const last = verity([...runArgs(dataDir, group), '--once', '--report', reportFile], ENV);
    expect(last.status, last.stderr.slice(-5000)).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    expect(report.accepted + report.deadLettered).toBe(report.events);
    writeFileSync(join(dir, 'chaos-logs.txt'), [...logs, last.stderr].join('\n==== restart ====\n'));
    // The processes' logs stay next to the stores for diagnosis when this fails.
    expectSameAsClean(await dumpStore(dataDir));
  });

  it('SIGTERM stops gracefully with exit 0, and a restart finishes with nothing lost', { timeout: 180_000 }, async () => {
    const dataDir = join(dir, 'graceful');
    const group = uniqueTopic('eo-graceful');
    const child = spawnVerity(runArgs(dataDir, group), ENV);
    await child.waitFor(STARTED, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const signalledAt = Date.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit.code, child.stderr.slice(-3000)).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(30_000);
    expect(child.stderr).toContain('stop requested');

    const last = verity([...runArgs(dataDir, group), '--once'], ENV);
    expect(last.status, last.stderr.slice(-5000)).toBe(0);
    expectSameAsClean(await dumpStore(dataDir));
  });
});
