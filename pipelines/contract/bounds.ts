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
 * The first place where a parsed message exceeds a limit, walking it once, iteratively (a nesting
 * thousands deep must not overflow the stack). Array order and key order decide which is first,
 * so the same message always gives the same answer.
 */
export function findOversize(value: unknown, limits: InputLimits): BoundViolation | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop()!;
    if (typeof node === 'string') {
      if (node.length > limits.maxStringLength) {
        return { path: showPath(path), reason: `${showPath(path)} is longer than ${limits.maxStringLength} characters (maxStringLength)` };
      }
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (path.length + 1 > limits.maxDepth) {
      return { path: showPath(path), reason: `${showPath(path)} nests deeper than ${limits.maxDepth} levels (maxDepth)` };
    }
    const children: { value: unknown; path: (string | number)[] }[] = [];
    if (Array.isArray(node)) {
      if (node.length > limits.maxArrayItems) {
        return { path: showPath(path), reason: `${showPath(path)} has more than ${limits.maxArrayItems} items (maxArrayItems)` };
      }
      for (let i = 0; i < node.length; i++) children.push({ value: node[i], path: [...path, i] });
    } else {
      const keys = Object.keys(node);
      if (keys.length > limits.maxObjectKeys) {
        return { path: showPath(path), reason: `${showPath(path)} has more than ${limits.maxObjectKeys} members (maxObjectKeys)` };
      }
      for (const key of keys) {
        if (key.length > limits.maxStringLength) {
          return { path: showPath(path), reason: `a member name in ${showPath(path)} is longer than ${limits.maxStringLength} characters (maxStringLength)` };
        }
        children.push({ value: (node as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
    // Reversed onto the stack so that the walk visits children in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
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
