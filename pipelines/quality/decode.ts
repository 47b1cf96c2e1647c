// Turns raw bytes into a contract-valid change event, or says precisely why not. Reasons are built
// from the contract (paths, expected types), never from the payload, because they are logged and
// stored next to the dead letter's metadata.
import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { ChangeEvent } from '../contract/customer-change.ts';
import { withFastPath } from '../contract/fast-parse.ts';
import { DEFAULT_INPUT_LIMITS, DOMAIN_WINDOW, findDateOutOfRange, findOversize, pathOf, showPath, walkJson, type EventTimeWindow, type InputLimits } from '../contract/bounds.ts';
import { formatPath } from '../config/yaml-file.ts';

export type DecodeResult =
  | { readonly ok: true; readonly event: ChangeEvent; readonly via: string }
  | { readonly ok: false; readonly code: DeadLetterCode; readonly reason: string; readonly errorPath: string };

export type DeadLetterCode =
  | 'not-json'
  | 'not-object'
  | 'contract'
  | 'unmapped-source'
  | 'mapping-failed'
  | 'too-large'
  | 'out-of-range'
  /** Decoded, but a stage of the pipeline failed on it (set by the pipeline, not here). */
  | 'processing-error';

/**
 * A message in another system's envelope (a CDC tool's change event) mapped onto the contract.
 * Adapters are handed in by the runtime (connectors/debezium has one), so decoding depends on no
 * connector; a message no adapter claims must be a contract event itself.
 */
export interface EnvelopeAdapter {
  /** Shown as `via` on a decoded event. */
  readonly name: string;
  claims(parsed: object): boolean;
  map(parsed: object): { readonly ok: true; readonly event: unknown } | { readonly ok: false; readonly code: 'unmapped-source' | 'mapping-failed'; readonly reason: string };
}

/** What a message must stay within besides its shape (see contract/bounds.ts). */
export interface DecodeBounds {
  readonly limits: InputLimits;
  readonly eventTime: EventTimeWindow;
}

/** The default limits and the whole date domain: for callers without a processing time. */
export const DEFAULT_DECODE_BOUNDS: DecodeBounds = Object.freeze({ limits: DEFAULT_INPUT_LIMITS, eventTime: DOMAIN_WINDOW });

const MAX_ISSUES_IN_REASON = 3;

/** zod's safeParse of the contract, with a compiled path for the events it accepts (fast-parse.ts). */
const parseChangeEvent = withFastPath(ChangeEvent);

function contractFailure(error: z.ZodError): DecodeResult {
  const issues = error.issues.slice(0, MAX_ISSUES_IN_REASON);
  const described = issues.map((i) => `${i.path.length > 0 ? formatPath(i.path) : '(event)'}: ${i.message}`);
  const more = error.issues.length - issues.length;
  return {
    ok: false,
    code: 'contract',
    reason: `violates the event contract: ${described.join('; ')}${more > 0 ? ` (+${more} more)` : ''}`,
    errorPath: issues[0] ? formatPath(issues[0].path) : '',
  };
}

/** A \u escape of a UTF-16 surrogate: the only way JSON text that is valid UTF-8 can hold a lone one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUL = /\u0000/;

/**
 * Where the parsed message first holds a string or member name that `bad` matches, in document
 * order. Two kinds are refused before the contract: a lone surrogate, which JSON's grammar allows
 * as an escape (RFC 8259 §8.2) but which is no character (the analytics store's JSON input rejects
 * it and fails the whole batch; UTF-8 can only replace it with U+FFFD, a value nobody sent); and
 * U+0000, a character PostgreSQL text cannot hold (SQLSTATE 22P05), so the operational store
 * would refuse every batch that carried it.
 */
function findStringMatching(value: unknown, bad: RegExp): string | undefined {
  return walkJson<string>(value, {
    string: (text, parent, segment) => (bad.test(text) ? showPath(pathOf(parent, segment)) : undefined),
    container: (_, keys, place) => (keys?.some((key) => bad.test(key)) ? showPath(pathOf(place)) : undefined),
  });
}

