// Property-based fuzzing of decodeMessage (issue 6 §3): generated events from the contract and from
// the Debezium mapping, mutated structurally and byte by byte, under several bounds. Seeded and
// reproducible: see fuzz-run.ts for VERITY_FUZZ_SEED, VERITY_FUZZ_PATH and VERITY_FUZZ_SCALE.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { findDateOutOfRange } from '../../pipelines/contract/bounds.ts';
import { AgentChange, ChangeEvent, CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { decodeMessage, type DeadLetterCode, type DecodeResult } from '../../pipelines/quality/decode.ts';
import { canonicalEvent, debeziumEvent } from './arbitraries.ts';
import { BOUNDS_PRESETS, boundsPreset } from './bounds-presets.ts';
import { applyByteMutation, byteMutation, serialize } from './bytes.ts';
import { leavesOf } from './contract-arbitrary.ts';
import { fail, fuzzAssert, fuzzSeed, printFuzzSummary } from './fuzz-run.ts';
import { candidatesOf, describeLeaks, findLeaks, Vocabulary } from './leaks.ts';
import { describeMessage, messageArbitrary } from './messages.ts';
import { DICTIONARY } from './mutations.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';

const mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
const mapping = mappings[0]!;
const vocabulary = new Vocabulary({
  mappings,
  limits: BOUNDS_PRESETS.map((p) => p.bounds.limits),
  windows: BOUNDS_PRESETS.map((p) => p.bounds.eventTime),
  ruleIds: [],
});

const DECODE_CODES: ReadonlySet<DeadLetterCode> = new Set(['not-json', 'not-object', 'contract', 'unmapped-source', 'mapping-failed', 'too-large', 'out-of-range']);
const messages = messageArbitrary({ mapping });

/** Every string and member name is well-formed Unicode (String.prototype.isWellFormed, ES2024). */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
  if (Array.isArray(value)) return value.every(wellFormed);
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => wellFormed(k) && wellFormed(v));
  return true;
}

/** A decode result in words, for failure reports: never the reason's text, which is under test. */
const outcome = (r: DecodeResult) => (r.ok ? `ok via ${r.via}` : `${r.code} (errorPath of ${r.errorPath.length} characters)`);

afterAll(() => printFuzzSummary('decode fuzz'));

