// From a (mutated) value to the bytes of a message, and mutations of those bytes. JSON text is
// written by hand, because JSON.stringify cannot write what producers do: a member twice (which
// JSON.parse resolves to the last), `__proto__` as a member, raw numbers like 1e999, every
// character as a \u escape. Byte mutations then break what text cannot: bit flips, truncation,
// invalid UTF-8, BOMs, UTF-16, NUL bytes, empty and blank messages.
import fc from 'fast-check';
import { RawJson } from './mutations.ts';

export type Spacing = 'compact' | 'spaced' | 'pretty';
export type Escaping = 'json' | 'ascii' | 'raw-surrogates';

export interface Duplicate {
  /** Which object (in document order) gets the extra member. */
  readonly pick: number;
  /** Which of its keys is repeated (modulo its key count), or a fixed key. */
  readonly key: number | '__proto__' | 'schema' | 'eventId' | 'customerId' | 'op' | 'customer';
  readonly value: unknown;
  /** Before the object's own members (the own one wins) or after them (the duplicate wins). */
  readonly where: 'first' | 'last';
}

export interface SerializeOptions {
  readonly spacing: Spacing;
  readonly escaping: Escaping;
  readonly duplicate?: Duplicate;
}

function quote(text: string, escaping: Escaping): string {
  const json = JSON.stringify(text);
  if (escaping === 'json') return json;
  if (escaping === 'raw-surrogates') {
    // JSON.stringify escapes lone surrogates; written raw, UTF-8 encoding turns each into U+FFFD.
    return json.replace(/\\u(d[89a-f][0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text of `value`; `duplicate` adds one member to one object. */
export function serialize(value: unknown, options: SerializeOptions): string {
  const { spacing, escaping, duplicate } = options;
  const objects = duplicate ? countObjects(value) : 0;
  const target = duplicate && objects > 0 ? duplicate.pick % objects : -1;
  let objectIndex = 0;
  const colon = spacing === 'compact' ? ':' : ': ';
  const write = (v: unknown, indent: string): string => {
    if (v instanceof RawJson) return v.text;
    if (typeof v === 'string') return quote(v, escaping);
    if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    if (typeof v === 'boolean' || v === null) return String(v);
    if (v === undefined) return 'null';
    const inner = spacing === 'pretty' ? `${indent}  ` : '';
    const open = spacing === 'pretty' ? `\n${inner}` : '';
    const sep = spacing === 'compact' ? ',' : spacing === 'spaced' ? ', ' : `,\n${inner}`;
    const close = spacing === 'pretty' ? `\n${indent}` : '';
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${open}${v.map((item) => write(item, inner)).join(sep)}${close}]`;
    const record = v as Record<string, unknown>;
    const members = Object.keys(record).map((k) => `${quote(k, escaping)}${colon}${write(record[k], inner)}`);
    if (duplicate && target === objectIndex++) {
      const keys = Object.keys(record);
      const key = typeof duplicate.key === 'number' ? (keys.length > 0 ? keys[duplicate.key % keys.length]! : 'eventId') : duplicate.key;
      const extra = `${quote(key, escaping)}${colon}${write(duplicate.value, inner)}`;
      if (duplicate.where === 'first') members.unshift(extra);
      else members.push(extra);
    }
    return members.length === 0 ? '{}' : `{${open}${members.join(sep)}${close}}`;
  };
  return write(value, '');
}

function countObjects(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countObjects(v), 0);
  if (typeof value !== 'object' || value === null || value instanceof RawJson) return 0;
  return Object.values(value).reduce((n: number, v) => n + countObjects(v), 1);
}

// ---- byte mutations ------------------------------------------------------------------------------

const BOM = [0xef, 0xbb, 0xbf];
/** Byte sequences that are not UTF-8: a lone continuation byte, overlong forms, CESU-8 surrogates, 0xFF, a cut sequence. */
export const INVALID_UTF8: readonly (readonly number[])[] = [
  [0x80], [0xbf], [0xc3, 0x28], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xfe],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe6, 0xb5], [0xf0, 0x9f, 0x98],
];

export type ByteMutation =
  | { readonly kind: 'flip-bit'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set-byte'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'append'; readonly bytes: readonly number[] }
  | { readonly kind: 'invalid-utf8'; readonly at: number; readonly sequence: number }
  | { readonly kind: 'bom'; readonly count: number }
  | { readonly kind: 'bom-inside'; readonly at: number }
  | { readonly kind: 'utf16' }
  | { readonly kind: 'nul'; readonly at: number }
  | { readonly kind: 'duplicate-chunk'; readonly at: number; readonly length: number }
  | { readonly kind: 'whitespace'; readonly before: string; readonly after: string };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip-bit' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set-byte' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('invalid-utf8' as const), at: fc.nat(), sequence: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bom' as const), count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bom-inside' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('utf16' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('nul' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-chunk' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('whitespace' as const), before: fc.constantFrom('', ' ', '\t', '\r', ' \t '), after: fc.constantFrom('', ' ', '\t', '\r', '\r\r') }),
  },
);

export function applyByteMutation(bytes: Buffer, m: ByteMutation): Buffer {
  const at = (n: number, extra = 0) => n % (bytes.length + extra);
  switch (m.kind) {
    case 'flip-bit': {
      if (bytes.length === 0) return bytes;
      const out = Buffer.from(bytes);
      out[at(m.at)]! ^= 1 << m.bit;
      return out;
    }
    case 'set-byte': {
      if (bytes.length === 0) return Buffer.from([m.byte]);
      const out = Buffer.from(bytes);
      out[at(m.at)] = m.byte;
      return out;
    }
    case 'insert':
    case 'invalid-utf8':
    case 'nul': {
      const insert = m.kind === 'insert' ? m.bytes : m.kind === 'nul' ? [0] : INVALID_UTF8[m.sequence % INVALID_UTF8.length]!;
      const i = at(m.at, 1);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from(insert), bytes.subarray(i)]);
    }
    case 'delete': {
      const i = at(m.at, 1);
      return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + m.length)]);
    }
    case 'truncate':
      return bytes.subarray(0, at(m.at, 1));
    case 'append':
      return Buffer.concat([bytes, Buffer.from(m.bytes)]);
    case 'bom':
      return Buffer.concat([Buffer.from(Array.from({ length: m.count }, () => BOM).flat()), bytes]);
    case 'bom-inside': {
      const i = at(m.at, 1);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from(BOM), bytes.subarray(i)]);
    }
    case 'utf16':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes.toString('utf8'), 'utf16le')]);
    case 'duplicate-chunk': {
      const i = at(m.at, 1);
      return Buffer.concat([bytes.subarray(0, i + m.length), bytes.subarray(i)]);
    }
    case 'whitespace':
      return Buffer.concat([Buffer.from(m.before), bytes, Buffer.from(m.after)]);
  }
}

/** Messages that never were events: random bytes, random text, JSON that is not an object, blanks. */
export const junk: fc.Arbitrary<{ bytes: Buffer; label: string }> = fc.oneof(
  fc.uint8Array({ maxLength: 48 }).map((b) => ({ bytes: Buffer.from(b), label: 'junk:bytes' })),
  fc.string({ unit: 'binary', maxLength: 32 }).map((s) => ({ bytes: Buffer.from(s, 'utf8'), label: 'junk:text' })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ bytes: Buffer.from(JSON.stringify(v) ?? 'null'), label: 'junk:json' })),
  fc
    .constantFrom('', ' ', '\t', '\r', '\r\r', '\ufeff', '\ufeff{}', 'null', 'true', '[]', '{}', '""', '0', '-', '{"', '[{}]', '{"schema":', 'NaN', '\u0000', '{}\u0000')
    .map((s) => ({ bytes: Buffer.from(s, 'utf8'), label: 'junk:fixed' })),
);
