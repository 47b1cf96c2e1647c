// Helpers for the Kafka pipeline tests: read whole topics, and dump the store of a data dir (only
// when no child process holds it) or behind a `verity store serve` URL.
import { join } from 'node:path';
import type { IHeaders } from 'kafkajs';
import { expect } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { kafkaClient, uniqueTopic } from '../support/kafka/use-kafka.ts';

export interface TopicMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}

/** Every message currently in `topic` (up to the high watermarks at call time). */
export async function readTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  const kafka = kafkaClient(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const out: TopicMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueTopic('read-topic'), allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const high = remaining.get(partition);
      if (high === undefined || BigInt(message.offset) >= high) return;
      out.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: headersOf(message.headers) });
      if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
      if (remaining.size === 0) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`read only ${out.length} messages of ${topic}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return out;
}

export interface StoreDump {
  readonly eventIds: string[];
  readonly recordRows: number;
  readonly findingIds: string[];
  readonly findingRows: number;
  readonly issues: string[];
  readonly issueEvents: number;
  readonly issueEventRows: number;
  readonly deadLetterIds: string[];
  readonly deadLetterRows: number;
  /** SLA notices as `issueId/kind`, and the open issues already past due when the last one was raised. */
  readonly slaNotices: string[];
  readonly overdueAtLastNotice: string[];
  readonly tables: string;
}

const TABLES = ['records', 'findings', 'issues', 'issue_events', 'dead_letters'] as const;

/**
 * The tables behind `store`: the embedded store of a data dir (only when no process holds it), or
 * an http:// URL (`verity store serve`).
 */
export async function dumpStore(store: string): Promise<StoreDump> {
  const client = createStoreClient(/^https?:\/\//.test(store) ? { kind: 'http', url: store } : { kind: 'embedded', path: join(store, 'chdb') });
  const col = async (sql: string) =>
    (await (await client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string | number>>()).map((r) =>
      Object.values(r).join('|'),
    );
  try {
    const dumps: string[] = [];
    for (const table of TABLES) dumps.push(await (await client.query({ query: `SELECT * FROM verity.${table}`, format: 'JSONEachRow' })).text());
    return {
      eventIds: await col('SELECT DISTINCT event_id FROM verity.records ORDER BY event_id'),
      recordRows: Number((await col('SELECT count() FROM verity.records'))[0]),
      findingIds: await col('SELECT DISTINCT finding_id FROM verity.findings ORDER BY finding_id'),
      findingRows: Number((await col('SELECT count() FROM verity.findings'))[0]),
      issues: await col('SELECT issue_id, status, version FROM verity.issues FINAL ORDER BY issue_id'),
      issueEvents: Number((await col('SELECT count() FROM (SELECT DISTINCT issue_id, version FROM verity.issue_events)'))[0]),
      issueEventRows: Number((await col('SELECT count() FROM verity.issue_events'))[0]),
      deadLetterIds: await col('SELECT DISTINCT dead_letter_id FROM verity.dead_letters ORDER BY dead_letter_id'),
      deadLetterRows: Number((await col('SELECT count() FROM verity.dead_letters'))[0]),
      slaNotices: (await col("SELECT issue_id, toString(kind) FROM verity.issue_sla_events FINAL ORDER BY issue_id, kind")).map((r) => r.replace('|', '/')),
      overdueAtLastNotice: await col(
        `SELECT issue_id FROM verity.issues FINAL WHERE status = 'open' AND due_at < (SELECT max(noticed_at) FROM verity.issue_sla_events) ORDER BY issue_id`,
      ),
      tables: dumps.join('\n'),
    };
  } finally {
    await client.close();
  }
}

/** `dump` holds exactly what a clean single run (`clean`) holds: nothing lost, nothing doubled. */
export function expectSameTables(dump: StoreDump, clean: StoreDump): void {
  const diff = (a: string[], b: string[]) => {
    const sb = new Set(b);
    return a.filter((x) => !sb.has(x));
  };
  // A short, readable difference first (ids only, no personal data).
  expect({
    eventsMissing: diff(clean.eventIds, dump.eventIds).length,
    eventsExtra: diff(dump.eventIds, clean.eventIds).length,
    findingsMissing: diff(clean.findingIds, dump.findingIds).length,
    findingsExtra: diff(dump.findingIds, clean.findingIds).length,
    issuesMissing: diff(clean.issues, dump.issues).slice(0, 5),
    issuesExtra: diff(dump.issues, clean.issues).slice(0, 5),
  }).toEqual({ eventsMissing: 0, eventsExtra: 0, findingsMissing: 0, findingsExtra: 0, issuesMissing: [], issuesExtra: [] });
  expect(dump.eventIds).toEqual(clean.eventIds);
  expect(dump.recordRows).toBe(dump.eventIds.length);
  expect(dump.findingIds).toEqual(clean.findingIds);
  expect(dump.findingRows).toBe(dump.findingIds.length);
  expect(dump.issues).toEqual(clean.issues);
  expect(dump.issueEvents).toBe(clean.issueEvents);
  expect(dump.issueEventRows).toBe(dump.issueEvents);
  expect(dump.deadLetterIds).toEqual(clean.deadLetterIds);
  expect(dump.deadLetterRows).toBe(dump.deadLetterIds.length);
}

/** Resolves once `group` has committed every partition of `topics` up to its current end. */
export async function waitForGroupCaughtUp(brokers: string[], group: string, topics: readonly string[], timeoutMs = 120_000): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ends = new Map<string, bigint>();
      for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
      const committed = new Map<string, bigint>();
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics: [...topics] })) {
        for (const p of partitions) committed.set(`${topic}/${p.partition}`, BigInt(p.offset));
      }
      const behind = [...ends].filter(([key, end]) => (committed.get(key) ?? -1n) < end);
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`group ${group} still behind on ${behind.map(([k]) => k).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * `verity run` arguments for a long-running member of `group` on the test topics: fresh dead-letter
 * and issue topics, no progress line, an ephemeral metrics port, and a short session timeout so a
 * killed member is replaced within seconds.
 */
export function kafkaRunArgs(o: {
  readonly brokers: readonly string[];
  readonly group: string;
  readonly topics: { readonly customers: string; readonly agents: string };
  readonly dataDir: string;
  readonly batchSize: number;
  readonly partitionsConcurrency: number;
  readonly extra?: readonly string[];
}): string[] {
  return [
    'run', '--kafka-brokers', o.brokers.join(','), '--group-id', o.group,
    '--customer-topic', o.topics.customers, '--agent-topic', o.topics.agents,
    '--dead-letter-topic', uniqueTopic('dlq'), '--issue-topic', uniqueTopic('issues'),
    '--data-dir', o.dataDir, '--no-progress', '--metrics-port', '0', '--batch-size', String(o.batchSize),
    '--session-timeout-ms', '6000', '--partitions-concurrency', String(o.partitionsConcurrency), ...(o.extra ?? []),
  ];
}
