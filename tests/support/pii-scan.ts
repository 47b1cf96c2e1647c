// Finds raw personal values in a body of text (table dumps, logs, reports): each raw value whole,
// and every 6-character piece of it that its mask does not show. A mask that shows one digit too
// many, or an error message quoting half an ID number, leaves such a piece behind.
//
// What a mask may show is stated here, from the masking policy (README "Privacy"), not taken from
// the masks themselves: a mask that shows too much must not widen what the scan lets through.
//
// Some text would otherwise turn up pieces that are not leaks, so the piece scan treats it
// specially; each case is named below with its reason (the whole-value scan skips two of them
// only: the rounding noise of measured JSON numbers, isMeasured, and sealed vault values,
// SEALED_VALUE):
// - machine-made strings (keyed tokens and hashes, timestamps and dates, upstream event ids, file
//   batch line ranges, JSON numbers, and names the caller passes: temporary paths, topics) are
//   blanked before pieces are looked for: random hex and 13-digit epoch times contain every short
//   digit string sooner or later;
// - a piece that the policy shows for some value (a region code at the head of an ID number, a
//   region name, an e-mail domain) is public: finding it proves nothing;
// - a piece wedged between ASCII letters or digits that do not continue the value belongs to
//   another word or number ("hangha" of a pinyin e-mail inside "Asia/Shanghai").
//
// Plain `includes` per needle would be quadratic at test sizes (hundreds of thousands of needles over
// megabytes of text), so needles are indexed and the text is walked once.
import { fieldPolicyOf, type MaskKind } from '../../pipelines/privacy/classification.ts';
import { REGIONS } from '../../pipelines/generate/data/regions.ts';
import { SEALED_FORMAT } from '../../pipelines/privacy/vault-crypto.ts';

/** Pieces of a raw value this long must not appear unless its mask shows them (a longer fragment holds one). */
export const PIECE_LENGTH = 6;
/** Shorter raw values are not looked for: one character is in every text. */
export const MIN_WHOLE_LENGTH = 2;

/**
 * Fields looked for whole only, with the reason. Anything not listed here is looked for in pieces
 * too; the embedded e2e test prints this list.
 */
export const WHOLE_VALUE_ONLY: Readonly<Record<string, string>> = {
  'customer.health':
    'free-form health contents, recorded as their JSON ({"declared":true}); a 6-character piece of that is JSON syntax or the word "declared", not health data',
};

export interface PiiHit {
  /** The field (or label) the value was recorded under. Never the value: hits end up in test output. */
  readonly kind: string;
  readonly form: 'whole' | 'piece';
  /** How many distinct needles of this kind and form were found. */
  count: number;
}

/** Per field, distinct strings. */
export interface KindStats {
  /** Raw values looked for whole. */
  readonly values: number;
  /** Pieces looked for. */
  readonly pieces: number;
  /** Pieces inside what the value's own mask shows: allowed. */
  readonly shown: number;
  /** Pieces (or whole values) the policy shows for some value, so not evidence of a leak: allowed. */
  readonly public: number;
}

interface Needle {
  readonly kind: string;
  readonly text: string;
  readonly form: PiiHit['form'];
  /** For a piece: the raw values it was cut from, and where. */
  readonly origins?: { readonly value: string; readonly at: number }[];
}

/** Needles found so far, so each is counted once. */
type Found = Set<Needle>;

/**
 * Needles by their first two characters (a number, no string built), then by exact text for short
 * needles and by the first PIECE_LENGTH characters for long ones.
 */
class NeedleIndex {
  readonly #heads = new Set<number>();
  /** Index = length; only lengths below PIECE_LENGTH. */
  readonly #short: Map<string, Needle[]>[] = [];
  readonly #long = new Map<string, Needle[]>();
  size = 0;

