// The pattern rules' state under several processes, on a real broker, a real PostgreSQL server and
// a served analytics store (`verity store serve`):
//
// 1. Three `verity run` processes in one consumer group share a generated stream whose pattern
//    scenarios (shared mobiles and accounts, agents' contacts, frequent changes) the generator
//    records with their truth. The holders of each shared value are put on different partitions,
//    so different members add them. One member is SIGKILLed mid-batch (a failpoint between a
//    batch's committed state and its analytics rows) and restarted. The end state equals a single
//    process's clean run: the same active findings and holder rows in the state store, the same
//    tables (per partition: pattern rows by their end state), no duplicate rows; and the truth's.
// 2. Two processes add the two holders of each of many values at the same moment (each holds one
//    partition with one half of every pair; the events are produced only once both consume): every
//    pair's both members end active, every value has both holders.
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byteLines } from '../../connectors/file/file-source.ts';
import { routeLine } from '../../connectors/kafka/produce-file.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { FAILPOINT_ENV } from '../../pipelines/runtime/failpoints.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { exitOf, serveStore, spawnVerity, verity, type Child } from '../e2e/support.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { dumpState, dumpStore, expectSameTables } from '../support/store-dump.ts';
import { expectActiveFindingsMatchTruth } from '../support/truth-checks.ts';
import { customerTokens, EventScript, fakeCard, fakeMobile, holderRows, lastAssignment, patternIssues } from './pattern-events.ts';
import { kafkaRunArgs, requirePostgres, waitForGroupCaughtUp } from './support.ts';

const CUSTOMERS = 1200;
const SEED = 7707;
const PARTITIONS = 6;
const KEY_HEX = 'c7'.repeat(32);
const ENV = { VERITY_TOKEN_KEY: KEY_HEX };
const REPAIRED = 'wrote the analytics output of batches a previous run committed but did not finish writing';
const START_MS = 120_000;

/** Resolves once the members' latest assignments split `total` partitions between them, each holding some. */
async function waitForSplit(members: readonly Child[], total: number, timeoutMs = 120_000): Promise<string[][]> {
  let split: string[][] = [];
  await expect
    .poll(
      () => {
        split = members.map(lastAssignment);
        const all = split.flat();
        return split.every((a) => a.length > 0) && all.length === total && new Set(all).size === total;
      },
      { timeout: timeoutMs, interval: 250, message: `the members never split ${total} partitions: ${JSON.stringify(members.map(lastAssignment))}` },
    )
    .toBe(true);
  return split;
}

/** SIGTERM, then the exit: 0 expected. */
async function stop(child: Child, what: string): Promise<void> {
  child.process.kill('SIGTERM');
  const exit = await exitOf(child, 90_000, `${what} to stop`);
  expect(exit.code, `${what}:\n${child.stderr.slice(-3000)}`).toBe(0);
}

