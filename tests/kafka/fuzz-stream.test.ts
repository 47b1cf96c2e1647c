// Issue 6 §3 through Kafka: 10^5 fuzzed lines published with `verity produce` (non-objects go as
// raw bytes without a key) and consumed by `verity run --once` on the embedded store. Both must
// exit 0, every message produced must be read (or skipped as a tombstone), accepted or
// dead-lettered, every dead letter must be on the dead-letter topic once, with the code the
// decoder gives its bytes here, and the poison messages of issue 6 must be among them with theirs.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS, eventTimeWindow } from '../../pipelines/contract/bounds.ts';
import { decodeMessage } from '../../pipelines/quality/decode.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity, type CliResult } from '../e2e/support.ts';
import { fuzzSeed } from '../fuzz/fuzz-run.ts';
import { logSummary } from '../fuzz/log-summary.ts';
import { writeFuzzStream, type FuzzStream } from '../fuzz/stream.ts';
import { createTopic, describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { readTopic, type TopicMessage } from './support.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';

const LINES = 100_000;
const PARTITIONS = 4;

describeKafka('10^5 fuzzed messages through Kafka and verity run --once (issue 6 §3)', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-fuzz-'));
  const input = join(dir, 'fuzz.jsonl');
  const dataDir = join(dir, 'data');
  const reportFile = join(dir, 'report.json');
  const topics = { customers: uniqueTopic('fuzz-customers'), agents: uniqueTopic('fuzz-agents'), dlq: uniqueTopic('fuzz-dlq'), issues: uniqueTopic('fuzz-issues') };
  const seconds: Record<string, number> = {};
  let mappings: DebeziumMapping[];
  let stream: FuzzStream;
  let produce: CliResult;
  let produced: { customers: number; agents: number; unkeyed: number };
  let run: CliResult;
  let report: RunReport;
  let dlq: TopicMessage[];

  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      seconds[name] = Math.round((performance.now() - started) / 100) / 10;
    }
  };

  beforeAll(async () => {
    mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
    // No message over maxMessageBytes: the broker refuses those before the pipeline could see them.
    stream = await timed('generate', () => writeFuzzStream(input, { lines: LINES, seed: fuzzSeed(), mapping: mappings[0]!, poisonCopies: 4, oversize: 0 }));
    // Topics with the broker's defaults (max.message.bytes 1 MB), as a deployment would have them.
    await createTopic(brokers, topics.customers, PARTITIONS);
    await createTopic(brokers, topics.agents, PARTITIONS);
    const brokerList = brokers.join(',');
    produce = await timed('verity produce', () =>
      verity(['produce', '--input', input, '--kafka-brokers', brokerList, '--topic', topics.customers, '--agent-topic', topics.agents, '--log-level', 'error'], {}, undefined, 900_000),
    );
    expect(produce.status, logSummary(produce.stderr)).toBe(0);
    produced = JSON.parse(produce.stdout) as typeof produced;
    run = await timed('verity run', () =>
      verity(
        [
          'run', '--kafka-brokers', brokerList, '--group-id', uniqueTopic('fuzz-group'),
          '--customer-topic', topics.customers, '--agent-topic', topics.agents,
          '--dead-letter-topic', topics.dlq, '--issue-topic', topics.issues,
          '--once', '--report', reportFile, '--data-dir', dataDir, '--no-progress', '--metrics-port', '0', '--log-level', 'error',
        ],
        {},
        undefined,
        1_200_000,
      ),
    );
    expect(run.status, logSummary(run.stderr)).toBe(0);
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    dlq = await timed('read dead-letter topic', () => readTopic(brokers, topics.dlq, 300_000));
  }, 2_400_000);

  afterAll(() => {
    if (!report) return;
    // Kinds and counts only.
    console.log(
      [
        `kafka fuzz stream (seed ${fuzzSeed()}): ${stream.lines} lines, ${(stream.bytes / 1e6).toFixed(1)} MB, ${stream.repeats} re-deliveries; produced ${produced.customers} customer and ${produced.agents} agent messages (${produced.unkeyed} without a key)`,
        `  report: events ${report.events}, tombstones ${report.tombstones}, accepted ${report.accepted} (duplicates ${report.duplicates}), dead-lettered ${report.deadLettered}: ${Object.entries(report.deadLettersByReason).sort().map(([c, n]) => `${c} ${n}`).join(', ')}`,
        `  dead-letter topic: ${dlq.length} messages; seconds: ${Object.entries(seconds).map(([k, s]) => `${k} ${s}`).join(', ')}; the run's own ${report.durationMs} ms`,
      ].join('\n'),
    );
  });

  it('ends verity produce and verity run with exit 0, every line produced', () => {
    expect(produce.status).toBe(0);
    expect(run.status).toBe(0);
    expect(produced.customers + produced.agents).toBe(LINES);
  });

  it('accounts for every message: read + tombstones = produced, accepted + dead-lettered = read', () => {
    expect(report.events + report.tombstones).toBe(produced.customers + produced.agents);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(Object.values(report.deadLettersByReason).reduce((n, c) => n + c, 0)).toBe(report.deadLettered);
    for (const code of ['not-json', 'not-object', 'contract', 'unmapped-source', 'mapping-failed', 'too-large', 'out-of-range']) expect(report.deadLettersByReason[code], code).toBeGreaterThan(0);
  });

  it('publishes one dead-letter message per dead letter, with the code the decoder gives its bytes', () => {
    expect(dlq).toHaveLength(report.deadLettered);
    const byCode: Record<string, number> = {};
    for (const m of dlq) byCode[m.headers['verity-reason-code']!] = (byCode[m.headers['verity-reason-code']!] ?? 0) + 1;
    expect(byCode).toEqual(report.deadLettersByReason);
    // The run's window came from its own clock; generated event times are years from its edges.
    const bounds = { limits: DEFAULT_INPUT_LIMITS, eventTime: eventTimeWindow(DEFAULT_EVENT_TIME.earliest, DEFAULT_EVENT_TIME.aheadHours, Date.now()) };
    const differ: string[] = [];
    for (const m of dlq) {
      const code = m.headers['verity-reason-code'];
      const result = decodeMessage(m.value ?? Buffer.alloc(0), [debeziumAdapter(mappings)], bounds);
      const expected = result.ok ? 'processing-error' : result.code;
      // Partition, offset and codes only.
      if (code !== expected && differ.length < 20) differ.push(`${m.partition}/${m.offset}: published ${code}, decodes as ${expected}`);
    }
    expect(differ).toEqual([]);
  });

  it('dead-letters every poison message with its code and error path', () => {
    expect(stream.special).toHaveLength(4 * 5);
    const published = new Map<string, TopicMessage[]>();
    for (const m of dlq) {
      const key = m.value?.toString('base64') ?? '';
      published.set(key, [...(published.get(key) ?? []), m]);
    }
    for (const s of stream.special) {
      const found = published.get(s.bytes.toString('base64')) ?? [];
      expect(found.length, s.name).toBeGreaterThan(0);
      for (const m of found) expect({ name: s.name, code: m.headers['verity-reason-code'], errorPath: m.headers['verity-error-path'] }).toEqual({ name: s.name, code: s.code, errorPath: s.errorPath });
    }
  });
});
