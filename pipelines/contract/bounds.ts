// The bounds every message must keep, besides its shape (README "Event contract", "Bounds"). They
// exist so that one message can neither exhaust the pipeline (a 20,000-account record, a
// megabyte-long name, nesting a thousand levels deep) nor carry dates outside the range where the
// calendar, the deadline maths and the store's DateTime64 columns are defined (year 9999 from an
// upstream clock bug). A message outside them is dead-lettered (`too-large`, `out-of-range`) whole,
// never truncated or clamped: the upstream system must fix it and send it again.
//
// Reasons name the field and the limit, never the value: they are logged and stored.
import { z } from 'zod';
import { Agent, AgentChange, AgentContact, BankAccount, Customer, CustomerChange, PremiumAccount, Policy, SettlementAccount, type ChangeEvent } from './customer-change.ts';

export const InputLimits = z.object({
  /** Bytes of one message as received (before decoding). */
  maxMessageBytes: z.number().int().min(1024).max(64 * 1024 * 1024),
  /** UTF-16 code units of any one string, keys included. */
  maxStringLength: z.number().int().min(64).max(1_048_576),
  /** Items of any one array (bank accounts, relatives, …). */
  maxArrayItems: z.number().int().min(1).max(100_000),
  /** Members of any one object. */
  maxObjectKeys: z.number().int().min(16).max(100_000),
  /** Levels of nested objects and arrays; the event itself is level 1. */
  maxDepth: z.number().int().min(4).max(1000),
});
export type InputLimits = z.infer<typeof InputLimits>;

/** Defaults, documented in the README and stated in the published JSON Schemas. */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  maxMessageBytes: 1_048_576,
  maxStringLength: 4096,
  maxArrayItems: 100,
  maxObjectKeys: 256,
  maxDepth: 32,
});

/**
 * Calendar dates the pipeline can compute with: the PRC calendar and deadline maths, and the
 * analytics store's DateTime64 columns (1900-01-01 to 2299-12-31), with room left for a deadline
 * counted from the last of them.
 */
export const DATE_DOMAIN = Object.freeze({ first: '1900-01-01', last: '2199-12-31' });
const DOMAIN_FIRST_MS = Date.parse(`${DATE_DOMAIN.first}T00:00:00Z`);
const DOMAIN_LAST_MS = Date.parse(`${DATE_DOMAIN.last}T23:59:59.999Z`);

/** When an event may have happened, relative to when it is processed. */
export interface EventTimeWindow {
  readonly earliestMs: number;
  readonly latestMs: number;
}

export const DEFAULT_EVENT_TIME = Object.freeze({ earliest: '1970-01-01T00:00:00Z', aheadHours: 24 });

/**
 * `occurredAt` from `earliest` to `aheadHours` after `nowMs` (the processing time): an event from
 * the far future is an upstream clock bug, not data. Never wider than the date domain.
 */
export function eventTimeWindow(earliest: string, aheadHours: number, nowMs: number): EventTimeWindow {
  return {
    earliestMs: Math.max(Date.parse(earliest), DOMAIN_FIRST_MS),
    latestMs: Math.min(nowMs + aheadHours * 3_600_000, DOMAIN_LAST_MS),
  };
}

/** The whole date domain: for callers that have no processing time (unit tests of other stages). */
export const DOMAIN_WINDOW: EventTimeWindow = Object.freeze({ earliestMs: DOMAIN_FIRST_MS, latestMs: DOMAIN_LAST_MS });

export interface BoundViolation {
  readonly path: string;
  readonly reason: string;
}

/**
 * Property names the contract declares: only these are shown in a reason's path. Any other key
 * comes from the payload and may itself be personal data, so it is shown as `<key>`.
 */
const CONTRACT_KEYS: ReadonlySet<string> = new Set(
  [CustomerChange, AgentChange, Customer, Policy, BankAccount, SettlementAccount, PremiumAccount, Agent, AgentContact].flatMap((s) => Object.keys(s.shape)),
);

export function showPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += `${out === '' ? '' : '.'}${CONTRACT_KEYS.has(segment) ? segment : '<key>'}`;
  }
  return out === '' ? '(message)' : out;
}

/**
 * Where a walk stands in a parsed message: an object or array, as a link to the one holding it.
 * The path of a place is built only when a violation names it; walking a valid message (every
 * message, almost) copied a path array for each of its values, an eighth of what the whole pipeline
 * allocated (measured, 75,000-customer bench stream).
 */
export interface JsonPlace {
  readonly parent: JsonPlace | undefined;
  /** The member name or index under which `parent` holds it; undefined for the message itself. */
  readonly segment: string | number | undefined;
  /** Segments from the message to here. */
  readonly depth: number;
}

