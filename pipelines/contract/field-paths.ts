// The two path languages of a mapping file: canonical targets (`customer.bankAccounts[0].number`)
// and Debezium payload paths (`source.ts_ms`). Reads use own properties only, so a column or path
// named like an Object.prototype member (`constructor`, `__proto__`) cannot reach the prototype.

export type Segment = string | number;

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
// Indexes stop at 99: a mapping lists a few accounts, and a typo like [1000000] must not allocate.
const TARGET_PART = new RegExp(`^(${NAME})(?:\\[(0|[1-9][0-9]?)\\])?$`);
const PAYLOAD_PATH = new RegExp(`^${NAME}(?:\\.${NAME})*$`);

/** `customer.bankAccounts[0].number` → ['customer', 'bankAccounts', 0, 'number']; undefined if malformed. */
export function parseTargetPath(text: string): Segment[] | undefined {
  const segments: Segment[] = [];
  for (const part of text.split('.')) {
    const match = TARGET_PART.exec(part);
    if (!match?.[1]) return undefined;
    segments.push(match[1]);
    if (match[2] !== undefined) segments.push(Number(match[2]));
  }
  return segments;
}

/** `source.ts_ms` → ['source', 'ts_ms']; undefined if malformed. */
export function parsePayloadPath(text: string): string[] | undefined {
  return PAYLOAD_PATH.test(text) ? text.split('.') : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getIn(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isRecord(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** Sets a value, creating objects and arrays on the way; targets are validated against the contract first. */
export function setIn(target: Record<string, unknown>, path: readonly Segment[], value: unknown): void {
  let at: Record<string | number, unknown> = target;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      at[segment] = value;
      return;
    }
    const existing = at[segment];
    const next = existing !== undefined ? existing : typeof path[i + 1] === 'number' ? [] : {};
    at[segment] = next;
    at = next as Record<string | number, unknown>;
  });
}

/**
 * Drops the holes left when `bankAccounts[1]` is filled but `[0]` was null: an absent account is
 * not an account, and a hole would fail the contract as `undefined`.
 */
export function compactArrays(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value).filter((v) => v !== undefined).map(compactArrays);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactArrays(v)]));
  return value;
}
