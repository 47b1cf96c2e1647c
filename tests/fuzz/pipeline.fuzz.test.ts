// The accounting property on the real pipeline: runJob with a file source on the embedded chDB
// store, a pinned clock, for fewer cases than the pure properties (each is a run). Every line must
// be read, accepted or dead-lettered, and dead-lettered exactly where the in-process oracle (the
// decoder and processEvent, harness.ts) says, with the code it says: the file source, batching,
// de-duplication against the store and the store itself must lose, add or change nothing. No dead
// letter in the table, and no log entry about one, may carry a value of its line.
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { createFileSource } from '../../connectors/file/file-source.ts';
import { resolveRunConfig } from '../../pipelines/config/run-config.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { runJob } from '../../pipelines/runtime/run-job.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { customerEvent } from './arbitraries.ts';
import { BOUNDS_PRESETS, FUZZ_NOW, FUZZ_NOW_MS } from './bounds-presets.ts';
import { fail, fuzzAssertAsync, printFuzzSummary } from './fuzz-run.ts';
import { newHarness, runBatch } from './harness.ts';
import { candidatesOf, describeLeaks, findLeaks, Vocabulary, type Candidates } from './leaks.ts';
import { describeMessage, messageArbitrary, type FuzzMessage } from './messages.ts';
import { POISONS } from './poison.ts';
import { runConnectors } from '../../pipelines/cli/run-connectors.ts';

const mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
const rules = (await loadRulePack()).rules;
const pipelineBounds = BOUNDS_PRESETS.find((p) => p.name === 'pipeline')!.bounds;
const vocabulary = new Vocabulary({
  mappings,
  limits: BOUNDS_PRESETS.map((p) => p.bounds.limits),
  windows: BOUNDS_PRESETS.map((p) => p.bounds.eventTime),
  ruleIds: rules.map((r) => r.definition.id),
});

/** What the file source hands on for a line: its bytes without a trailing CR. */
const asRead = (bytes: Buffer) => (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes);

interface Line {
  readonly message: FuzzMessage;
  readonly poison?: string;
}

const lines = fc
  .record({
    messages: fc.array(messageArbitrary({ mapping: mappings[0]!, line: true }), { minLength: 10, maxLength: 120, size: 'max' }),
    poisons: fc.array(fc.record({ poison: fc.constantFrom(...POISONS), base: customerEvent, at: fc.nat() }), { maxLength: 3 }),
  })
  .map(({ messages, poisons }) => {
    const out: Line[] = messages.map((message) => ({ message }));
    for (const { poison, base, at } of poisons) {
      const value = poison.make(base);
      out.splice(at % (out.length + 1), 0, { message: { bytes: Buffer.from(JSON.stringify(value)), labels: [`poison:${poison.name}`], origin: 'canonical', value, exact: true }, poison: poison.name });
    }
    return out;
  });

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

let runsDone = 0;
let linesDone = 0;
const byCode = new Map<string, number>();

afterAll(() => {
  printFuzzSummary('pipeline fuzz');
  console.log(`  ${linesDone} lines in ${runsDone} runs; dead letters by code: ${[...byCode].sort().map(([c, n]) => `${c} ${n}`).join(', ')}`);
});