/** The path of the value held under `segment` by `place` (or of `place` itself). */
export function pathOf(place: JsonPlace | undefined, segment?: string | number): (string | number)[] {
  const path: (string | number)[] = segment === undefined ? [] : [segment];
  for (let at = place; at?.segment !== undefined; at = at.parent) path.push(at.segment);
  return path.reverse();
}

/** What a walk is told of each value, in document order; the first non-undefined answer ends it. */
export interface JsonVisitor<R> {
  /** A string, held under `segment` by `parent`. */
  string(value: string, parent: JsonPlace | undefined, segment: string | number | undefined): R | undefined;
  /** An object (with its member names) or an array (`keys` undefined), before its values. */
  container(value: object, keys: readonly string[] | undefined, place: JsonPlace): R | undefined;
}

/**
 * Visits a parsed message's strings and containers in document order, iteratively (a nesting
 * thousands deep must not overflow the stack), so the same message always gives the same answer.
 */
export function walkJson<R>(value: unknown, visitor: JsonVisitor<R>): R | undefined {
  // Three parallel stacks rather than a frame object per value: the walk allocates one place per
  // container and nothing per string or number.
  const values: unknown[] = [value];
  const parents: (JsonPlace | undefined)[] = [undefined];
  const segments: (string | number | undefined)[] = [undefined];
  while (values.length > 0) {
    const node = values.pop();
    const parent = parents.pop();
    const segment = segments.pop();
    if (typeof node === 'string') {
      const answer = visitor.string(node, parent, segment);
      if (answer !== undefined) return answer;
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const place: JsonPlace = { parent, segment, depth: parent ? parent.depth + 1 : 0 };
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    const answer = visitor.container(node, keys, place);
    if (answer !== undefined) return answer;
    // Reversed onto the stacks so that the walk visits values in document order.
    if (keys === undefined) {
      const items = node as unknown[];
      for (let i = items.length - 1; i >= 0; i--) {
        values.push(items[i]);
        parents.push(place);
        segments.push(i);
      }
    } else {
      for (let i = keys.length - 1; i >= 0; i--) {
        values.push((node as Record<string, unknown>)[keys[i]!]);
        parents.push(place);
        segments.push(keys[i]);
      }
    }
  }
  return undefined;
}

/** The first place where a parsed message exceeds a limit, in document order. */
export function findOversize(value: unknown, limits: InputLimits): BoundViolation | undefined {
  return walkJson<BoundViolation>(value, {
    string(text, parent, segment) {
      if (text.length <= limits.maxStringLength) return undefined;
      const path = showPath(pathOf(parent, segment));
      return { path, reason: `${path} is longer than ${limits.maxStringLength} characters (maxStringLength)` };
    },
    container(node, keys, place) {
      const at = (reason: (path: string) => string): BoundViolation => {
        const path = showPath(pathOf(place));
        return { path, reason: reason(path) };
      };
      if (place.depth + 1 > limits.maxDepth) return at((p) => `${p} nests deeper than ${limits.maxDepth} levels (maxDepth)`);
      if (keys === undefined) {
        const items = (node as unknown[]).length;
        return items > limits.maxArrayItems ? at((p) => `${p} has more than ${limits.maxArrayItems} items (maxArrayItems)`) : undefined;
      }
      if (keys.length > limits.maxObjectKeys) return at((p) => `${p} has more than ${limits.maxObjectKeys} members (maxObjectKeys)`);
      if (keys.some((key) => key.length > limits.maxStringLength)) {
        return at((p) => `a member name in ${p} is longer than ${limits.maxStringLength} characters (maxStringLength)`);
      }
      return undefined;
    },
  });
}

/**
 * The first date of a contract-valid event outside the range the pipeline computes with:
 * `occurredAt` outside the event-time window, or `policy.receivedAt` outside the date domain.
 */
export function findDateOutOfRange(event: ChangeEvent, window: EventTimeWindow): BoundViolation | undefined {
  const at = Date.parse(event.occurredAt);
  if (!(at >= window.earliestMs)) {
    return { path: 'occurredAt', reason: `occurredAt is before ${new Date(window.earliestMs).toISOString()}, the earliest event time accepted` };
  }
  if (!(at <= window.latestMs)) {
    return { path: 'occurredAt', reason: `occurredAt is after ${new Date(window.latestMs).toISOString()}, the latest event time accepted (processing time + the allowed clock skew)` };
  }
  if (event.schema === 'customer-change/v1') {
    const receivedAt = event.policy?.receivedAt;
    if (receivedAt !== undefined && (receivedAt < DATE_DOMAIN.first || receivedAt > DATE_DOMAIN.last)) {
      return { path: 'policy.receivedAt', reason: `policy.receivedAt is outside ${DATE_DOMAIN.first} to ${DATE_DOMAIN.last}, where deadlines can be counted` };
    }
  }
  return undefined;
}
