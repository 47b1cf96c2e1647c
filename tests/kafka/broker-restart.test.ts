// Issue 6 §4, "outages cost no operator": the broker restarts in the middle of a run. Two
// `verity run` members of one group share a served store; while they are consuming, their broker
// is stopped, kept down for a while and started again on the same ports and data. Nobody restarts
// the members: they must reconnect by themselves, catch up, stop cleanly on SIGTERM, and leave
// exactly the tables a clean single run leaves, with every stored issue change on the issue topic.
//
// The broker is this file's own (started like the run's, but never the shared one: other files
// use that one in parallel).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { IssueEvent } from '../../pipelines/contract/issue-event.ts';
import { stableId } from '../../pipelines/contract/ids.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import { exitOf, metricsUrlOf, serveStore, spawnVerity, verity, type Child } from '../e2e/support.ts';
import { until } from '../support/probes.ts';
import { acquireKafka, type AcquiredKafka } from '../support/kafka/acquire.ts';
import { kafkaRequired, kafkaRequiredBy } from '../support/kafka/context.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { requirePostgres } from './support.ts';
import { createTopic, describeKafka, uniqueTopic } from '../support/kafka/use-kafka.ts';
import { dumpStore, expectSameTables, kafkaRunArgs, readTopic, waitForGroupCaughtUp } from './support.ts';

const CUSTOMERS = 2000;
const SEED = 6161;
const PARTITIONS = 6;
// Small batches: the members must still be working when the broker goes down, not done already.
const BATCH_SIZE = 20;
/**
 * How long the broker stays down, besides its shutdown and start: about as long as kafkajs retries
 * a request by itself (5 retries, some 10 s), so that the pipeline's own outage retry must carry
 * calls through.
 */
const DOWN_MS = 10_000;
// Tokens (and so issue ids) depend on the key: both members and the clean run share one.
const ENV = { VERITY_TOKEN_KEY: '6b'.repeat(32) };

