// Malformed lines, as real producers emit them: cut-off writes, stray payloads, and events that
// break the contract. Each is derived from a real event so it looks like its neighbours; none is
// ever valid, and the test parses every one of them to prove it.
import type { Rng } from './rng.ts';
import type { DeadLetterReason } from './truth.ts';

export interface BadLine {
  readonly line: string;
  readonly reason: DeadLetterReason;
}

type Event = Record<string, unknown>;

type Breakage =
  | 'truncated'
  | 'garbage'
  | 'array'
  | 'number'
  | 'no-event-id'
  | 'no-key'
  | 'unknown-op'
  | 'bad-time'
  | 'after-image-string'
  | 'cooling-off-string'
  | 'update-without-after-image';

const BREAKAGES: readonly (readonly [Breakage, number])[] = [
  ['truncated', 14],
  ['garbage', 6],
  ['array', 6],
  ['number', 4],
  ['no-event-id', 10],
  ['no-key', 10],
  ['unknown-op', 10],
  ['bad-time', 10],
  ['after-image-string', 10],
  ['cooling-off-string', 10],
  ['update-without-after-image', 10],
];

const GARBAGE: readonly string[] = [
  '<html><body><h1>502 Bad Gateway</h1></body></html>',
  'undefined',
  "{'eventId': 'legacy-export', 'op': 'create'}",
  'customer-change/v1|update|see attachment',
  'NaN',
  '{"schema":"customer-change/v1","eventId":}',
];

/**
 * A line the pipeline must dead-letter, derived from `event` (a valid event that was just written).
 * `freshEventId` keeps eventIds unique: a malformed line must never collide with a valid one.
 */
export function badLineFrom(rng: Rng, event: Readonly<Event>, freshEventId: string): BadLine {
  const copy: Event = structuredClone(event) as Event;
  copy.eventId = freshEventId;
  const isCustomer = copy.schema === 'customer-change/v1';
  const afterImageKey = isCustomer ? 'customer' : 'agent';
  let breakage = rng.weighted(BREAKAGES);
  const policy = copy.policy;
  if (breakage === 'cooling-off-string' && !(isCustomer && isObject(policy))) breakage = 'after-image-string';

  switch (breakage) {
    case 'truncated': {
      // An object cut before its closing brace is never valid JSON.
      const full = JSON.stringify(copy);
      return { line: full.slice(0, rng.int(1, full.length - 1)), reason: 'not-json' };
    }
    case 'garbage':
      return { line: rng.pick(GARBAGE), reason: 'not-json' };
    case 'array':
      return { line: JSON.stringify([copy]), reason: 'not-object' };
    case 'number':
      return { line: String(rng.pick([42, 0, -1, 1_793_000_000_000, 3.14])), reason: 'not-object' };
    case 'no-event-id':
      delete copy.eventId;
      break;
    case 'no-key':
      delete copy[isCustomer ? 'customerId' : 'agentId'];
      break;
    case 'unknown-op':
      copy.op = 'upsert';
      break;
    case 'bad-time':
      copy.occurredAt = 'yesterday';
      break;
    case 'after-image-string':
      copy.op = copy.op === 'delete' ? 'update' : copy.op;
      copy[afterImageKey] = 'x';
      break;
    case 'cooling-off-string':
      (policy as Event).coolingOffDays = '15';
      break;
    case 'update-without-after-image':
      copy.op = 'update';
      delete copy[afterImageKey];
      break;
  }
  return { line: JSON.stringify(copy), reason: 'contract' };
}

function isObject(value: unknown): value is Event {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
