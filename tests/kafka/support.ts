// Helpers for the Kafka pipeline tests: read whole topics, wait for a group, and build run
// arguments. Store dumps live in tests/support/store-dump.ts (the file-input tests use them too).
import { readFileSync } from 'node:fs';
import type { IHeaders } from 'kafkajs';
import { expect } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { verity } from '../e2e/support.ts';
import { createTopic, kafkaClient, uniqueTopic } from '../support/kafka/use-kafka.ts';
import { usePostgres } from '../support/postgres/use-postgres.ts';

export { dumpStore, expectSameTables, type StoreDump } from '../support/store-dump.ts';

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
  /** Shared by members whose output a test reads back; by default each run gets fresh ones. */
  readonly deadLetterTopic?: string;
  readonly issueTopic?: string;
  readonly extra?: readonly string[];
}): string[] {
  return [
    'run', '--kafka-brokers', o.brokers.join(','), '--group-id', o.group,
    '--customer-topic', o.topics.customers, '--agent-topic', o.topics.agents,
    '--dead-letter-topic', o.deadLetterTopic ?? uniqueTopic('dlq'), '--issue-topic', o.issueTopic ?? uniqueTopic('issues'),
    '--data-dir', o.dataDir, '--no-progress', '--metrics-port', '0', '--batch-size', String(o.batchSize),
    '--session-timeout-ms', '6000', '--partitions-concurrency', String(o.partitionsConcurrency), ...(o.extra ?? []),
  ];
}

/**
 * The run's PostgreSQL server, for Kafka tests with several members: they share one state store.
 * Fails (rather than skips) without one: the members would each keep their own state and diverge.
 */
export function requirePostgres(): { readonly url: string } {
  const postgres = usePostgres();
  if (!postgres.available) throw new Error(`several members need a shared state store, and there is no PostgreSQL server: ${postgres.reason}`);
  return { url: postgres.url };
}

/** Generates a stream of `customers` (with `seed`) into `stream`, puts it on fresh six-partition topics, and returns its truth. */
export async function generateOnTopics(
  brokers: string[],
  topics: { readonly customers: string; readonly agents: string },
  stream: string,
  customers: number,
  seed: number,
): Promise<GroundTruth> {
  const generated = verity(['generate', '--customers', String(customers), '--seed', String(seed), '--out', stream]);
  expect(generated.status, generated.stderr).toBe(0);
  await createTopic(brokers, topics.customers, 6);
  await createTopic(brokers, topics.agents, 6);
  const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokers.join(','), '--topic', topics.customers, '--agent-topic', topics.agents]);
  expect(produced.status, produced.stderr).toBe(0);
  return JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
}
