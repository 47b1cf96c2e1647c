// Does a dead letter's reason or error path carry anything of the input? The reason is logged, stored
// in ClickHouse and published as a Kafka header, so it may hold fixed words, contract names, limits
// and positions only.
//
// What is looked for. Every string of the input (values, and member names the contract does not
// declare), and every number, taken from the message as parsed, from the value before it was
// serialized (once bytes are broken it is the only record of what they held), and from the text's
// quoted strings and words when it does not parse:
// - whole, when it has 4 or more characters, or 2 or more if any is not ASCII: a Chinese name is
//   two or three characters, and reasons are ASCII, so two CJK characters are never chance;
// - in pieces: every 8-character piece of an ASCII value and every 2-character piece holding a
//   non-ASCII character, so that a value cut short in a reason is still found.
//
// What is not a leak, each for a reason (the honest false positives):
// - vocabulary: text that is part of the words reasons are made of, or that is found only where
//   the reason is such words put together ("er.name: " inside "customer.name: Invalid input").
//   The words are the string literals of the modules that build reasons and log them (read from
//   their source, so a new message is known at once) and of zod's English messages; contract
//   member names, paths, enum and literal values; the mapping's names, columns and targets; limits
//   and their names; the date domain and the event-time window; rule ids, stage names and error
//   class names; zod's number-format ranges (2^53 - 1 and the like), which its "Too big" messages
//   print. An input value made of such text ("person", "customer", "2199-12-31") says nothing when
//   it shows up, and it shows up as the vocabulary;
// - numbers the decoder computes: byte offsets (`at byte N`), item indexes (`[N]`) and counts
//   (`(+N more)`) are blanked before looking. That a byte offset follows the bytes, not their
//   content, is a property of its own (decode.fuzz.test.ts, "positions");
// - a Debezium event's source name, db, schema and table: decode.ts shows them in
//   `unmapped-source` reasons on purpose when they look like identifiers (they are connector and
//   table names, configuration, not record data).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { isRecord } from '../../pipelines/contract/field-paths.ts';
import { DATE_DOMAIN, DEFAULT_EVENT_TIME, type EventTimeWindow, type InputLimits } from '../../pipelines/contract/bounds.ts';
import { AgentChange, CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { contractKeysOf, leavesOf } from './contract-arbitrary.ts';
import { RawJson } from './mutations.ts';
import { stringLiterals } from './source-strings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Modules whose string literals make up reasons, processing-error messages and the log entries about them. */
const REASON_SOURCES = [
  'pipelines/quality/decode.ts',
  'pipelines/contract/bounds.ts',
  'pipelines/contract/customer-change.ts',
  'connectors/debezium/debezium-event.ts',
  'connectors/debezium/convert.ts',
  'pipelines/errors.ts',
  'pipelines/quality/process-event.ts',
  'pipelines/quality/evaluate-rules.ts',
  'pipelines/quality/issue-tracker.ts',
  'pipelines/runtime/quality-pipeline.ts',
  'node_modules/zod/v4/locales/en.js',
];

// What zod's util.parsedType and its number display can put after "received".
const ZOD_TYPE_NAMES = ['string', 'number', 'nan', 'NaN', 'Infinity', '-Infinity', 'boolean', 'bigint', 'symbol', 'undefined', 'object', 'function', 'array', 'null', 'date', 'promise', 'map', 'set', 'file'];
// The ranges of zod's number formats, which its "Too big"/"Too small" messages print.
const ZOD_NUMBER_LIMITS = ['int', 'int32', 'uint32', 'safeint', 'float32', 'float64', Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2147483647, -2147483648, 4294967295].map(String);
const ERROR_CLASSES = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'URIError', 'EvalError', 'AggregateError', 'ZodError', 'VerityError', 'ProcessingError', 'object', 'string', 'number', 'undefined'];

