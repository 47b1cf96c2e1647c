// Issue 6 §4 on Kafka, with real processes: `verity run` members, `verity store serve` (killed and
// restarted in place), a real broker, and proxies in front of the store (chaos-proxy.ts).
// - The served store killed for 10 s mid-run: the member waits, reports 503 with the reason,
//   stays in its group, pauses, resumes when the store is back, and ends with exact tables.
// - The store gone for longer than the retry budget: exit 1 with a clear message, and nothing
//   committed past the last durable batch: a later run of the same group ends exact.
// - A store slower than the session timeout, and a rebalance in the middle of it: no rebalance
//   storm, and a member that gives its chunks up starts no insert of them after that moment; its
//   inserts already in flight end before it rejoins, so before another member can own them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy.ts';
import { sample, until } from '../support/probes.ts';
import { exitOf, metricsUrlOf, serveStore, spawnVerity, verity, type Child } from '../e2e/support.ts';
import { describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { dumpStore, expectSameTables, generateOnTopics, kafkaRunArgs, requirePostgres, waitForGroupCaughtUp, type StoreDump } from './support.ts';

const ENV = { VERITY_TOKEN_KEY: '6a'.repeat(32) };
const JOINED = /"msg":"kafka consumer started: consuming"/g;

/** pino's `time` of each log line of `child` whose message contains `text`. */
function logTimes(child: Child, text: string): number[] {
  return child.stderr
    .split('\n')
    .filter((l) => l.includes(text))
    .map((l) => (JSON.parse(l) as { time: number }).time);
}

describeKafka('verity run on Kafka through store outages', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-outage-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('out-customers'), agents: uniqueTopic('out-agents') };
  let truth: GroundTruth;
  let clean: StoreDump;
  const servers: Awaited<ReturnType<typeof serveStore>>[] = [];
  const proxies: ChaosProxy[] = [];

  const runArgs = (dataDir: string, group: string, extra: readonly string[]) =>
    kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: 100, partitionsConcurrency: 2, extra: ['--metrics-port', 'auto', ...extra] });

  beforeAll(async () => {
    truth = await generateOnTopics(brokers, topics, stream, 1500, 6006);
    const cleanDir = join(dir, 'clean');
    const run = verity([...kafkaRunArgs({ brokers, group: uniqueTopic('out-clean'), topics, dataDir: cleanDir, batchSize: 100, partitionsConcurrency: 2 }), '--once', '--log-level', 'warn'], ENV);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    clean = await dumpStore(cleanDir);
    expect(clean.eventIds).toHaveLength(truth.expectedDistinctEvents);
  });

  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    for (const server of servers) await server.stop().catch(() => undefined);
  });

  it('waits out the served store killed for 10 s: 503 with the reason, paused, in its group, then exact', { timeout: 300_000 }, async () => {
    const storeDir = join(dir, 'killed');
    let server = await serveStore(storeDir);
    const port = Number(new URL(server.url).port);
    const group = uniqueTopic('out-killed');
    const member = spawnVerity([...runArgs(join(dir, 'killed-run'), group, ['--store', server.url, '--once', '--store-retry-seconds', '240'])], ENV);
    const metrics = await metricsUrlOf(member);
    const scrape = async () => (await fetch(`${metrics}/metrics`)).text();
    await until('a first batch stored', async () => (sample(await scrape(), METRIC_NAMES.consumed) > 0 ? true : undefined), 120_000);

    server.child.process.kill('SIGKILL');
    await server.child.exited;
    const notReady = await until('/readyz at 503 with the store as the reason', async () => {
      const r = await fetch(`${metrics}/readyz`);
      const body = await r.text();
      return r.status === 503 && body.includes('store unavailable') ? body : undefined;
    });
    expect(notReady).toMatch(/^not ready: store unavailable since \S+ \(.+, attempt \d+\): /);
    const joinsBefore = [...member.stderr.matchAll(JOINED)].length;
    const consumedDuring = sample(await scrape(), METRIC_NAMES.consumed);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    // Paused and still a member: nothing became durable, no rejoin, still alive.
    expect(sample(await scrape(), METRIC_NAMES.consumed)).toBe(consumedDuring);
    expect(sample(await scrape(), METRIC_NAMES.dependencyUp, '{dependency="store"}')).toBe(0);
    expect([...member.stderr.matchAll(JOINED)].length).toBe(joinsBefore);
    expect(member.process.exitCode).toBeNull();

    server = await serveStore(storeDir, port);
    servers.push(server);
    const exit = await exitOf(member, 240_000, 'the member to finish once the store is back');
    writeFileSync(join(dir, 'killed-log.txt'), member.stderr);
    expect(exit.code, member.stderr.slice(-3000)).toBe(0);
    expect(member.stderr).toContain('consumption paused');
    expect(member.stderr).toContain('store available again: consumption resumed');
    const report = JSON.parse(member.stdout) as RunReport;
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expectSameTables(await dumpStore(server.url), clean, 'per-partition');
  });

  it('stops with exit 1 once the retry budget is spent, and commits nothing past the last durable batch', { timeout: 300_000 }, async () => {
    const storeDir = join(dir, 'budget');
    let server = await serveStore(storeDir);
    const port = Number(new URL(server.url).port);
    const group = uniqueTopic('out-budget');
    const member = spawnVerity([...runArgs(join(dir, 'budget-run'), group, ['--store', server.url, '--once', '--store-retry-seconds', '5'])], ENV);
    const metrics = await metricsUrlOf(member);
    await until('a first batch stored', async () => (sample(await (await fetch(`${metrics}/metrics`)).text(), METRIC_NAMES.consumed) > 0 ? true : undefined), 120_000);
    server.child.process.kill('SIGKILL');
    await server.child.exited;
    const exit = await exitOf(member, 120_000, 'the member to give up');
    expect(exit.code, member.stderr.slice(-3000)).toBe(1);
    expect(member.stderr).toMatch(/verity: STORE_UNAVAILABLE: .*: still failing after \d+ s and \d+ attempts \(the retry budget\): /);

    // Whatever the member committed was durable: the same group, run again once the store is
    // back, finds exactly what a clean run stores.
    server = await serveStore(storeDir, port);
    servers.push(server);
    const again = verity([...runArgs(join(dir, 'budget-run'), group, ['--store', server.url, '--once'])], ENV);
    expect(again.status, again.stderr.slice(-3000)).toBe(0);
    expectSameTables(await dumpStore(server.url), clean, 'per-partition');
  });

  it('a store slower than the session timeout causes no rebalance storm, and no write after a member gave its chunks up', { timeout: 420_000 }, async () => {
    const server = await serveStore(join(dir, 'slow'));
    servers.push(server);
    const group = uniqueTopic('out-slow');
    const state = await createDatabase(requirePostgres().url);
    const start = async (name: string) => {
      const proxy = await startChaosProxy(server.url);
      proxies.push(proxy);
      const child = spawnVerity(runArgs(join(dir, `slow-${name}`), group, ['--store', proxy.url, '--state', state, '--store-retry-seconds', '300']), ENV);
      return { name, proxy, child, metrics: await metricsUrlOf(child) };
    };
    const a = await start('a');
    await a.child.waitFor('kafka consumer started', 120_000);
    // Slowed once consuming, so that it cannot drain the topics before the second member has
    // joined: both must hold partitions with messages left when the store turns slower still.
    a.proxy.setDelay(1000);
    const b = await start('b');
    await b.child.waitFor('kafka consumer started', 120_000);
    await until('both members to share the partitions', async () => ([...a.child.stderr.matchAll(JOINED)].length >= 2 ? true : undefined));
    await until('both members to have stored a batch', async () => {
      for (const m of [a, b]) if (!(sample(await (await fetch(`${m.metrics}/metrics`)).text(), METRIC_NAMES.consumed) > 0)) return undefined;
      return true;
    }, 120_000);

    // Every store request now takes 8 s, longer than the 6 s session timeout.
    for (const m of [a, b]) m.proxy.setDelay(8000);
    const joins = (m: { child: Child }) => [...m.child.stderr.matchAll(JOINED)].length;
    const before = { a: joins(a), b: joins(b) };
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    // No storm: heartbeats kept both in the group through 20 s of slow writes.
    expect({ a: joins(a), b: joins(b) }).toEqual(before);

    // A third member joins while writes are slow: the group rebalances under them.
    const c = await start('c');
    await c.child.waitFor('kafka consumer started', 120_000);
    await until('the slow members to rejoin', async () => (joins(a) > before.a && joins(b) > before.b ? true : undefined), 180_000);
    for (const m of [a, b]) m.proxy.setDelay(0);
    await waitForGroupCaughtUp(brokers, group, [topics.customers, topics.agents], 240_000);

    for (const m of [a, b, c]) m.child.process.kill('SIGTERM');
    for (const m of [a, b, c]) {
      const exit = await exitOf(m.child, 60_000, `member ${m.name} to stop`);
      writeFileSync(join(dir, `slow-${m.name}-log.txt`), m.child.stderr);
      expect(exit.code, m.child.stderr.slice(-3000)).toBe(0);
    }

    let gaveUp = 0;
    for (const m of [a, b]) {
      const abandoned = logTimes(m.child, 'giving up the chunks in flight');
      const rejoins = logTimes(m.child, 'kafka consumer started: consuming');
      const inserts = m.proxy.requests.filter((r) => r.insertInto !== '');
      for (const at of abandoned) {
        gaveUp += 1;
        const rejoin = rejoins.find((t) => t > at) ?? Infinity;
        // No insert starts between giving up and rejoining…
        expect(inserts.filter((r) => r.at > at && r.at < rejoin).map((r) => r.insertInto), `member ${m.name}`).toEqual([]);
        // …and every insert sent before it has ended by the time the member rejoins.
        for (const r of inserts.filter((x) => x.at <= at)) expect(r.endedAt ?? Infinity, `member ${m.name}`).toBeLessThanOrEqual(rejoin);
      }
    }
    expect(gaveUp, 'the rebalance met at least one chunk in flight').toBeGreaterThan(0);
    expectSameTables(await dumpStore(server.url), clean, 'per-partition');
  });
});
