// Whole fuzz messages: a valid event (canonical or Debezium), zero to three structural mutations,
// serialized some way (maybe with a duplicate member), then maybe one or two byte mutations; or
// junk that never was an event. Each message carries the labels of what was done to it and the
// value before serialization, which the leak check needs: once bytes are broken, the value is the
// only record of what the message held.
import fc from 'fast-check';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { canonicalEventsIn, debeziumEvent, DEFAULT_YEARS, type EventYears } from './arbitraries.ts';
import { applyByteMutation, byteMutation, junk, serialize, type Duplicate, type Escaping, type Spacing } from './bytes.ts';
import { anyValue, applyMutation, cloneValue, mutation } from './mutations.ts';

export interface FuzzMessage {
  readonly bytes: Buffer;
  /** What was done, in order: kinds and contract paths, never values. */
  readonly labels: readonly string[];
  readonly origin: 'canonical' | 'debezium' | 'junk';
  /** The value before serialization (undefined for junk). */
  readonly value?: unknown;
  /** Whether the bytes hold the value and nothing else (no duplicate member, no byte mutation). */
  readonly exact: boolean;
}

export interface MessageOptions {
  readonly mapping: DebeziumMapping;
  /** For JSON Lines: no LF inside a message (it would end the line); such bytes become spaces. */
  readonly line?: boolean;
  /** When the generated events happened (default DEFAULT_YEARS). */
  readonly years?: EventYears;
  /** Relative weights of valid messages, mutated ones and junk; default 1 : 6 : 1. */
  readonly weights?: { readonly valid: number; readonly mutated: number; readonly junk: number };
}

/** `arbitrary` one time in `n`, undefined otherwise (fc.option's `freq` is the other way round). */
export function oneIn<T>(n: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

const duplicate: fc.Arbitrary<Duplicate> = fc.record({
  pick: fc.nat(),
  key: fc.oneof(fc.nat(), fc.constantFrom('__proto__' as const, 'schema' as const, 'eventId' as const, 'customerId' as const, 'op' as const, 'customer' as const)),
  value: anyValue,
  where: fc.constantFrom('first' as const, 'last' as const),
});

const describeDuplicate = (d: Duplicate) => `duplicate-member:${typeof d.key === 'number' ? 'own-key' : d.key}:${d.where}`;

function lineSafe(bytes: Buffer): Buffer {
  if (!bytes.includes(0x0a)) return bytes;
  const out = Buffer.from(bytes);
  // LF never occurs inside a multi-byte UTF-8 sequence, so this keeps valid UTF-8 valid.
  for (let i = 0; i < out.length; i++) if (out[i] === 0x0a) out[i] = 0x20;
  return out;
}

export function messageArbitrary(options: MessageOptions): fc.Arbitrary<FuzzMessage> {
  const weights = options.weights ?? { valid: 1, mutated: 6, junk: 1 };
  const years = options.years ?? DEFAULT_YEARS;
  const event = fc.oneof(
    { weight: 3, arbitrary: canonicalEventsIn(years).any.map((value) => ({ value, origin: 'canonical' as const })) },
    { weight: 1, arbitrary: debeziumEvent(options.mapping, years).map((value) => ({ value, origin: 'debezium' as const })) },
  );
  const spacing = fc.constantFrom<Spacing>(...(options.line ? (['compact', 'compact', 'spaced'] as const) : (['compact', 'compact', 'spaced', 'pretty'] as const)));
  const escaping = fc.constantFrom<Escaping>('json', 'json', 'json', 'ascii', 'raw-surrogates');
  const finish = (bytes: Buffer) => (options.line ? lineSafe(bytes) : bytes);

  const valid = fc.record({ event, spacing, escaping }).map(({ event: { value, origin }, spacing: s, escaping: e }): FuzzMessage => ({
    bytes: finish(Buffer.from(serialize(value, { spacing: s, escaping: e }), 'utf8')),
    labels: [`valid:${s}:${e}`],
    origin,
    value,
    exact: true,
  }));

  const mutated = fc
    .record({
      event,
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
      spacing,
      escaping,
      duplicate: oneIn(6, duplicate),
      bytes: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 2 }) }),
    })
    .map(({ event: { value, origin }, mutations, spacing: s, escaping: e, duplicate: d, bytes: byteMutations }): FuzzMessage => {
      // The generated event is shared with fast-check's shrinker: mutate a copy.
      let root = cloneValue(value) as unknown;
      const labels: string[] = [];
      for (const m of mutations) {
        const applied = applyMutation(root, m);
        root = applied.root;
        labels.push(applied.label);
      }
      let bytes: Buffer = Buffer.from(serialize(root, { spacing: s, escaping: e, ...(d ? { duplicate: d } : {}) }), 'utf8');
      labels.push(`serialize:${s}:${e}`);
      if (d) labels.push(describeDuplicate(d));
      for (const b of byteMutations) {
        bytes = applyByteMutation(bytes, b);
        labels.push(`bytes:${b.kind}`);
      }
      return { bytes: finish(bytes), labels, origin, value: root, exact: !d && byteMutations.length === 0 };
    });

  const rubbish = junk.map(({ bytes, label }): FuzzMessage => ({ bytes: finish(bytes), labels: [label], origin: 'junk', exact: false }));

  return fc.oneof({ weight: weights.valid, arbitrary: valid }, { weight: weights.mutated, arbitrary: mutated }, { weight: weights.junk, arbitrary: rubbish });
}

/** A message's description for a failure report: origin, labels and size. */
export function describeMessage(m: FuzzMessage): string {
  return `${m.origin} message of ${m.bytes.length} bytes [${m.labels.join(', ')}]`;
}
