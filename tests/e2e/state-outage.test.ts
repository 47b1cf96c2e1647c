// Issue 7 §3 "Outages" on the file path: the operational store (a real PostgreSQL 17 server of
// this test's own) going away in the middle of a `verity run --once --state postgres://…`.
// - Killed (SIGKILL of the postmaster and its backends) for ~10 s and restarted on the same port
//   with the same data: the run waits, /readyz answers 503 naming the state store, nothing more is
//   consumed meanwhile, and it ends with exit 0 and exactly a clean run's analytics tables and
//   PostgreSQL state (nothing lost, nothing applied twice).
// - Gone for longer than the retry budget: exit 1 with a clear message; a rerun once the server is
//   back ends with exactly a clean run's tables and state.
// - Not reachable at start (a closed port), or refusing the credentials: a clear failure naming the
//   store (never its password) and what to fix, within the budget, not a hang.
// Real processes throughout: the CLI, and `postgres` (tests/support/postgres/server.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { sample, until } from '../support/probes.ts';
import { freePort } from '../support/postgres/server.ts';
import { createDatabase, describePostgres, startDedicatedPostgres, type PostgresServer } from '../support/postgres/use-postgres.ts';
import { dumpState, dumpStore, expectSameTables, type StateDump, type StoreDump } from '../support/store-dump.ts';
import { killStateServerAndObserve } from '../support/state-outage-checks.ts';
import { exitOf, metricsUrlOf, spawnVerity, verity } from './support.ts';

const ENV = { VERITY_TOKEN_KEY: '5c'.repeat(32) };

/** The state a run leaves that must not depend on outages: what is active and open, and how many rows of each table. */
function expectSameState(state: StateDump, clean: StateDump): void {
  expect(state.activeFindings).toEqual(clean.activeFindings);
  // Issue ids and versions: an event applied twice would have bumped a version.
  expect(state.openIssues).toEqual(clean.openIssues);
  expect(state.tableRows).toEqual(clean.tableRows);
  // Every committed batch's analytics output was written and confirmed.
  expect(state.tableRows['pending_outputs']).toBe(0);
}