/** A UTF-8 byte order mark: JSON text may start with one, and a parser may ignore it (RFC 8259 §8.1). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function decodeMessage(value: Buffer, adapters: readonly EnvelopeAdapter[], bounds: DecodeBounds = DEFAULT_DECODE_BOUNDS): DecodeResult {
  // Before anything reads the bytes: a message over the limit costs nothing more.
  if (value.length > bounds.limits.maxMessageBytes) {
    return { ok: false, code: 'too-large', reason: `too large: the message has more than ${bounds.limits.maxMessageBytes} bytes (maxMessageBytes)`, errorPath: '' };
  }
  // JSON exchanged between systems is UTF-8 (RFC 8259 §8.1). Decoding invalid bytes would put
  // U+FFFD into a name or an address and accept a value nobody sent: such a message is rejected.
  if (!isUtf8(value)) {
    return { ok: false, code: 'not-json', reason: 'not valid JSON: the bytes are not valid UTF-8', errorPath: '' };
  }
  let parsed: unknown;
  const bom = value.subarray(0, 3).equals(BOM) ? BOM.length : 0;
  const text = value.subarray(bom).toString('utf8');
  if (text.trim() === '') return { ok: false, code: 'not-json', reason: 'not valid JSON: the message is empty', errorPath: '' };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the input; keep only the position. Only a message that ends with V8's
    // own "at position N (line L column C)" gives one: an "Unexpected token" message has none,
    // but quotes the text around the token, where the input may read "position 4711". V8 counts
    // UTF-16 code units of the text after the BOM, so convert to a byte offset into the message
    // as received, BOM included (exact for valid UTF-8).
    const position = /at position (\d+)(?: \(line \d+ column \d+\))?$/.exec((error as Error).message)?.[1];
    const byte = position === undefined ? undefined : bom + Buffer.byteLength(text.slice(0, Number(position)), 'utf8');
    return {
      ok: false,
      code: 'not-json',
      reason: `not valid JSON${byte === undefined ? '' : ` (at byte ${byte})`}`,
      errorPath: '',
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const actual = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`;
    return { ok: false, code: 'not-object', reason: `expected a JSON object, got ${actual}`, errorPath: '' };
  }

  const oversize = findOversize(parsed, bounds.limits);
  if (oversize) return { ok: false, code: 'too-large', reason: `too large: ${oversize.reason}`, errorPath: oversize.path };
  // Only text with a surrogate escape can hold one, so most messages skip the walk.
  const unpaired = SURROGATE_ESCAPE.test(text) ? findStringMatching(parsed, LONE_SURROGATE) : undefined;
  if (unpaired !== undefined) {
    return { ok: false, code: 'not-json', reason: `not valid JSON: ${unpaired} holds an unpaired surrogate escape, which is no Unicode character (RFC 8259 §8.2)`, errorPath: unpaired };
  }
  // JSON cannot hold a raw NUL byte, only its escape.
  const nul = text.includes('\\u0000') ? findStringMatching(parsed, NUL) : undefined;
  if (nul !== undefined) {
    return { ok: false, code: 'contract', reason: `violates the event contract: ${nul} holds U+0000 (NUL), which no text of an event may contain`, errorPath: nul };
  }

  let candidate: unknown = parsed;
  let via = 'canonical';
  const adapter = adapters.find((a) => a.claims(parsed));
  if (adapter) {
    const mapped = adapter.map(parsed);
    if (!mapped.ok) return { ok: false, code: mapped.code, reason: mapped.reason, errorPath: '' };
    candidate = mapped.event;
    via = adapter.name;
  }
  const result = parseChangeEvent(candidate);
  if (!result.success) return contractFailure(result.error);
  const outOfRange = findDateOutOfRange(result.data, bounds.eventTime);
  if (outOfRange) return { ok: false, code: 'out-of-range', reason: `out of range: ${outOfRange.reason}`, errorPath: outOfRange.path };
  return { ok: true, event: result.data, via };
}