/** The partitions (`topic/partition`) a member was given at its last join, from its log. */
function latestAssignment(child: Child): string[] {
  const joins = child.stderr.split('\n').filter((line) => line.includes('"msg":"kafka consumer started: consuming"'));
  if (joins.length === 0) return [];
  const { assignment } = JSON.parse(joins[joins.length - 1]!) as { assignment: Record<string, number[]> };
  return Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`));
}

type OwnBroker = Extract<AcquiredKafka, { available: true }>;

/** The sum over a metric's series in a Prometheus text scrape; null when the endpoint does not answer. */
async function scrape(endpoint: string, name: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  } catch {
    return null;
  }
}

interface ReadySample {
  readonly at: number;
  readonly status: number;
  readonly body: string;
}

async function readiness(endpoint: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${endpoint}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: (await response.text()).trim() };
  } catch (error) {
    return { status: 0, body: `no answer: ${(error as Error).message}` };
  }
}

const clock = (at = Date.now()) => new Date(at).toISOString().slice(11, 23);

/** Log lines that tell how a member lived through the outage. */
const OUTAGE_LINES = /unavailable|available again|consumption (paused|resumed)|kafka consumer started|given up|abandoned|[Cc]rash|restart|rebalanc|refused|batch failed|"level":50/;
/** kafkajs's own connection errors, one per attempt: counted, not listed. */
const CONNECTION_NOISE = /"kafka":"(Connection|BrokerPool)","[^\n]*ECONNREFUSED/;

/**
 * The log lines of `child` matching `pattern`, short (time, message, dependency, kafkajs module and
 * error code), with a run of the same message folded into one line with its count.
 */
function logLines(child: Child, pattern: RegExp): string[] {
  const out: { at: string; text: string; count: number; until: string }[] = [];
  const refused = child.stderr.split('\n').filter((line) => CONNECTION_NOISE.test(line));
  for (const line of child.stderr.split('\n')) {
    if (!pattern.test(line) || CONNECTION_NOISE.test(line)) continue;
    let at = '?';
    let text = line.slice(0, 300);
    try {
      const e = JSON.parse(line) as { time?: number; msg?: string; dependency?: string; what?: string; error?: string; kafka?: string; err?: { code?: string; message?: string }; reason?: string };
      at = e.time ? clock(e.time) : '?';
      const details = [e.kafka && `kafkajs ${e.kafka}`, e.dependency && `${e.dependency}: ${e.what ?? ''}`, e.error, e.reason, e.err?.code].filter(Boolean);
      text = `${e.msg ?? ''}${details.length ? ` [${details.join('; ')}]` : ''}`.slice(0, 400);
    } catch {
      // not a log line (e.g. the CLI's last words): kept as is
    }
    const last = out.at(-1);
    if (last && last.text === text) {
      last.count += 1;
      last.until = at;
    } else out.push({ at, text, count: 1, until: at });
  }
  const times = refused.map((line) => (JSON.parse(line) as { time: number }).time);
  const summary = times.length > 0 ? [`kafkajs logged ${times.length} refused connections from ${clock(Math.min(...times))} to ${clock(Math.max(...times))}`] : [];
  return [...summary, ...out.map((l) => `${l.at} ${l.text}${l.count > 1 ? ` (×${l.count}, until ${l.until})` : ''}`)];
}

describeKafka('a broker restart in the middle of a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-broker-restart-'));
  const stream = join(dir, 'stream.jsonl');
  const topics = { customers: uniqueTopic('br-customers'), agents: uniqueTopic('br-agents') };
  const issueTopic = uniqueTopic('br-issues');
  const deadLetterTopic = uniqueTopic('br-dlq');
  let truth: GroundTruth;
  let own: OwnBroker | undefined;
  let unavailable = '';
  let server: Awaited<ReturnType<typeof serveStore>> | undefined;
  const children: Child[] = [];

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    const acquired = await acquireKafka({ external: false, log: (message) => process.stderr.write(`[kafka: broker-restart] ${message}\n`) });
    if (!acquired.available) unavailable = acquired.reason;
    else if (!acquired.halt || !acquired.restart) {
      unavailable = `a ${acquired.source} broker cannot be halted and restarted`;
      await acquired.stop();
    } else own = acquired;
    if (!own) return;
    await createTopic(own.brokers, topics.customers, PARTITIONS);
    await createTopic(own.brokers, topics.agents, PARTITIONS);
    await createTopic(own.brokers, issueTopic, PARTITIONS);
    await createTopic(own.brokers, deadLetterTopic, PARTITIONS);
    server = await serveStore(join(dir, 'shared'));
  });

  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await server?.stop();
    await own?.stop();
  });

  it('stopped for 10 s and started again on the same ports and data: the members reconnect, catch up, and the tables are exact', { timeout: 600_000 }, async (context) => {
    if (!own) {
      // The run has a broker (describeKafka), but none of this file's own could be had.
      if (kafkaRequired()) throw new Error(`${kafkaRequiredBy()} but no broker of its own for the restart test: ${unavailable}`);
      context.skip(`no broker this test may restart: ${unavailable.split('\n')[0]}`);
      return;
    }
    const broker = own;
    const t0 = Date.now();
    const timeline: string[] = [];
    const mark = (what: string) => timeline.push(`${clock()} (+${((Date.now() - t0) / 1000).toFixed(1)} s) TEST ${what}`);
    const group = uniqueTopic('br-group');
    // The two members share one state store (a PostgreSQL server) as they share the analytics store.
    const state = await createDatabase(requirePostgres().url);
    const args = (name: string) =>
      kafkaRunArgs({
        brokers: broker.brokers,
        group,
        topics,
        issueTopic,
        deadLetterTopic,
        dataDir: join(dir, name),
        batchSize: BATCH_SIZE,
        partitionsConcurrency: 2,
        extra: ['--store', server!.url, '--state', state, '--metrics-port', 'auto'],
      });
    // Long-running members (no --once): surviving means staying up through the outage, which
    // --once would blur with "exited because it thought it was done".
    const members = [spawnVerity(args('a'), ENV), spawnVerity(args('b'), ENV)] as const;
    children.push(...members);
    const [a, b] = members;
    const withLogs = (error: unknown): never => {
      throw new Error(`${(error as Error).message}\n${members.map((m, i) => `==== member ${'ab'[i]} ====\n${m.stderr.slice(-3000)}`).join('\n')}`);
    };
    // Nobody restarts a member here: one that exits before the SIGTERM fails the test at once.
    let stopping = false;
    const died = Promise.race(
      members.map((m, i) =>
        m.exited.then((exit) => {
          if (!stopping) throw new Error(`member ${'ab'[i]} exited (${exit.code ?? exit.signal}) without being asked to:\n${m.stderr.slice(-4000)}`);
          return new Promise<never>(() => undefined);
        }),
      ),
    );
    died.catch(() => undefined);
    const aliveWhile = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, died]);
    const readySamples: ReadySample[][] = [[], []];
    let sampling: Promise<void> | undefined;
    try {
      const endpoints = await aliveWhile(Promise.all(members.map((m) => metricsUrlOf(m, 120_000))));
      await aliveWhile(Promise.all(members.map((m) => m.waitFor('kafka consumer started', 120_000))));
      // Both hold partitions, and between them all 2 × 6, before any event exists.
      await aliveWhile(until('the group splits the 2 × 6 partitions between both members', async () => {
        const held = members.map(latestAssignment);
        return held.every((h) => h.length > 0) && new Set(held.flat()).size === 2 * PARTITIONS ? held : undefined;
      }));
      mark('both members consuming in one group');

      const produced = verity(['produce', '--input', stream, '--kafka-brokers', broker.brokers.join(','), '--topic', topics.customers, '--agent-topic', topics.agents]);
      expect(produced.status, produced.stderr).toBe(0);
      mark(`produced ${truth.lines} messages`);

      const consumed = async () => (await Promise.all(endpoints.map((e) => scrape(e, METRIC_NAMES.consumed)))).reduce<number>((sum, n) => sum + (n ?? 0), 0);
      await aliveWhile(until('a member consumes a batch', async () => ((await consumed()) > 0 ? true : undefined), 120_000)).catch(withLogs);
      // From now until the members stop, what /readyz answers, sampled: kept as transitions.
      sampling = (async () => {
        while (!stopping) {
          for (const [i, endpoint] of endpoints.entries()) {
            const { status, body } = await readiness(endpoint);
            const last = readySamples[i]!.at(-1);
            if (!last || last.status !== status || last.body !== body) readySamples[i]!.push({ at: Date.now(), status, body });
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      mark(`stopping the broker (SIGTERM) with ${await consumed()} of ${truth.lines} messages consumed`);
      await broker.halt!({ signal: 'SIGTERM' });
      mark(`broker down (${await consumed()} consumed)`);
      // Kept down for DOWN_MS; a member that exits meanwhile fails the test at once (aliveWhile).
      await aliveWhile(new Promise((resolve) => setTimeout(resolve, DOWN_MS)));
      mark(`starting the broker again (${await consumed()} consumed)`);
      await aliveWhile(broker.restart!());
      const atRestart = await consumed();
      mark(`broker answering again on ${broker.brokers.join(',')} (${atRestart} consumed)`);
      // The outage must have cut into the work, or the rest proves nothing about reconnecting.
      expect(atRestart, 'the members had consumed everything before the broker came back: the outage hit no work').toBeLessThan(truth.lines);

      await aliveWhile(waitForGroupCaughtUp(broker.brokers, group, [topics.customers, topics.agents], 300_000)).catch(withLogs);
      mark(`group caught up (${await consumed()} consumed, re-deliveries included)`);
      expect(await consumed()).toBeGreaterThanOrEqual(truth.lines);
      // Once every dependency answers again, both are ready.
      for (const endpoint of endpoints) await aliveWhile(until(`${endpoint}/readyz answers 200 after the restart`, async () => ((await readiness(endpoint)).status === 200 ? true : undefined)));
      const retries = await Promise.all(endpoints.map((e) => scrape(e, METRIC_NAMES.retries)));
      mark(`dependency retries counted by the members: ${retries.join(', ')}`);
      // Readiness is recorded, not required to flip: the pipeline notices a broker outage only when
      // a publish or an offset commit has failed past kafkajs's own retries. When it does, the
      // reason names the topics; the store never was down.
      const notReady = readySamples.flat().filter((r) => r.status !== 200);
      expect(notReady.filter((r) => !/^not ready: topics unavailable since /.test(r.body)).map((r) => `${r.status} ${r.body}`)).toEqual([]);
    } finally {
      stopping = true;
      await sampling;
      for (const [i, samples] of readySamples.entries()) {
        for (const r of samples) timeline.push(`${clock(r.at)} (+${((r.at - t0) / 1000).toFixed(1)} s) member ${'ab'[i]} /readyz ${r.status} ${r.body}`);
      }
      for (const m of members) m.process.kill('SIGTERM');
      const exits = await Promise.all(members.map((m, i) => exitOf(m, 60_000, `member ${'ab'[i]} to stop after SIGTERM`).catch((error: unknown) => error as Error)));
      mark(`SIGTERM: ${exits.map((e) => (e instanceof Error ? e.message.split('\n')[0] : `exit ${e.code ?? e.signal}`)).join(', ')}`);
      const sorted = timeline.sort();
      writeFileSync(join(dir, 'logs.txt'), [`==== timeline ====\n${sorted.join('\n')}`, `==== member a ====\n${a.stderr}`, `==== member b ====\n${b.stderr}`].join('\n'));
      console.log([`timeline (full logs in ${join(dir, 'logs.txt')}):`, ...sorted, ...['a', 'b'].flatMap((name, i) => [`-- member ${name} --`, ...logLines(members[i]!, OUTAGE_LINES).slice(0, 80)])].join('\n'));
      for (const [i, exit] of exits.entries()) {
        if (exit instanceof Error) throw exit;
        expect(exit.code, `member ${'ab'[i]} after SIGTERM:\n${members[i]!.stderr.slice(-3000)}`).toBe(0);
      }
    }

    const shared = await dumpStore(server!.url);
    // Every issue change the store holds was published (at-least-once: the topic may repeat one).
    const client = createStoreClient({ kind: 'http', url: server!.url });
    const stored = await (
      await client.query({ query: 'SELECT issue_id, version, change, event_id FROM verity.issue_events', format: 'JSONEachRow' })
    ).json<{ issue_id: string; version: string; change: string; event_id: string }>();
    const storedDeadLetters = await (await client.query({ query: 'SELECT DISTINCT dead_letter_id FROM verity.dead_letters', format: 'JSONEachRow' })).json<{ dead_letter_id: string }>();
    await client.close();
    const published = new Set(
      (await readTopic(broker.brokers, issueTopic)).map((m) => {
        const event = IssueEvent.parse(JSON.parse(m.value!.toString('utf8')));
        return `${event.eventId} ${event.triggeringEventId}`;
      }),
    );
    const unpublished = stored.filter((r) => !published.has(`${stableId('issue-event', r.issue_id, String(r.version), r.change)} ${r.event_id}`));
    expect(stored.length).toBeGreaterThan(0);
    expect(unpublished.map((r) => `${r.issue_id} v${r.version} ${r.change}`).slice(0, 5), `${unpublished.length} of ${stored.length} stored issue changes are not on the issue topic`).toEqual([]);
    const deadLettersPublished = new Set((await readTopic(broker.brokers, deadLetterTopic)).map((m) => m.headers['verity-dead-letter-id']));
    expect(storedDeadLetters.filter((r) => !deadLettersPublished.has(r.dead_letter_id)).map((r) => r.dead_letter_id)).toEqual([]);

    // The same stream, read back from the restarted broker, through one process into its own store.
    const cleanDir = join(dir, 'clean');
    const run = verity([...kafkaRunArgs({ brokers: broker.brokers, group: uniqueTopic('br-clean'), topics, dataDir: cleanDir, batchSize: 500, partitionsConcurrency: 2 }), '--once', '--log-level', 'warn'], ENV);
    expect(run.status, run.stderr.slice(-5000)).toBe(0);
    const clean = await dumpStore(cleanDir);
    expect(clean.eventIds).toHaveLength(truth.expectedDistinctEvents);
    expect(clean.deadLetterIds).toHaveLength(truth.expectedDeadLettered);
    expectSameTables(shared, clean, 'per-partition');
  });
});