describeKafka('pattern state under several verity run processes', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-patterns-crash-'));
  let server: Awaited<ReturnType<typeof serveStore>> | undefined;
  const children: Child[] = [];
  const spawnMember = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const child = spawnVerity(args, { ...ENV, ...env });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    server = await serveStore(join(dir, 'shared'));
  });

  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    writeFileSync(join(dir, 'logs.txt'), children.map((c, i) => `==== member ${i} ====\n${c.stderr}`).join('\n'));
    await server?.stop();
  });

  it('three members, one SIGKILLed mid-batch and restarted: the same pattern state as a clean run, and the truth\'s', { timeout: 420_000 }, async () => {
    const stream = join(dir, 'stream.jsonl');
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    const truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    const sharedGroups = [...truth.patterns['shared-mobile'].groups, ...truth.patterns['shared-bank-account'].groups].map((g) => g.customers);
    expect(sharedGroups.length, 'the stream shares values').toBeGreaterThan(5);

    const topics = { customers: uniqueTopic('pc-customers'), agents: uniqueTopic('pc-agents') };
    await createTopic(brokers, topics.customers, PARTITIONS);
    await createTopic(brokers, topics.agents, 3);

    // The holders of each shared value on different partitions: the j-th member of the g-th group
    // on partition (g + j) mod 6; every other line where `verity produce` would put it. A customer
    // keeps one partition for all its events, so its own order holds.
    const partitionOf = new Map<string, number>();
    sharedGroups.forEach((customers, g) => customers.forEach((id, j) => partitionOf.has(id) || partitionOf.set(id, (g + j) % PARTITIONS)));
    const producer = kafkaClient(brokers).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const produce = async () => {
      await producer.connect();
      try {
        let customers: Message[] = [];
        let agents: Message[] = [];
        const flush = async () => {
          const topicMessages = [
            ...(customers.length > 0 ? [{ topic: topics.customers, messages: customers }] : []),
            ...(agents.length > 0 ? [{ topic: topics.agents, messages: agents }] : []),
          ];
          customers = [];
          agents = [];
          if (topicMessages.length > 0) await producer.sendBatch({ topicMessages, acks: -1 });
        };
        for await (const line of byteLines(createReadStream(stream))) {
          const routed = routeLine(line.bytes);
          if (routed.topic === 'agent') {
            agents.push(routed.message);
          } else {
            const key = routed.message.key?.toString();
            const partition = key === undefined ? undefined : partitionOf.get(key);
            customers.push(partition === undefined ? routed.message : { ...routed.message, partition });
          }
          if (customers.length + agents.length >= 200) await flush();
        }
        await flush();
      } finally {
        await producer.disconnect();
      }
    };

    const stateUrl = await createDatabase(requirePostgres().url);
    const store = ['--store', server!.url, '--state', stateUrl];
    const group = uniqueTopic('pc-group');
    const runArgs = (name: string, extra: readonly string[] = []) =>
      kafkaRunArgs({ brokers, group, topics, dataDir: join(dir, name), batchSize: 40, partitionsConcurrency: 2, extra: [...store, ...extra] });

    // Three members split the partitions before any event exists; one then dies between its 3rd
    // batch's committed state and its records.
    const doomed = spawnMember(runArgs('a'), { [FAILPOINT_ENV]: 'store.write.before-records:3' });
    await doomed.waitFor('kafka consumer started', START_MS);
    const b = spawnMember(runArgs('b'));
    const c = spawnMember(runArgs('c'));
    const split = await waitForSplit([doomed, b, c], PARTITIONS + 3);
    expect(split.every((a) => a.some((p) => p.startsWith(`${topics.customers}/`))), `each member holds customer partitions: ${JSON.stringify(split)}`).toBe(true);

    await produce();
    const died = await exitOf(doomed, START_MS, 'the doomed member to die at its failpoint');
    expect(died.signal, doomed.stderr.slice(-3000)).toBe('SIGKILL');
    expect(doomed.stderr).toContain(`${FAILPOINT_ENV}: dying at store.write.before-records (pass 3)`);
    // Restarted on its data dir, with nothing to fail on.
    const reportFile = join(dir, 'restarted-report.json');
    const restarted = spawnMember(runArgs('a', ['--report', reportFile]));
    await restarted.waitFor('kafka consumer started', START_MS);
    await waitForGroupCaughtUp(brokers, group, [topics.customers, topics.agents], 240_000);
    await Promise.all([stop(b, 'member b'), stop(c, 'member c'), stop(restarted, 'the restarted member')]);
    // Someone took the dead member's half-written batch over and wrote its output again.
    expect([b, c, restarted].some((m) => m.stderr.includes(REPAIRED)), 'the half-written batch was repaired').toBe(true);

    // The holders of shared values really did land on different partitions.
    const spread = sharedGroups.filter((customers) => new Set(customers.map((id) => partitionOf.get(id))).size > 1).length;
    expect(spread, 'groups whose holders span partitions').toBeGreaterThanOrEqual(Math.ceil(sharedGroups.length * 0.8));
    // … and, under the split the stream started on, partitions of different members.
    const ownerOf = new Map(split.flatMap((partitions, member) => partitions.map((p) => [p, member] as const)));
    const acrossMembers = sharedGroups.filter((customers) => new Set(customers.map((id) => ownerOf.get(`${topics.customers}/${partitionOf.get(id)}`))).size > 1).length;
    expect(acrossMembers, 'groups whose holders different members add').toBeGreaterThanOrEqual(Math.ceil(sharedGroups.length / 2));

    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    const chaosState = await dumpState(stateUrl);
    const chaosStore = await dumpStore(server!.url);

    // The same topics through one process, into a state database and an embedded store of its own.
    const cleanState = await createDatabase(requirePostgres().url);
    const cleanDir = join(dir, 'clean');
    const cleanRun = verity(
      [...kafkaRunArgs({ brokers, group: uniqueTopic('pc-clean'), topics, dataDir: cleanDir, batchSize: 200, partitionsConcurrency: 2 }), '--state', cleanState, '--once', '--log-level', 'warn'],
      ENV,
    );
    expect(cleanRun.status, cleanRun.stderr.slice(-5000)).toBe(0);
    const clean = await dumpState(cleanState);
    const cleanStore = await dumpStore(cleanDir);
    expect(cleanStore.eventIds).toHaveLength(truth.expectedDistinctEvents);

    expect(chaosState.activeFindings).toEqual(clean.activeFindings);
    expectSameTables(chaosStore, cleanStore, 'per-partition');
    // No lost holder, none extra, each since the same event time.
    const [chaosHolders, cleanHolders] = [await holderRows(stateUrl), await holderRows(cleanState)];
    expect(chaosHolders.length).toBeGreaterThan(CUSTOMERS);
    expect(chaosHolders).toEqual(cleanHolders);
    // One open issue per (rule, customer) in the state store, and for patterns the same ones as the clean run.
    const openKeys = (rows: readonly string[]) => rows.map((r) => r.split('|').slice(1, 3).join('|'));
    expect(new Set(openKeys(chaosState.openIssues)).size).toBe(chaosState.openIssues.length);
    expect(openKeys(chaosState.openIssues).sort()).toEqual(openKeys(clean.openIssues).sort());
    // And the truth's: every rule's active findings, one open pattern issue per active pattern finding.
    expectActiveFindingsMatchTruth(report, truth, chaosState, chaosStore, Buffer.from(KEY_HEX, 'hex'));
  });

  it('two members adding the two holders of 300 values at once: every pair\'s both members active', { timeout: 300_000 }, async () => {
    const PAIRS = 300;
    const PER_ROUND = 60;
    const topics = { customers: uniqueTopic('cc-customers'), agents: uniqueTopic('cc-agents') };
    await createTopic(brokers, topics.customers, 2);
    await createTopic(brokers, topics.agents, 1);
    const stateUrl = await createDatabase(requirePostgres().url);
    const database = `conc_${Date.now().toString(36)}`;
    const group = uniqueTopic('cc-group');
    const runArgs = (name: string) =>
      kafkaRunArgs({
        brokers, group, topics, dataDir: join(dir, name), batchSize: PER_ROUND, partitionsConcurrency: 1,
        extra: ['--store', server!.url, '--database', database, '--state', stateUrl, '--report', join(dir, `${name}-report.json`)],
      });

    // Pair i: LEFT-i on partition 0 and RIGHT-i on partition 1 share a mobile; even pairs an own account too.
    const left = new EventScript('cc-left');
    const right = new EventScript('cc-right');
    const ids = { left: [] as string[], right: [] as string[] };
    for (let i = 0; i < PAIRS; i++) {
      const account = i % 2 === 0 ? { bankAccounts: [{ number: fakeCard(1000 + i) }] } : {};
      left.customer(`LEFT-${i}`, 0, { mobile: fakeMobile(1000 + i), ...account });
      right.customer(`RIGHT-${i}`, 0, { mobile: fakeMobile(1000 + i), ...account });
      ids.left.push(`LEFT-${i}`);
      ids.right.push(`RIGHT-${i}`);
    }
    const lines = (script: EventScript, name: string) => readFileSync(script.flush(join(dir, `${name}.jsonl`)), 'utf8').trim().split('\n');
    const [leftLines, rightLines] = [lines(left, 'left'), lines(right, 'right')];

    // The barrier: both members consume, one partition each, before any event exists.
    const members = [spawnMember(runArgs('left')), spawnMember(runArgs('right'))];
    await Promise.all(members.map((m) => m.waitFor('kafka consumer started', START_MS)));
    const split = await waitForSplit(members, 3);
    expect(split.map((a) => a.filter((p) => p.startsWith(`${topics.customers}/`)).length).sort(), JSON.stringify(split)).toEqual([1, 1]);

    // In rounds, each a barrier: both members idle, then both halves of the round's pairs in one
    // request, one batch per member, so the two transactions add the holders of the same values
    // at the same moment; the next round once both are done.
    const producer = kafkaClient(brokers).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const message = (line: string, partition: number) => ({ key: (JSON.parse(line) as { customerId: string }).customerId, value: line, partition });
      for (let from = 0; from < PAIRS; from += PER_ROUND) {
        const round = leftLines.slice(from, from + PER_ROUND).flatMap((l, i) => [message(l, 0), message(rightLines[from + i]!, 1)]);
        await producer.send({ topic: topics.customers, acks: -1, messages: round });
        // (The agent topic stays empty: nothing to commit there.)
        await waitForGroupCaughtUp(brokers, group, [topics.customers], 120_000);
      }
    } finally {
      await producer.disconnect();
    }
    await Promise.all(members.map((m, i) => stop(m, `member ${i}`)));
    // Each consumed its own half: the two really ran side by side.
    const reports = ['left', 'right'].map((name) => JSON.parse(readFileSync(join(dir, `${name}-report.json`), 'utf8')) as RunReport);
    expect(reports.map((r) => r.events)).toEqual([PAIRS, PAIRS]);

    const ct = customerTokens(KEY_HEX);
    const all = [...ids.left, ...ids.right];
    const evenPairs = all.filter((id) => Number(id.split('-')[1]) % 2 === 0);
    const state = await dumpState(stateUrl);
    expect(state.activeFindings['shared-mobile']).toEqual(all.map(ct).sort());
    expect(state.activeFindings['shared-bank-account']).toEqual(evenPairs.map(ct).sort());
    // Every value held by exactly its two customers.
    const holders = await holderRows(stateUrl);
    const byValue = new Map<string, string[]>();
    for (const row of holders) {
      const [value, token] = row.split('|') as [string, string];
      byValue.set(value, [...(byValue.get(value) ?? []), token]);
    }
    expect(byValue.size).toBe(PAIRS + PAIRS / 2);
    expect([...byValue.values()].filter((tokens) => tokens.length !== 2)).toEqual([]);
    // One open issue per active finding, in the state store and in the analytics store's mirror.
    const expectedOpen = [...all.map((id) => `shared-mobile|${ct(id)}`), ...evenPairs.map((id) => `shared-bank-account|${ct(id)}`)].sort();
    expect(state.openIssues.map((r) => r.split('|').slice(1, 3).join('|')).filter((k) => k.startsWith('shared-')).sort()).toEqual(expectedOpen);
    const mirror = await patternIssues(server!.url, database);
    expect(mirror.issues.filter((i) => i.status === 'open').map((i) => `${i.ruleId}|${i.customerToken}`).sort()).toEqual(expectedOpen);
    expect(mirror.issues.filter((i) => i.status !== 'open')).toEqual([]);
  });
});
