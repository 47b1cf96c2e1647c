// The pipeline's per-event CPU work without a store: decode → mask → rules → issue tracker, on a
// generated stream, in this process. For profiling and for checking that a speed-up changed no
// output: it prints a digest of everything derived (records, findings, issue changes, dead-letter
// reasons), which must stay the same for the same stream, key and clock.
//
//   node bin/run-node.mjs tests/bench/prepare-only.ts [--customers 75000] [--seed S] [--input FILE] [--rounds 3]
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { decodeMessage } from '../../pipelines/quality/decode.ts';
import { IssueTracker } from '../../pipelines/quality/issue-tracker.ts';
import { InMemoryIssueStateStore } from '../support/fakes/in-memory-issue-state.ts';
import { processEvent } from '../../pipelines/quality/process-event.ts';
import { loadMappings, EXAMPLE_MAPPINGS_DIR } from '../../connectors/debezium/load-mappings.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { generatedStreamBytes } from './support.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '75000' },
    seed: { type: 'string', default: String(DEFAULTS.demoSeed) },
    input: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});

async function lines(): Promise<Buffer[]> {
  const bytes = values.input ? await readFile(values.input) : await generatedStreamBytes({ customers: Number(values.customers), seed: Number(values.seed) });
  const out: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(10); end !== -1; end = bytes.indexOf(10, start)) {
    out.push(bytes.subarray(start, end));
    start = end + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

const messages = await lines();
const [pack, mappings] = await Promise.all([loadRulePack(), loadMappings(EXAMPLE_MAPPINGS_DIR)]);
const adapters = [debeziumAdapter(mappings)];
const key = Buffer.alloc(32, 7);
const BATCH = DEFAULTS.batchSize;

for (let round = 1; round <= Number(values.rounds); round += 1) {
  const issueState = new InMemoryIssueStateStore();
  const deps = {
    rules: pack.rules,
    tokenizer: createTokenizer(key),
    issues: new IssueTracker(issueState, prcCalendar),
    now: () => '2026-12-01T00:00:00.000Z',
  };
  const digest = createHash('sha256');
  const seen = new Set<string>();
  let accepted = 0;
  let ms = 0;
  let cpuMicros = 0;
  // Timed per batch, as the pipeline holds one batch at a time; the digest is taken outside the timing.
  for (let first = 0; first < messages.length; first += BATCH) {
    const outputs: unknown[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let index = first; index < Math.min(first + BATCH, messages.length); index += 1) {
      const decoded = decodeMessage(messages[index]!, adapters);
      if (!decoded.ok) {
        outputs.push(`dead ${decoded.code} ${decoded.reason} ${decoded.errorPath}`);
        continue;
      }
      if (seen.has(decoded.event.eventId)) continue;
      seen.add(decoded.event.eventId);
      accepted += 1;
      outputs.push(processEvent(decoded.event, `stream.jsonl:${index + 1}`, deps));
    }
    ms += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    for (const out of outputs) digest.update(typeof out === 'string' ? out : JSON.stringify(out)).update('\n');
  }
  process.stdout.write(
    `round ${round}: ${messages.length} lines, ${accepted} processed, ${(ms / 1000).toFixed(2)} s wall, ` +
      `${(cpuMicros / 1e6).toFixed(2)} CPU s, ${Math.round(messages.length / (ms / 1000))} lines/s, ` +
      `digest ${digest.digest('hex').slice(0, 16)}\n`,
  );
}