  add(needle: Needle): void {
    const { text } = needle;
    this.#heads.add(text.charCodeAt(0) * 65536 + text.charCodeAt(1));
    const map = text.length < PIECE_LENGTH ? (this.#short[text.length] ??= new Map()) : this.#long;
    const key = text.slice(0, PIECE_LENGTH);
    const list = map.get(key);
    if (list) list.push(needle);
    else map.set(key, [needle]);
    this.size++;
  }

  /** Calls `found` for each needle starting at `i` in `text`. */
  matchAt(text: string, i: number, found: (needle: Needle, at: number) => void): void {
    if (!this.#heads.has(text.charCodeAt(i) * 65536 + text.charCodeAt(i + 1))) return;
    for (let length = MIN_WHOLE_LENGTH; length < this.#short.length; length++) {
      const list = this.#short[length]?.get(text.slice(i, i + length));
      if (list) for (const needle of list) found(needle, i);
    }
    const list = this.#long.get(text.slice(i, i + PIECE_LENGTH));
    if (list) for (const needle of list) if (text.startsWith(needle.text, i)) found(needle, i);
  }
}

// ---- what each mask shows ------------------------------------------------------------------------

/** Every province/city/district head a clean address can start with, longest first. */
const REGION_HEADS: readonly string[] = [
  ...new Set(
    REGIONS.flatMap((r) => {
      const head = r.province === r.city ? r.city : r.province + r.city;
      return [head + r.district, head, r.province, r.city + r.district, r.city, r.district];
    }),
  ),
].sort((a, b) => b.length - a.length);

/** Names and codes of administrative regions: published by the state, shown by address and ID masks. */
const PUBLIC_REGION_STRINGS: readonly string[] = [...REGION_HEADS, ...REGIONS.map((r) => r.code)];

function compactMobile(value: string): string {
  const compact = value.normalize('NFKC').replace(/[\s\-().]/g, '');
  if (compact.startsWith('+86')) return compact.slice(3);
  if (compact.startsWith('0086')) return compact.slice(4);
  return /^861\d{10}$/.test(compact) ? compact.slice(2) : compact;
}

/**
 * The parts of `value` its mask may show (README "Privacy", masking.ts doc comments), as strings:
 * a piece of the value inside one of them is no leak.
 */
export function shownParts(mask: MaskKind, value: string): string[] {
  const trimmed = value.trim();
  switch (mask) {
    case 'none':
    case 'free-text':
      return [value];
    case 'redact':
      return [];
    case 'name':
      return [Array.from(trimmed)[0] ?? ''];
    case 'mobile': {
      const digits = compactMobile(value);
      return [digits.slice(0, 3), digits.slice(-4)];
    }
    case 'landline': {
      // The area code and the last two digits of the local number; an extension is not shown.
      const digits = value.replace(/(?:\s*(?:转|ext\.?|x|#)\s*\d+|(?<=\d{7,})-\d{1,6})$/i, '').replace(/\D/g, '');
      const area = /^0(?:10|2\d|[3-9]\d{2})/.exec(digits)?.[0] ?? '';
      return [area, digits.slice(-2)];
    }
    case 'email': {
      const at = trimmed.lastIndexOf('@');
      if (at <= 0) return [];
      return [Array.from(trimmed)[0] ?? '', trimmed.slice(at).toLowerCase()];
    }
    case 'address':
      // Down to the district: whatever region head the address starts with.
      return [REGION_HEADS.find((head) => trimmed.startsWith(head)) ?? ''];
    case 'id-number': {
      // Region prefix and the sequence/check part: never a birth-date digit.
      const id = value.normalize('NFKC').replace(/\s/g, '').toUpperCase();
      if (/^\d{17}[\dX]$/.test(id)) return [id.slice(0, 6), id.slice(14)];
      if (/^\d{15}$/.test(id)) return [id.slice(0, 6), id.slice(12)];
      return [];
    }
    case 'bank-account':
      return [value.replace(/\D/g, '').slice(-4)];
    case 'uscc': {
      // The first 8 (authority, type, region) and the check pair; at least 8 always stay hidden.
      const code = value.replace(/\s/g, '').toUpperCase();
      const keep = Math.max(0, code.length - 8);
      const tail = Math.min(2, keep);
      return [code.slice(0, Math.min(8, keep - tail)), code.slice(code.length - tail)];
    }
    case 'birth-year':
      return [/^(\d{4})-\d{2}-\d{2}$/.exec(trimmed)?.[1] ?? ''];
  }
}

/** The PIECE_LENGTH-character pieces of `value` by where they start, each piece once. */
function piecesOf(value: string): Map<number, string> {
  const pieces = new Map<number, string>();
  const seen = new Set<string>();
  for (let i = 0; i + PIECE_LENGTH <= value.length; i++) {
    const piece = value.slice(i, i + PIECE_LENGTH);
    if (!seen.has(piece)) seen.add(piece), pieces.set(i, piece);
  }
  return pieces;
}

// ---- machine-made strings ------------------------------------------------------------------------

/** A number as a JSON value (after `:`, `,` or `[`, before `,`, `}` or `]`). */
const JSON_NUMBER = /(?<=[:,[]\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=\s*[,}\]])/g;

const MACHINE_STRINGS: readonly { readonly pattern: RegExp; readonly keep?: (match: string) => boolean }[] = [
  // Keyed tokens (32 hex), ids (stableId), SHA-256 payload hashes, batch hashes: random hex holds
  // every short digit run. A run with no letter is left alone, so a digit-only value is still seen.
  { pattern: /(?<![0-9A-Za-z])[0-9a-f]{16,}(?![0-9A-Za-z])/g, keep: (m) => !/[a-f]/.test(m) },
  // Event times, ingest times, deadlines: a birth date's month and day is in many of them.
  { pattern: /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g },
  // Upstream event ids (core-banking-000012345): a sequence number, general data.
  { pattern: /(?<![\w-])(?:[a-z]+-)+\d{9}(?!\d)/g },
  // The line range in a file batch id (file:stream.jsonl:1-5000:<hash>).
  { pattern: /(?<=:)\d+-\d+(?=:[0-9a-f]{16}(?![0-9a-f]))/g },
  // JSON numbers in logs and reports: counts, sizes, durations, epoch-millisecond times.
  { pattern: JSON_NUMBER },
];

/**
 * Measured quantities in logs and reports (Fastify's responseTime, rates, ratios): JSON numbers with
 * a fraction or an exponent. The whole-value scan skips these, and only these: their digits past the
 * clock's precision are rounding noise ("responseTime":5.004138000000001 holds 13800000000), so a
 * whole value found there is chance. A raw value never takes that form; written as a JSON integer,
 * or anywhere else, it is still found.
 */
const isMeasured = (number: string) => /[.eE]/.test(number);

/**
 * Sealed vault values (privacy/vault-crypto.ts): AES-GCM ciphertext under a random IV, in base64.
 * Both scans skip them. The value inside is not readable, and megabytes of random base64 spell a
 * short ASCII value by chance in some runs (the placeholder name "test": 64^-4 per position).
 */
const SEALED_VALUE = new RegExp(String.raw`(?<![0-9A-Za-z+/])${SEALED_FORMAT}\.[0-9a-f]{8}\.[A-Za-z0-9+/]+={0,2}`, 'g');

const BLANK = 0;

/**
 * `text` with machine-made strings blanked out (NUL), same length, so positions stay aligned.
 * `literals`: further strings the caller knows are machine-made (temporary paths, topic names).
 */
export function blankMachineStrings(text: string, literals: readonly string[] = []): string {
  const ranges: [number, number][] = [];
  for (const { pattern, keep } of MACHINE_STRINGS) {
    for (const match of text.matchAll(pattern)) if (!keep?.(match[0])) ranges.push([match.index, match.index + match[0].length]);
  }
  for (const literal of literals) {
    if (literal === '') continue;
    for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + literal.length)) ranges.push([at, at + literal.length]);
  }
  return blankRanges(text, ranges);
}

/** `text` with its sealed vault values blanked (SEALED_VALUE), for both scans. */
function blankSealedValues(text: string): string {
  return blankRanges(text, [...text.matchAll(SEALED_VALUE)].map((m): [number, number] => [m.index, m.index + m[0].length]));
}

/** `text` with its measured quantities (isMeasured) blanked, for the whole-value scan. */
export function blankMeasuredNumbers(text: string): string {
  return blankRanges(text, [...text.matchAll(JSON_NUMBER)].filter((m) => isMeasured(m[0])).map((m): [number, number] => [m.index, m.index + m[0].length]));
}

function blankRanges(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let done = 0;
  for (const [start, end] of ranges) {
    if (end <= done) continue;
    const from = Math.max(start, done);
    out.push(text.slice(done, from), String.fromCharCode(BLANK).repeat(end - from));
    done = end;
  }
  out.push(text.slice(done));
  return out.join('');
}

// ---- the plan and the walk -----------------------------------------------------------------------

export interface ScanPlan {
  readonly whole: NeedleIndex;
  readonly pieces: NeedleIndex;
  readonly stats: Readonly<Record<string, KindStats>>;
}

/**
 * Needles for `rawValues` (field → values; a key that is no classified field gets the strictest
 * mask, `redact`, so every piece of it counts).
 */
export function planScan(rawValues: Readonly<Record<string, readonly string[]>>): ScanPlan {
  const entries = Object.entries(rawValues).map(([kind, values]) => {
    const mask = fieldPolicyOf(kind).mask;
    return { kind, mask, values: [...new Set(values)].filter((v) => v.length >= MIN_WHOLE_LENGTH) };
  });

  // Everything the policy shows, for anyone, joined into one text: a needle found in it is public.
  const shown: string[] = [...PUBLIC_REGION_STRINGS];
  for (const { mask, values } of entries) for (const value of values) shown.push(...shownParts(mask, value).filter((p) => p.length >= PIECE_LENGTH));
  const publicText = shown.join('\n');
  const publicPieces = new Set<string>();
  for (const part of shown) for (const piece of piecesOf(part).values()) publicPieces.add(piece);
  const publicWholes = new Set<string>();
  {
    const probe = new NeedleIndex();
    for (const { kind, values } of entries) for (const value of values) probe.add({ kind, text: value, form: 'whole' });
    walk(publicText, publicText, probe, new NeedleIndex(), (needle) => publicWholes.add(needle.text));
  }

  const whole = new NeedleIndex();
  const pieces = new NeedleIndex();
  const stats: Record<string, KindStats> = {};
  const indexed = new Map<string, Needle>();
  const index = (into: NeedleIndex, needle: Needle) => {
    // A value shared by two fields (a holder who is also the customer) is looked for once.
    const key = `${needle.form}\u0000${needle.text}`;
    const known = indexed.get(key);
    if (known) known.origins?.push(...(needle.origins ?? []));
    else indexed.set(key, needle), into.add(needle);
  };
  for (const { kind, mask, values: kindValues } of entries) {
    const wholeOnly = kind in WHOLE_VALUE_ONLY;
    const looked = new Set<string>();
    const shownHere = new Set<string>();
    const publicHere = new Set<string>();
    for (const value of kindValues) {
      if (publicWholes.has(value)) publicHere.add(value);
      else index(whole, { kind, text: value, form: 'whole' });
      if (wholeOnly) continue;
      const parts = shownParts(mask, value).filter((p) => p.length >= PIECE_LENGTH);
      for (const [at, piece] of piecesOf(value)) {
        if (parts.some((p) => p.includes(piece))) shownHere.add(piece);
        else if (publicPieces.has(piece)) publicHere.add(piece);
        else {
          looked.add(piece);
          index(pieces, { kind, text: piece, form: 'piece', origins: [{ value, at }] });
        }
      }
    }
    const values = kindValues.filter((v) => !publicWholes.has(v)).length;
    stats[kind] = { values, pieces: looked.size, shown: shownHere.size, public: publicHere.size };
  }
  return { whole, pieces, stats };
}

const isAsciiAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Whether the piece found at `i` could be part of `origin`'s value in this text: the match, grown
 * as far as the text goes on agreeing with the value, must not be wedged between other ASCII
 * letters or digits. "hangha" of zhanghaofeng@… inside "Asia/Shanghai", or six digits of a mobile
 * inside some longer number, are other words; a leak ends where the mask's stars or the field's
 * quotes begin. Chinese has no word boundaries, so a CJK neighbour never excuses a piece.
 */
function standsAlone(text: string, i: number, origin: { readonly value: string; readonly at: number }): boolean {
  const { value, at } = origin;
  let t = i - 1;
  let v = at - 1;
  while (t >= 0 && v >= 0 && text.charCodeAt(t) === value.charCodeAt(v)) t--, v--;
  if (t >= 0 && isAsciiAlnum(text.charCodeAt(t))) return false;
  t = i + PIECE_LENGTH;
  v = at + PIECE_LENGTH;
  while (t < text.length && v < value.length && text.charCodeAt(t) === value.charCodeAt(v)) t++, v++;
  return !(t < text.length && isAsciiAlnum(text.charCodeAt(t)));
}

/** `text`: where whole values are looked for; `blanked`: the same with machine-made strings blanked, for pieces. */
function walk(text: string, blanked: string, whole: NeedleIndex, pieces: NeedleIndex, found: (needle: Needle) => void): void {
  const piece = (needle: Needle, at: number) => {
    if (needle.origins?.some((origin) => standsAlone(blanked, at, origin)) ?? true) found(needle);
  };
  for (let i = 0; i + MIN_WHOLE_LENGTH <= text.length; i++) {
    whole.matchAt(text, i, found);
    if (blanked.charCodeAt(i) !== BLANK) pieces.matchAt(blanked, i, piece);
  }
}

/**
 * The raw values (whole, or as a piece their mask does not show) that occur in `text`: one hit per
 * kind and form. Pass a plan from `planScan` to scan several texts with one set of needles.
 * `machineMade`: strings of this run that are machine-made (temporary paths, topic names), blanked
 * before pieces are looked for, like the patterns above.
 */
export function scanForRawValues(
  text: string,
  rawValues: Readonly<Record<string, readonly string[]>> | ScanPlan,
  options: { readonly machineMade?: readonly string[] } = {},
): PiiHit[] {
  const plan = isPlan(rawValues) ? rawValues : planScan(rawValues);
  const found: Found = new Set();
  const unsealed = blankSealedValues(text);
  walk(blankMeasuredNumbers(unsealed), blankMachineStrings(unsealed, options.machineMade), plan.whole, plan.pieces, (needle) => found.add(needle));
  const hits = new Map<string, PiiHit>();
  for (const { kind, form } of found) {
    const key = `${form}\u0000${kind}`;
    const hit = hits.get(key);
    if (hit) hit.count++;
    else hits.set(key, { kind, form, count: 1 });
  }
  return [...hits.values()].sort((a, b) => (a.kind === b.kind ? (a.form < b.form ? -1 : 1) : a.kind < b.kind ? -1 : 1));
}

function isPlan(value: object): value is ScanPlan {
  return (value as Partial<ScanPlan>).whole instanceof NeedleIndex;
}
