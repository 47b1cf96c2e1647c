// Issue 6 §3 end to end: 10^5 fuzzed lines (mutated canonical and Debezium events, junk, byte
// damage, re-deliveries, the poison messages of issue 6 and messages over maxMessageBytes) through
// the real CLI, `verity run --once`, on the embedded store. The run must end with exit 0 and every
// line accounted for: each dead-lettered exactly where, and with the code, that the decoder and
// processEvent give in this process, the rest stored. Seeded (VERITY_FUZZ_SEED, tests/fuzz/fuzz-run.ts).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS, eventTimeWindow } from '../../pipelines/contract/bounds.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { fuzzSeed } from '../fuzz/fuzz-run.ts';
import { expectFile, type FileExpectation } from '../fuzz/oracle.ts';
import { writeFuzzStream, type FuzzStream } from '../fuzz/stream.ts';
import { logSummary } from '../fuzz/log-summary.ts';
import { verity, type CliResult } from './support.ts';

const LINES = 100_000;

describe('10^5 fuzzed lines through verity run --once on the embedded store (issue 6 §3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-fuzz-stream-'));
  const input = join(dir, 'fuzz.jsonl');
  const dataDir = join(dir, 'data');
  const reportFile = join(dir, 'report.json');
  const seconds: Record<string, number> = {};
  let stream: FuzzStream;
  let run: CliResult;
  let report: RunReport;
  let expected: FileExpectation;
  let stored: Map<number, { code: string; errorPath: string }>;
  let storedEventIds: number;

  const timed = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      seconds[name] = Math.round((performance.now() - started) / 100) / 10;
    }
  };

  beforeAll(async () => {
    const mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
    const rules = (await loadRulePack()).rules;
    stream = await timed('generate', () =>
      writeFuzzStream(input, { lines: LINES, seed: fuzzSeed(), mapping: mappings[0]!, poisonCopies: 4, oversize: 2 }),
    );
    run = await timed('verity run', () =>
      verity(['run', '--input', input, '--data-dir', dataDir, '--once', '--no-progress', '--report', reportFile, '--log-level', 'error'], {}, undefined, 900_000),
    );
    expect(run.status, logSummary(run.stderr)).toBe(0);
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    // The window the run used was computed from its own clock a little later; generated event
    // times are years away from either edge, the poison ones centuries.
    const bounds = { limits: DEFAULT_INPUT_LIMITS, eventTime: eventTimeWindow(DEFAULT_EVENT_TIME.earliest, DEFAULT_EVENT_TIME.aheadHours, Date.now()) };
    expected = await timed('oracle', () => expectFile(input, mappings, rules, bounds, new Date().toISOString()));
    const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    try {
      const rows = await (
        await client.query({ query: 'SELECT line, reason_code, error_path FROM verity.dead_letters FINAL', format: 'JSONEachRow' })
      ).json<{ line: string | number; reason_code: string; error_path: string }>();
      stored = new Map(rows.map((r) => [Number(r.line), { code: r.reason_code, errorPath: r.error_path }]));
      const [ids] = await (await client.query({ query: 'SELECT uniqExact(event_id) AS n FROM verity.records', format: 'JSONEachRow' })).json<{ n: string | number }>();
      storedEventIds = Number(ids?.n);
    } finally {
      await client.close();
    }
  }, 1_500_000);

  afterAll(() => {
    if (!report) return;
    // Kinds and counts only.
    console.log(
      [
        `fuzz stream (seed ${fuzzSeed()}): ${stream.lines} lines, ${(stream.bytes / 1e6).toFixed(1)} MB, ${stream.repeats} re-deliveries, ${stream.special.length} poison/oversize lines`,
        `  kinds: ${[...stream.kinds].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`,
        `  report: events ${report.events}, accepted ${report.accepted} (duplicates ${report.duplicates}), dead-lettered ${report.deadLettered}: ${Object.entries(report.deadLettersByReason).sort().map(([c, n]) => `${c} ${n}`).join(', ')}`,
        `  seconds: ${Object.entries(seconds).map(([k, s]) => `${k} ${s}`).join(', ')}; the run's own ${report.durationMs} ms, ${report.eventsPerSecond} events/s`,
      ].join('\n'),
    );
  });

  it('ends with exit 0 and reads every line', () => {
    expect(run.status).toBe(0);
    expect(report.events).toBe(LINES);
    expect(expected.lines).toBe(LINES);
  });

  it('accounts for every line: accepted + dead-lettered = read, and the dead letters by reason add up', () => {
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(Object.values(report.deadLettersByReason).reduce((n, c) => n + c, 0)).toBe(report.deadLettered);
    expect(report.deadLettersByReason).toEqual(Object.fromEntries(expected.byCode));
    expect({ accepted: report.accepted, duplicates: report.duplicates }).toEqual({ accepted: expected.accepted, duplicates: expected.duplicates });
    // The stream does exercise every outcome it is meant to.
    for (const code of ['not-json', 'not-object', 'contract', 'unmapped-source', 'mapping-failed', 'too-large', 'out-of-range']) expect(report.deadLettersByReason[code], code).toBeGreaterThan(0);
    expect(report.duplicates).toBeGreaterThan(0);
  });

  it('dead-letters exactly the lines the decoder and processEvent reject, with their codes, and stores the rest', () => {
    expect(stored.size).toBe(report.deadLettered);
    const differ = [...new Set([...stored.keys(), ...expected.deadLetters.keys()])].filter((line) => stored.get(line)?.code !== expected.deadLetters.get(line));
    // Line numbers and codes only.
    expect(differ.slice(0, 20).map((line) => `${line}: stored ${stored.get(line)?.code ?? 'none'}, expected ${expected.deadLetters.get(line) ?? 'none'}`)).toEqual([]);
    expect(storedEventIds).toBe(expected.eventIds.size);
  });

  it('dead-letters every poison message and every message over maxMessageBytes with its code and error path', () => {
    expect(stream.special.length).toBe(4 * 5 + 2);
    for (const s of stream.special) expect({ line: s.line, name: s.name, ...stored.get(s.line) }).toEqual({ line: s.line, name: s.name, code: s.code, errorPath: s.errorPath });
  });

  it('keeps the original bytes of every dead letter in the archive', () => {
    const archived = readFileSync(report.deadLetterFile, 'utf8').trim().split('\n');
    expect(archived).toHaveLength(report.deadLettered);
  });
});
