// Issue 7 §3 "Outages" on Kafka, with real processes: a `verity run` member, a real broker, and its
// PostgreSQL state store (a server of this test's own, killed and restarted in place).
// - The server killed for ~10 s mid-run: the member waits, /readyz answers 503 naming the state
//   store, it stays in its group and pauses, resumes once the server is back, and ends with exactly
//   a clean run's tables and state.
// - The server gone for longer than the retry budget: exit 1 with a clear message, and nothing
//   committed past the last durable batch: a later run of the same group ends exact.
// The file-input cases, and a store unreachable at start, are in tests/e2e/state-outage.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { PATTERN_RULE_IDS, type GroundTruth } from '../../pipelines/generate/index.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { exitOf, metricsUrlOf, spawnVerity, verity } from '../e2e/support.ts';
import { describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase, describePostgres, startDedicatedPostgres, type PostgresServer } from '../support/postgres/use-postgres.ts';
import { sample, until } from '../support/probes.ts';
import { dumpState, type StateDump } from '../support/store-dump.ts';
import { killStateServerAndObserve } from '../support/state-outage-checks.ts';
import { dumpStore, expectSameTables, generateOnTopics, kafkaRunArgs, type StoreDump } from './support.ts';

const ENV = { VERITY_TOKEN_KEY: '4b'.repeat(32) };
const JOINED = /"msg":"kafka consumer started: consuming"/g;
const PATTERN_RULES = new Set<string>(PATTERN_RULE_IDS);

/**
 * The state a Kafka run leaves, as far as it must not depend on how partitions interleave (see
 * expectSameTables' 'per-partition'): active findings per rule and customer; open issues of
 * per-record rules with their ids and versions (a version bumped twice is an event applied twice);
 * open pattern issues per rule and customer; and the rows that count applied events and known facts.
 */
function expectSameStatePerPartition(state: StateDump, clean: StateDump): void {
  const split = (d: StateDump) => {
    const record = d.openIssues.filter((i) => !PATTERN_RULES.has(i.split('|')[1]!));
    const pattern = d.openIssues
      .filter((i) => PATTERN_RULES.has(i.split('|')[1]!))
      .map((i) => i.split('|').slice(1, 3).join('|'))
      .sort();
    return { record, pattern };
  };
  expect(state.activeFindings).toEqual(clean.activeFindings);
  expect(split(state)).toEqual(split(clean));
  const counted = (d: StateDump) => ({
    applied: d.tableRows['applied'],
    customers: d.tableRows['customers'],
    agents: d.tableRows['agents'],
    holders: d.tableRows['holders'],
    pending_outputs: d.tableRows['pending_outputs'],
  });
  expect(counted(state)).toEqual(counted(clean));
  expect(state.tableRows['pending_outputs']).toBe(0);
}