describePostgres(
  'verity run on a file while its PostgreSQL state store goes away',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-state-outage-'));
    const stream = join(dir, 'stream.jsonl');
    let truth: GroundTruth;
    let server: PostgresServer;
    let clean: { store: StoreDump; state: StateDump; report: RunReport };

    const runArgs = (dataDir: string, state: string, extra: readonly string[] = []) => [
      'run', '--input', stream, '--once', '--no-progress', '--batch-size', '100', '--data-dir', dataDir, '--state', state, ...extra,
    ];

    beforeAll(async () => {
      const generated = verity(['generate', '--customers', '2000', '--seed', '7117', '--out', stream]);
      expect(generated.status, generated.stderr).toBe(0);
      truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
      server = await startDedicatedPostgres();
      const cleanDir = join(dir, 'clean');
      const cleanState = await createDatabase(server.url);
      const run = verity([...runArgs(cleanDir, cleanState), '--log-level', 'warn'], ENV);
      expect(run.status, run.stderr.slice(-3000)).toBe(0);
      clean = { store: await dumpStore(cleanDir), state: await dumpState(cleanState), report: JSON.parse(run.stdout) as RunReport };
      expect(clean.store.eventIds).toHaveLength(truth.expectedDistinctEvents);
      expect(clean.state.openIssues.length).toBeGreaterThan(0);
      expect(clean.state.tableRows['applied']).toBeGreaterThan(0);
    });

    afterAll(async () => {
      await server?.destroy();
    });
    // A test that failed half-way may have left the server down: each one starts with it up.
    beforeEach(async () => {
      if (!server.running) await server.restart();
    });

    it('waits out the server killed for 10 s: 503 naming the state store, paused, then exact', { timeout: 300_000 }, async () => {
      const state = await createDatabase(server.url);
      const runDir = join(dir, 'killed');
      const child = spawnVerity(runArgs(runDir, state, ['--metrics-port', 'auto', '--store-retry-seconds', '240']), ENV);
      const metrics = await metricsUrlOf(child);
      await killStateServerAndObserve(server, metrics, truth.lines, () => child.process.exitCode === null);

      await server.restart();
      const exit = await exitOf(child, 240_000, 'the run to finish once PostgreSQL is back');
      writeFileSync(join(dir, 'killed-log.txt'), child.stderr);
      expect(exit.code, child.stderr.slice(-3000)).toBe(0);
      expect(child.stderr).toContain('state unavailable: retrying with backoff, consumption paused');
      expect(child.stderr).toContain('state available again: consumption resumed');
      const report = JSON.parse(child.stdout) as RunReport;
      expect(report.events).toBe(truth.lines);
      expect(report.accepted + report.deadLettered).toBe(report.events);
      // Nothing counted twice: the stream's own duplicates only, as in the clean run.
      expect(report.duplicates).toBe(clean.report.duplicates);
      expect(report.activeFindings).toEqual(clean.report.activeFindings);
      expect(report.issues).toEqual(clean.report.issues);

      expectSameTables(await dumpStore(runDir), clean.store, 'same');
      expectSameState(await dumpState(state), clean.state);
    });

    it('stops with exit 1 once the retry budget is spent; a rerun after the server is back ends exact', { timeout: 300_000 }, async () => {
      const state = await createDatabase(server.url);
      const runDir = join(dir, 'budget');
      const child = spawnVerity(runArgs(runDir, state, ['--metrics-port', 'auto', '--store-retry-seconds', '5']), ENV);
      const metrics = await metricsUrlOf(child);
      await until('a first batch done', async () => (sample(await (await fetch(`${metrics}/metrics`)).text(), METRIC_NAMES.consumed) > 0 ? true : undefined), 120_000);
      await server.stop('kill');
      const exit = await exitOf(child, 120_000, 'the run to give up');
      writeFileSync(join(dir, 'budget-log.txt'), child.stderr);
      expect(exit.code, child.stderr.slice(-3000)).toBe(1);
      expect(child.stderr).toMatch(/verity: STORE_UNAVAILABLE: .*: still failing after \d+ s and \d+ attempts \(the retry budget\): state store: /);
      expect(child.stderr).not.toContain(new URL(server.url).password);
      expect(child.stdout).toBe('');

      // What the run committed is durable and complete: the same data dir and database, run again
      // once the server is back, hold exactly what a clean run does.
      await server.restart();
      const again = verity([...runArgs(runDir, state), '--log-level', 'warn'], ENV);
      expect(again.status, again.stderr.slice(-3000)).toBe(0);
      const report = JSON.parse(again.stdout) as RunReport;
      expect(report.activeFindings).toEqual(clean.report.activeFindings);
      expect(report.issues.open).toBe(clean.report.issues.open);
      expectSameTables(await dumpStore(runDir), clean.store, 'same');
      expectSameState(await dumpState(state), clean.state);
    });

    it('fails at once, naming the store and the fix, when nothing listens at the state URL', { timeout: 120_000 }, async () => {
      const port = await freePort();
      const started = Date.now();
      const run = verity(runArgs(join(dir, 'closed'), `postgres://verity:closed-port-secret@127.0.0.1:${port}/x`, ['--store-retry-seconds', '5']), ENV, undefined, 90_000);
      const took = Date.now() - started;
      expect(run.status, run.stderr.slice(-3000)).toBe(1);
      expect(took).toBeLessThan(60_000);
      expect(run.stdout).toBe('');
      const last = run.stderr.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(
        /^verity: STORE_UNAVAILABLE: cannot open the state store, PostgreSQL at 127\.0\.0\.1:\d+\/x: opening the state store: still failing after \d+ s and \d+ attempts \(the retry budget\): state store: .*ECONNREFUSED\. Check that the server is running/,
      );
      expect(last).toContain(`PostgreSQL at 127.0.0.1:${port}/x:`);
      expect(last).toMatch(/--state .*VERITY_STATE_URL/);
      expect(run.stderr).not.toContain('closed-port-secret');
    });

    it('fails at once, naming the store and the fix, when the server refuses the password', { timeout: 120_000 }, async () => {
      const wrong = new URL(await createDatabase(server.url));
      wrong.password = 'not-the-password';
      const started = Date.now();
      // A budget far longer than the test: a refused password is not an outage to wait out.
      const run = verity(runArgs(join(dir, 'refused'), wrong.toString(), ['--store-retry-seconds', '600']), ENV, undefined, 90_000);
      expect(run.status, run.stderr.slice(-3000)).toBe(1);
      expect(Date.now() - started).toBeLessThan(60_000);
      const last = run.stderr.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(/^verity: STORE_UNAVAILABLE: cannot open the state store, PostgreSQL at [^:]+:\d+\/\w+: state store: connecting failed: SQLSTATE 28P01\. Check /);
      expect(last).toContain(`PostgreSQL at 127.0.0.1:${server.port}${wrong.pathname}:`);
      // Refused outright: no retrying.
      expect(run.stderr).not.toContain('retrying with backoff');
      expect(last).toMatch(/--state .*VERITY_STATE_URL/);
      expect(run.stderr).not.toContain('not-the-password');
      expect(run.stderr).not.toContain(new URL(server.url).password);
    });
  },
  { dedicated: true },
);
