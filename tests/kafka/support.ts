// Helpers for the Kafka pipeline tests: read whole topics, spawn `verity run` as a long-running
// child, and dump the store of a data dir (only when no child process holds it).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { IHeaders } from 'kafkajs';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { PROJECT_ROOT } from '../e2e/support.ts';
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

export interface Child {
  readonly process: ChildProcess;
  stderr: string;
  stdout: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export function spawnVerity(args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, ['bin/verity.mjs', ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const waiters: { text: string; resolve: () => void }[] = [];
  const child: Child = {
    process: proc,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    waitFor(text, timeoutMs = 60_000) {
      if (child.stderr.includes(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${child.stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
        void child.exited.then(() => setTimeout(() => reject(new Error(`exited before "${text}":\n${child.stderr.slice(-3000)}`)), 50));
      });
    },
  };
  proc.stdout!.on('data', (d: Buffer) => (child.stdout += d.toString('utf8')));
  proc.stderr!.on('data', (d: Buffer) => {
    child.stderr += d.toString('utf8');
    for (const w of waiters.splice(0)) {
      if (child.stderr.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  return child;
}

export interface StoreDump {
  readonly eventIds: string[];
  readonly recordRows: number;
  readonly findingIds: string[];
  readonly findingRows: number;
  readonly issues: string[];
  readonly issueEvents: number;
  readonly deadLetterIds: string[];
  readonly tables: string;
}

const TABLES = ['records', 'findings', 'issues', 'issue_events', 'dead_letters'] as const;

/** Opens the embedded store of `dataDir`: only call when no verity process holds it. */
export async function dumpStore(dataDir: string): Promise<StoreDump> {
  const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
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
      deadLetterIds: await col('SELECT DISTINCT dead_letter_id FROM verity.dead_letters ORDER BY dead_letter_id'),
      tables: dumps.join('\n'),
    };
  } finally {
    await client.close();
  }
}