describeKafka('verity run on Kafka through PostgreSQL state store outages', () => {
  describePostgres(
    'with a state server of its own',
    () => {
      const { brokers } = useKafka();
      const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-state-outage-'));
      const stream = join(dir, 'stream.jsonl');
      const topics = { customers: uniqueTopic('sout-customers'), agents: uniqueTopic('sout-agents') };
      let truth: GroundTruth;
      let server: PostgresServer;
      let clean: { store: StoreDump; state: StateDump; report: RunReport };

      const runArgs = (dataDir: string, group: string, state: string, extra: readonly string[]) =>
        kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: 100, partitionsConcurrency: 2, extra: ['--state', state, ...extra] });

      beforeAll(async () => {
        truth = await generateOnTopics(brokers, topics, stream, 1500, 7227);
        server = await startDedicatedPostgres();
        const cleanDir = join(dir, 'clean');
        const cleanState = await createDatabase(server.url);
        const run = verity([...runArgs(cleanDir, uniqueTopic('sout-clean'), cleanState, []), '--once', '--log-level', 'warn'], ENV);
        expect(run.status, run.stderr.slice(-3000)).toBe(0);
        clean = { store: await dumpStore(cleanDir), state: await dumpState(cleanState), report: JSON.parse(run.stdout) as RunReport };
        expect(clean.store.eventIds).toHaveLength(truth.expectedDistinctEvents);
        expect(clean.state.openIssues.length).toBeGreaterThan(0);
      });

      afterAll(async () => {
        await server?.destroy();
      });
      // A test that failed half-way may have left the server down: each one starts with it up.
      beforeEach(async () => {
        if (!server.running) await server.restart();
      });

      it('waits out the state server killed for 10 s: 503 naming it, paused, in its group, then exact', { timeout: 300_000 }, async () => {
        const state = await createDatabase(server.url);
        const runDir = join(dir, 'killed');
        const member = spawnVerity(runArgs(runDir, uniqueTopic('sout-killed'), state, ['--metrics-port', 'auto', '--once', '--store-retry-seconds', '240']), ENV);
        const metrics = await metricsUrlOf(member);
        const joins = () => [...member.stderr.matchAll(JOINED)].length;
        let joinsBefore = 0;
        await killStateServerAndObserve(server, metrics, truth.lines, () => member.process.exitCode === null, {
          atOutage: () => (joinsBefore = joins()),
          // Still a member: no rejoin while it waited.
          afterWait: () => expect(joins()).toBe(joinsBefore),
        });

        await server.restart();
        const exit = await exitOf(member, 240_000, 'the member to finish once PostgreSQL is back');
        writeFileSync(join(dir, 'killed-log.txt'), member.stderr);
        expect(exit.code, member.stderr.slice(-3000)).toBe(0);
        expect(member.stderr).toContain('consumption paused');
        expect(member.stderr).toContain('state available again: consumption resumed');
        const report = JSON.parse(member.stdout) as RunReport;
        expect(report.accepted + report.deadLettered).toBe(report.events);
        // Nothing counted twice: the stream's own duplicates only, as in the clean run.
        expect(report.duplicates).toBe(clean.report.duplicates);
        expect(report.activeFindings).toEqual(clean.report.activeFindings);
        expectSameTables(await dumpStore(runDir), clean.store, 'per-partition');
        expectSameStatePerPartition(await dumpState(state), clean.state);
      });

      it('stops with exit 1 once the retry budget is spent, and commits nothing past the last durable batch', { timeout: 300_000 }, async () => {
        const state = await createDatabase(server.url);
        const runDir = join(dir, 'budget');
        const group = uniqueTopic('sout-budget');
        const member = spawnVerity(runArgs(runDir, group, state, ['--metrics-port', 'auto', '--once', '--store-retry-seconds', '5']), ENV);
        const metrics = await metricsUrlOf(member);
        await until('a first batch done', async () => (sample(await (await fetch(`${metrics}/metrics`)).text(), METRIC_NAMES.consumed) > 0 ? true : undefined), 120_000);
        await server.stop('kill');
        const exit = await exitOf(member, 120_000, 'the member to give up');
        writeFileSync(join(dir, 'budget-log.txt'), member.stderr);
        expect(exit.code, member.stderr.slice(-3000)).toBe(1);
        expect(member.stderr).toMatch(/verity: STORE_UNAVAILABLE: .*: still failing after \d+ s and \d+ attempts \(the retry budget\): state store: /);
        expect(member.stderr).not.toContain(new URL(server.url).password);

        // Whatever the member committed (offsets, state) was durable: the same group, run again
        // once the server is back, ends with exactly what a clean run holds.
        await server.restart();
        const again = verity([...runArgs(runDir, group, state, []), '--once', '--log-level', 'warn'], ENV);
        expect(again.status, again.stderr.slice(-3000)).toBe(0);
        expectSameTables(await dumpStore(runDir), clean.store, 'per-partition');
        expectSameStatePerPartition(await dumpState(state), clean.state);
      });
    },
    { dedicated: true },
  );
});