function contractVocabulary(): string[] {
  const leaves = [...leavesOf(CustomerChange), ...leavesOf(AgentChange)];
  const paths = new Set<string>();
  for (const leaf of leaves) {
    const parts = leaf.path.replaceAll('[]', '[#]').split('.');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('.'));
  }
  return [
    ...contractKeysOf(CustomerChange),
    ...contractKeysOf(AgentChange),
    ...paths,
    // Quoted as zod quotes them: "x" in enum options, 'x' in discriminator messages.
    ...leaves.flatMap((l) => (l.values ?? []).flatMap((v) => [`"${String(v)}"`, `'${String(v)}'`])),
    ...leaves.flatMap((l) => (l.values ?? []).map(String)),
  ];
}

function mappingVocabulary(mappings: readonly DebeziumMapping[]): string[] {
  return mappings.flatMap((m) => [
    m.name, m.source, m.produces, m.entityId, m.entityKey, m.image, m.occurredAt.text,
    ...Object.values(m.match).filter((v): v is string => typeof v === 'string'),
    ...m.fields.flatMap((f) => [f.column, f.target]),
    ...m.eventId.map((p) => (p.kind === 'payload' ? p.text : '$entityId')),
    ...m.ignore,
  ]);
}

export interface VocabularyInputs {
  readonly mappings: readonly DebeziumMapping[];
  /** Every set of limits reasons may name. */
  readonly limits: readonly InputLimits[];
  /** The event-time windows reasons may name (their ends are printed as ISO instants). */
  readonly windows: readonly EventTimeWindow[];
  readonly ruleIds: readonly string[];
}

export class Vocabulary {
  readonly #text: string;
  /** Distinct words of two or more characters, longest first, for `covered`. */
  readonly #words: readonly string[];
  readonly #cache = new Map<string, boolean>();

  constructor(inputs: VocabularyInputs) {
    const words = [
      ...REASON_SOURCES.flatMap((file) => stringLiterals(readFileSync(`${ROOT}/${file}`, 'utf8'))),
      ...ZOD_TYPE_NAMES,
      ...ZOD_NUMBER_LIMITS,
      ...ERROR_CLASSES,
      ...contractVocabulary(),
      ...mappingVocabulary(inputs.mappings),
      ...inputs.limits.flatMap((limits) => Object.entries(limits).flatMap(([name, value]) => [name, String(value)])),
      DATE_DOMAIN.first, DATE_DOMAIN.last, DEFAULT_EVENT_TIME.earliest,
      ...inputs.windows.flatMap((w) => [new Date(w.earliestMs).toISOString(), new Date(w.latestMs).toISOString()]),
      ...inputs.ruleIds.flatMap((id) => [id, `rule:${id}`]),
      '<key>', '(message)', '(event)', 'at byte #', '[#]', '(+# more)',
    ];
    // One string, so "is a substring of some word" is one search.
    this.#text = words.join('\u0000');
    this.#words = [...new Set(words)].filter((w) => w.length >= 2).sort((a, b) => b.length - a.length);
  }

  /**
   * Which characters of `text` lie inside an occurrence of a vocabulary word: a match made only of
   * such characters is vocabulary put together (`customer.name` and `: ` in "customer.name: …"),
   * whichever input happens to hold the same characters.
   */
  covered(text: string): Uint8Array {
    const mask = new Uint8Array(text.length);
    for (const word of this.#words) {
      for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) mask.fill(1, at, at + word.length);
    }
    return mask;
  }

  /** Whether `text` occurs inside the vocabulary (a whole word or part of one). */
  has(text: string): boolean {
    let known = this.#cache.get(text);
    if (known === undefined) {
      known = this.#text.includes(text);
      if (this.#cache.size > 100_000) this.#cache.clear();
      this.#cache.set(text, known);
    }
    return known;
  }
}

/** Numbers the decoder computes, blanked: see the header. */
export function blankComputedNumbers(text: string): string {
  return text.replace(/at byte \d+/g, 'at byte #').replace(/\[\d+\]/g, '[#]').replace(/\(\+\d+ more\)/g, '(+# more)');
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_PIECE = 8;

export interface Candidates {
  readonly values: Set<string>;
  /** Shown in reasons by design (Debezium source identifiers); see the header. */
  readonly exempt: Set<string>;
}

function collect(value: unknown, into: Candidates, contractKeys: ReadonlySet<string>): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') into.values.add(v);
    else if (typeof v === 'number') into.values.add(String(v));
    else if (v instanceof RawJson) into.values.add(v.text);
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (isRecord(v)) {
      for (const key of Object.keys(v)) {
        if (!contractKeys.has(key)) into.values.add(key);
        stack.push(v[key]);
      }
      const payload = isRecord(v.payload) ? v.payload : v;
      if (isRecord(payload.source) && typeof payload.op === 'string') {
        for (const key of ['name', 'db', 'schema', 'table']) {
          const shown = payload.source[key];
          if (typeof shown === 'string') into.exempt.add(shown);
        }
      }
    }
  }
}