describe('runJob on the embedded store under fuzzing', () => {
  it('reads every line, accepts or dead-letters it as the oracle does, and keeps its values out of reasons and logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-fuzz-pipeline-'));
    const dataDir = join(dir, 'data');
    // Store and oracle live across the cases, as a long-running deployment's would: later cases
    // meet events and open issues of earlier ones.
    const oracle = newHarness(rules, createTokenizer(Buffer.alloc(32, 0x2f)), FUZZ_NOW);
    const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    let caseNumber = 0;
    try {
      await fuzzAssertAsync(
        'runJob accounting',
        fc.asyncProperty(lines, fc.integer({ min: 1, max: 40 }), async (batch, batchSize) => {
          caseNumber += 1;
          const input = join(dir, `case-${caseNumber}.jsonl`);
          writeFileSync(input, Buffer.concat(batch.flatMap((l) => [l.message.bytes, Buffer.from('\n')])));
          const logs: string[] = [];
          const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) }));
          const config = await resolveRunConfig({ flags: { input, dataDir }, env: {}, cwd: dir });
          const report = await runJob(config, runConnectors(config), createFileSource({ input, batchSize }), logger, { now: () => FUZZ_NOW_MS });
          runsDone += 1;
          linesDone += batch.length;

          if (report.events !== batch.length) fail(`read ${report.events} of ${batch.length} lines`);
          if (report.accepted + report.deadLettered !== report.events) fail(`accepted ${report.accepted} + dead-lettered ${report.deadLettered} != read ${report.events}`);
          const byReason = Object.values(report.deadLettersByReason).reduce((n, c) => n + c, 0);
          if (byReason !== report.deadLettered) fail(`dead letters by reason add up to ${byReason}, not ${report.deadLettered}`);

          const expected = runBatch(oracle, batch.map((l) => asRead(l.message.bytes)), mappings, pipelineBounds);
          if (report.accepted !== expected.accepted || report.duplicates !== expected.duplicates) {
            fail(`accepted ${report.accepted} (${report.duplicates} duplicates), the oracle ${expected.accepted} (${expected.duplicates})`);
          }
          const rows = await (
            await client.query({
              query: 'SELECT line, reason_code, reason, error_path FROM verity.dead_letters FINAL WHERE file = {file:String} ORDER BY line',
              query_params: { file: input },
              format: 'JSONEachRow',
            })
          ).json<{ line: string | number; reason_code: string; reason: string; error_path: string }>();
          const stored = rows.map((r) => `${Number(r.line)}:${r.reason_code}`).join(' ');
          const wanted = expected.deadLetters.map((d) => `${d.index + 1}:${d.code}`).join(' ');
          if (stored !== wanted) fail(`dead letters stored at lines:codes [${stored}], the oracle says [${wanted}]`);
          for (const r of rows) {
            byCode.set(r.reason_code, (byCode.get(r.reason_code) ?? 0) + 1);
            const line = batch[Number(r.line) - 1]!;
            const leaks = findLeaks(`${r.reason}\u0001${r.error_path}`, candidatesOf(asRead(line.message.bytes), line.message.value, line.message.exact), vocabulary);
            if (leaks.length > 0) fail(`stored ${r.reason_code} dead letter of line ${Number(r.line)} carries input: ${describeLeaks(leaks)}`);
          }
          for (const l of batch) {
            if (l.poison === undefined) continue;
            const poison = POISONS.find((p) => p.name === l.poison)!;
            const index = batch.indexOf(l);
            const row = rows.find((r) => Number(r.line) === index + 1);
            if (row?.reason_code !== poison.code || row.error_path !== poison.errorPath) fail(`poison ${poison.name} was ${row ? `dead-lettered as ${row.reason_code} at ${row.error_path}` : 'not dead-lettered'}`);
          }
          // The log entries about dead letters and failed events: no value of any line.
          const all: Candidates = { values: new Set(), exempt: new Set() };
          for (const l of batch) {
            const c = candidatesOf(asRead(l.message.bytes), l.message.value, l.message.exact);
            // Numbers in an entry are the logger's and the pipeline's (levels, counts), never a value.
            for (const v of c.values) if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) all.values.add(v);
            for (const e of c.exempt) all.exempt.add(e);
          }
          for (const entry of logs) {
            const parsed = JSON.parse(entry) as Record<string, unknown>;
            if (parsed.reasonCode === undefined && parsed.stage === undefined) continue;
            // time, pid and hostname are the machine's; `at` is this file's path and a line number.
            // The entry's strings are what it says; its JSON punctuation is the logger's.
            const { time: _t, pid: _p, hostname: _h, at: _a, ...rest } = parsed;
            const leaks = findLeaks(stringsOf(rest).join('\u0001'), all, vocabulary);
            if (leaks.length > 0) fail(`a log entry about a ${String(parsed.reasonCode ?? parsed.stage)} carries input: ${describeLeaks(leaks)}`);
          }
        }),
        {
          runs: 30,
          unit: 'run of 10–123 lines',
          shrink: false,
          describe: ([batch, size]) => `${batch.length} lines in batches of ${size}: ${batch.map((l) => describeMessage(l.message)).join(' | ')}`,
        },
      );
    } finally {
      await client.close();
    }
  }, 600_000);
});