describe('the generators', () => {
  it('generate every field of the contract, so a field added to it is fuzzed too', () => {
    const leaves = new Set([...leavesOf(CustomerChange), ...leavesOf(AgentChange)].map((l) => l.path));
    const seen = new Set<string>();
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) value.forEach((v) => walk(v, `${path}[]`));
      else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`);
      else seen.add(path);
    };
    for (const event of fc.sample(canonicalEvent, { seed: fuzzSeed(), numRuns: 3_000 })) walk(event, '');
    expect([...leaves].filter((path) => !seen.has(path))).toEqual([]);
  });
});

describe('decodeMessage under fuzzing', () => {
  it('accepts every valid generated event, canonical and Debezium, as the contract parses it', () => {
    const valid = fc.oneof(canonicalEvent.map((value) => ({ value, debezium: false })), debeziumEvent(mapping).map((value) => ({ value, debezium: true })));
    fuzzAssert(
      'valid events are accepted',
      fc.property(valid, fc.constantFrom('compact' as const, 'spaced' as const, 'pretty' as const), fc.constantFrom('json' as const, 'ascii' as const), ({ value, debezium }, spacing, escaping) => {
        const result = decodeMessage(Buffer.from(serialize(value, { spacing, escaping }), 'utf8'), [debeziumAdapter(mappings)], BOUNDS_PRESETS[0]!.bounds);
        if (!result.ok) fail(`a valid ${debezium ? 'Debezium' : 'canonical'} event was dead-lettered as ${result.code}`);
        if (result.via !== (debezium ? 'debezium' : 'canonical')) fail(`decoded via ${result.via}`);
        if (!debezium && !isDeepStrictEqual(result.event, ChangeEvent.parse(value))) fail('the decoded event differs from what the contract parses');
      }),
      { runs: 3_000, unit: 'valid event', describe: ([v]) => `${v.debezium ? 'Debezium' : 'canonical'} event` },
    );
  });

  it('never throws, answers with a known code, and keeps every input value out of reasons and error paths', () => {
    fuzzAssert(
      'no exception, no leak',
      fc.property(messages, boundsPreset, (message, { bounds }) => {
        let result: DecodeResult;
        try {
          result = decodeMessage(message.bytes, [debeziumAdapter(mappings)], bounds);
        } catch (error) {
          fail(`decodeMessage threw ${error instanceof Error ? error.name : typeof error}`);
        }
        if (result.ok) {
          if (!ChangeEvent.safeParse(result.event).success) fail('an accepted event does not satisfy the contract');
          if (findDateOutOfRange(result.event, bounds.eventTime)) fail('an accepted event has a date out of range');
          // What the store needs of every accepted string: Unicode it can hold.
          if (!wellFormed(result.event)) fail('an accepted event holds a string that is not well-formed Unicode');
          return;
        }
        if (!DECODE_CODES.has(result.code)) fail(`unknown dead-letter code ${result.code}`);
        if (typeof result.reason !== 'string' || result.reason.length < 5) fail(`${result.code} without a reason`);
        if (typeof result.errorPath !== 'string') fail(`${result.code} without an error path`);
        const leaks = findLeaks(`${result.reason}\u0001${result.errorPath}`, candidatesOf(message.bytes, message.value, message.exact), vocabulary);
        if (leaks.length > 0) fail(`${result.code} reason or error path carries input: ${describeLeaks(leaks)}${process.env['VERITY_FUZZ_SHOW_VALUES'] === '1' ? ` in ${JSON.stringify(result)}` : ''}`);
      }),
      { runs: 50_000, unit: 'message', describe: ([m, b]) => `${describeMessage(m)} under ${b.name} bounds` },
    );
  });

  it('gives the same bytes the same result, whatever was decoded before', () => {
    fuzzAssert(
      'deterministic',
      fc.property(messages, messages, boundsPreset, (message, other, { bounds }) => {
        const first = decodeMessage(message.bytes, [debeziumAdapter(mappings)], bounds);
        decodeMessage(other.bytes, [debeziumAdapter(mappings)], bounds);
        const again = decodeMessage(Buffer.from(message.bytes), [debeziumAdapter(mappings)], bounds);
        if (!isDeepStrictEqual(first, again)) fail(`decoded differently the second time: ${outcome(first)}, then ${outcome(again)}`);
      }),
      { runs: 15_000, unit: 'message pair', describe: ([m, o, b]) => `${describeMessage(m)} after ${describeMessage(o)} under ${b.name} bounds` },
    );
  });

  it('reports where JSON breaks as a byte offset into the message that follows the bytes, not their content', () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    // Broken JSON whose breakage is text from the dictionary (V8 and decoder phrases among it),
    // a cut, or a byte mutation; with and without a BOM.
    const broken = fc
      .record({
        value: fc.oneof(canonicalEvent, debeziumEvent(mapping)),
        how: fc.oneof(
          fc.record({ word: fc.constantFrom(...DICTIONARY), at: fc.nat() }),
          byteMutation.map((mutation) => ({ mutation })),
        ),
        bom: fc.boolean(),
      })
      .map(({ value, how, bom }) => {
        let bytes: Buffer = Buffer.from(serialize(value, { spacing: 'compact', escaping: 'json' }), 'utf8');
        if ('word' in how) {
          const at = how.at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(how.word), bytes.subarray(at)]);
        } else bytes = applyByteMutation(bytes, how.mutation);
        const label = 'word' in how ? 'raw dictionary word' : `bytes:${how.mutation.kind}`;
        return { bytes: bom ? Buffer.concat([BOM, bytes]) : bytes, label: `${label}${bom ? ' after a BOM' : ''}` };
      });
    const positionOf = (r: DecodeResult) => (r.ok || r.code !== 'not-json' ? undefined : /at byte (\d+)/.exec(r.reason)?.[1]);
    fuzzAssert(
      'positions',
      fc.property(broken, ({ bytes }) => {
        const result = decodeMessage(bytes, [debeziumAdapter(mappings)]);
        const at = positionOf(result);
        if (at === undefined) return;
        if (Number(at) > bytes.length) fail(`byte offset beyond the message's ${bytes.length} bytes`);
        // Whitespace before the JSON text moves the break by one byte, and a BOM by three.
        const bom = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
        const spaced = decodeMessage(Buffer.concat([bytes.subarray(0, bom), Buffer.from(' '), bytes.subarray(bom)]), [debeziumAdapter(mappings)]);
        if (positionOf(spaced) !== String(Number(at) + 1)) fail(`a space before the JSON text moved the reported offset by ${Number(positionOf(spaced)) - Number(at)}, not 1`);
        if (bom === 0) {
          const withBom = decodeMessage(Buffer.concat([BOM, bytes]), [debeziumAdapter(mappings)]);
          if (positionOf(withBom) !== String(Number(at) + 3)) fail(`a BOM moved the reported offset by ${Number(positionOf(withBom)) - Number(at)}, not 3`);
        }
      }),
      { runs: 15_000, unit: 'broken message', describe: ([b]) => `${b.label}, ${b.bytes.length} bytes` },
    );
  });
});