const CONTRACT_KEYS: ReadonlySet<string> = new Set([...contractKeysOf(CustomerChange), ...contractKeysOf(AgentChange)]);

/**
 * What of a message must not show up in its reason. `exact`: the bytes are the value serialized
 * and nothing else, so parsing them again would find nothing new.
 */
export function candidatesOf(bytes: Buffer, value: unknown, exact = false): Candidates {
  const out: Candidates = { values: new Set(), exempt: new Set() };
  if (value !== undefined) collect(value, out, CONTRACT_KEYS);
  if (exact && value !== undefined) return out;
  const text = (bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes).toString('utf8');
  try {
    collect(JSON.parse(text), out, CONTRACT_KEYS);
  } catch {
    for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"/g)) out.values.add(match[1]!);
    for (const word of text.split(/[\s{}[\]:,"]+/)) out.values.add(word);
  }
  return out;
}

function piecesOf(value: string): string[] {
  if (ASCII.test(value)) {
    if (value.length <= ASCII_PIECE) return [];
    const out: string[] = [];
    for (let i = 0; i + ASCII_PIECE <= value.length; i++) out.push(value.slice(i, i + ASCII_PIECE));
    return out;
  }
  const out: string[] = [];
  for (let i = 0; i + 2 <= value.length; i++) {
    const piece = value.slice(i, i + 2);
    if (!ASCII.test(piece)) out.push(piece);
  }
  return out;
}

export interface Leak {
  readonly form: 'whole' | 'piece';
  /** Length of the leaked text, never the text. */
  readonly length: number;
  readonly ascii: boolean;
  /** The text, printed only with VERITY_FUZZ_SHOW_VALUES=1 (see fuzz-run.ts). */
  readonly text: string;
}

/** The leaks of `candidates` into `shown` (reason and error path); empty when there are none. */
export function findLeaks(shown: string, candidates: Candidates, vocabulary: Vocabulary): Leak[] {
  let text = blankComputedNumbers(shown);
  // What is shown by design is taken out first, so nothing found inside it counts.
  for (const exempt of [...candidates.exempt].sort((a, b) => b.length - a.length)) if (exempt !== '') text = text.replaceAll(exempt, '\u0000');
  const leaks: Leak[] = [];
  let mask: Uint8Array | undefined;
  // Whether some occurrence of `found` in the text holds a character no vocabulary word covers.
  const uncovered = (found: string) => {
    mask ??= vocabulary.covered(text);
    for (let at = text.indexOf(found); at !== -1; at = text.indexOf(found, at + 1)) {
      if (mask.subarray(at, at + found.length).includes(0)) return true;
    }
    return false;
  };
  for (const value of candidates.values) {
    const ascii = ASCII.test(value);
    if (value.length < (ascii ? 4 : 2)) continue;
    if (text.includes(value)) {
      if (!vocabulary.has(value) && uncovered(value)) leaks.push({ form: 'whole', length: value.length, ascii, text: value });
      continue;
    }
    for (const piece of piecesOf(value)) {
      if (text.includes(piece) && !vocabulary.has(piece) && uncovered(piece)) {
        leaks.push({ form: 'piece', length: piece.length, ascii: ASCII.test(piece), text: piece });
        break;
      }
    }
  }
  return leaks;
}

export function describeLeaks(leaks: readonly Leak[]): string {
  const show = process.env['VERITY_FUZZ_SHOW_VALUES'] === '1';
  return leaks.map((l) => `${l.form} ${l.ascii ? 'ASCII' : 'non-ASCII'} text of ${l.length} characters${show ? ` ${JSON.stringify(l.text)}` : ''}`).join('; ');
}
