// Structural mutations of a JSON value: what a buggy or hostile producer does to a valid event
// before it is serialized. Each mutation is plain data drawn by fast-check (a kind, which node to
// hit, and what to put there), applied by a pure function, so a failing case replays exactly and
// shrinks towards fewer, simpler mutations. Labels name the kind and the contract path (other keys
// as <key>), never a value: they are what a failure report prints.
import fc from 'fast-check';
import { AgentChange, CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { contractKeysOf, leavesOf, type LeafSpec } from './contract-arbitrary.ts';

/** A number written as raw JSON text (1e999, -0, 30 digits): JSON.stringify cannot produce these. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const CONTRACT_KEYS = new Set([...contractKeysOf(CustomerChange), ...contractKeysOf(AgentChange)]);

type Path = (string | number)[];

export function showPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${CONTRACT_KEYS.has(p) ? p : '<key>'}`;
  return out === '' ? '(root)' : out;
}

interface Node {
  readonly path: Path;
  readonly value: unknown;
  readonly parent: Record<string, unknown> | unknown[] | undefined;
  readonly key: string | number | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawJson);

/** Every node of the tree in document order, the root first. */
function nodesOf(root: unknown): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [{ path: [], value: root, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    const { value, path } = node;
    const children: Node[] = [];
    if (Array.isArray(value)) value.forEach((v, i) => children.push({ path: [...path, i], value: v, parent: value, key: i }));
    else if (isObject(value)) for (const k of Object.keys(value)) children.push({ path: [...path, k], value: value[k], parent: value, key: k });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}

/** Sets an own data property, also for `__proto__`, which plain assignment would turn into a prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * A deep copy that keeps RawJson (immutable) and own `__proto__` members. Everything a mutation
 * inserts is copied: fast-check hands out the same constant ({}, []) to many cases, and a later
 * mutation must not reach into an earlier case through it.
 */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneValue(v)) as T;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, cloneValue(value[key]));
  return out as T;
}

function replace(root: unknown, node: Node, value: unknown): unknown {
  if (node.parent === undefined) return value;
  if (Array.isArray(node.parent)) node.parent[node.key as number] = value;
  else define(node.parent, node.key as string, value);
  return root;
}

// ---- what mutations put in -----------------------------------------------------------------------

export const RAW_NUMBERS = ['1e999', '-1e999', '-0', '1E-400', '123456789012345678901234567890', '0.1e+1', '9007199254740993', '-9007199254740993'] as const;

/** A value of any JSON type, including numbers JSON.stringify cannot write. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
  fc.constantFrom(...RAW_NUMBERS).map((t) => new RawJson(t)),
);

/**
 * Code points that break naive text handling: lone and reversed surrogates, NUL and other
 * controls, astral characters (2 UTF-16 units), combining marks, bidi overrides, zero-width and
 * BOM characters, line separators, noncharacters, full-width digits, case-folding oddities.
 */
export const unicodeSnippet: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800', '\u0000', '\u0000\u0000', '\ud83d\ude00', '\ud840\udc00', '\u{10ffff}',
    'e\u0301', '\u0301', '\u202e', '\u200d', '\u200b', '\ufeff', '\u2028', '\u2029', '\ufffe', '\uffff', '\ufffd',
    '１３９１２３４００７７', '\u0007', '\u001b[31m', '\u001f', '\u007f', '\u0085', '\u00a0', '\u3000', 'İ', 'ß', 'ﬃ', '\\', '"', "'",
  ),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
);

/**
 * Text that means something to the code under test: phrases of V8's JSON.parse messages and of
 * the decoder's own reasons (a decoder that reads an error message can be fooled by input that
 * looks like one), contract paths, escapes and format strings.
 */
export const DICTIONARY = [
  'position 4711', 'at position 12 (line 1 column 13)', '" is not valid JSON', 'in JSON at position 99', 'Unexpected token',
  'at byte 77', 'not valid JSON', 'customer.name', 'customer.bankAccounts[0].number', '<key>', '(message)', 'Invalid input',
  '__proto__', 'constructor', '%s%n', '${x}', '{{x}}', '\\u0000', '\\ud800', '"}', '\\"', '1900-01-01', '2199-12-31',
  'legacy-crm', 'cust_info', 'undefined', 'null', 'NaN', 'Infinity',
] as const;

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then', 'toJSON'] as const;

const protoValue: fc.Arbitrary<unknown> = fc.oneof(
  anyValue,
  fc.constantFrom<unknown>({ polluted: true }, { kind: 'person' }, { bankAccounts: 5 }, { idNumber: { x: 1 } }, { birthDate: '0000-01-01' }, { length: 1e9 }),
);

const LEAVES: readonly LeafSpec[] = [...leavesOf(CustomerChange), ...leavesOf(AgentChange)];
/** The dates and instants: where the calendar, the deadline maths and the store's columns end. */
const DATE_LEAVES: readonly LeafSpec[] = LEAVES.filter((l) => l.kind === 'date' || l.kind === 'datetime');

const DATE_EDGES = ['0000-01-01', '9999-12-31', '1899-12-31', '1900-01-01', '2199-12-31', '2200-01-01', '2024-02-29', '2023-02-29', '1970-01-01', '0001-01-01', '2026-13-01', '20260101', ''];
const INSTANT_EDGES = [
  '9999-12-31T20:00:00-08:00', '0000-01-01T00:00:00+14:00', '9999-12-31T15:59:59Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z', '2199-12-31T23:59:59.999Z', '2200-01-01T00:00:00Z', '2026-06-01T09:30:00', '2026-06-01T24:00:00Z',
  '2026-06-01T09:30:00.123456789012+08:00', '2099-06-05T10:00:00+08:00', '+275760-09-13T00:00:00Z', '2026-02-29T00:00:00Z',
];

function edgesOf(leaf: LeafSpec): unknown[] {
  switch (leaf.kind) {
    case 'date':
      return DATE_EDGES;
    case 'datetime':
      return INSTANT_EDGES;
    case 'string':
      return ['', ' ', ...(leaf.max === undefined ? [] : ['x'.repeat(leaf.max), 'x'.repeat(leaf.max + 1)])];
    case 'integer':
    case 'number':
      return [...(leaf.min === undefined ? [] : [leaf.min - 1, leaf.min]), ...(leaf.max === undefined ? [] : [leaf.max, leaf.max + 1]), 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, '15', new RawJson('1e999')];
    case 'enum': {
      const first = String(leaf.values?.[0] ?? '');
      return [first.toUpperCase(), `${first} `, '', first.slice(0, -1)];
    }
    case 'literal':
      return ['customer-change/v2', 'agent-change/v1', 'customer-change/v1 ', 'CUSTOMER-CHANGE/V1', 'customer-change/v1'];
    case 'boolean':
      return ['true', 0, 1, null];
    case 'union':
      return [null, {}, true, '', new RawJson('1e999')];
  }
}

// Debezium column and timestamp values at the edges of what the converters accept.
const DEBEZIUM_EDGES: readonly unknown[] = [
  253_402_300_799_999, -62_167_219_200_000, 8_640_000_000_000_001, 2 ** 53, -1, 1.5, '1700000000000', null,
  2_932_896, -719_528, 99_999_999, '00000000', '99991231', '2023-02-29', 1e308, new RawJson('1e999'), '1e3', '--1', '',
];

// ---- mutations -----------------------------------------------------------------------------------

export type Mutation =
  | { readonly kind: 'wrong-type'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'drop-member'; readonly pick: number }
  | { readonly kind: 'unicode'; readonly pick: number; readonly at: number; readonly text: string; readonly whole: boolean }
  | { readonly kind: 'unicode-key'; readonly pick: number; readonly text: string }
  | { readonly kind: 'huge-string'; readonly pick: number; readonly length: number; readonly unit: string }
  | { readonly kind: 'huge-array'; readonly pick: number; readonly count: number; readonly accounts: boolean }
  | { readonly kind: 'many-keys'; readonly pick: number; readonly count: number }
  | { readonly kind: 'deep'; readonly pick: number; readonly depth: number; readonly arrays: boolean }
  | { readonly kind: 'proto-key'; readonly pick: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'boundary'; readonly leaf: number; readonly edge: number; readonly item: number; readonly datesOnly?: boolean }
  | { readonly kind: 'dictionary'; readonly pick: number; readonly at: number; readonly word: string }
  | { readonly kind: 'swap'; readonly pick: number; readonly other: number }
  | { readonly kind: 'envelope'; readonly variant: number }
  | { readonly kind: 'debezium-edge'; readonly pick: number; readonly edge: number };

/** A date or instant of the contract set to an edge value: what the calendar and deadline stages fail on. */
export function dateEdge(): fc.Arbitrary<Mutation> {
  return fc.record({ kind: fc.constant('boundary' as const), leaf: fc.nat(), edge: fc.nat(), item: fc.nat(), datesOnly: fc.constant(true) });
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wrong-type' as const), pick: fc.nat(), value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop-member' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('unicode' as const), pick: fc.nat(), at: fc.nat(), text: unicodeSnippet, whole: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unicode-key' as const), pick: fc.nat(), text: unicodeSnippet }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge-string' as const),
      pick: fc.nat(),
      // Around the default maxStringLength (4096 UTF-16 units), on both sides of it.
      length: fc.integer({ min: 4090, max: 4200 }),
      unit: fc.constantFrom('a', '北', '\ud83d\ude00', '\u0000', '\\'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge-array' as const), pick: fc.nat(), count: fc.integer({ min: 95, max: 140 }), accounts: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('many-keys' as const), pick: fc.nat(), count: fc.integer({ min: 250, max: 270 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), pick: fc.nat(), depth: fc.integer({ min: 20, max: 45 }), arrays: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('proto-key' as const), pick: fc.nat(), key: fc.constantFrom(...PROTO_KEYS), value: protoValue }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('boundary' as const), leaf: fc.nat(), edge: fc.nat(), item: fc.nat() }) },
  { weight: 2, arbitrary: dateEdge() },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dictionary' as const), pick: fc.nat(), at: fc.nat(), word: fc.constantFrom(...DICTIONARY) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap' as const), pick: fc.nat(), other: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('envelope' as const), variant: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('debezium-edge' as const), pick: fc.nat(), edge: fc.nat() }) },
);

const pickFrom = <T>(items: readonly T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);

/** The nodes at a contract path (`customer.bankAccounts[].number`: one per account). */
function nodesAtPath(root: unknown, path: string): { parent: Record<string, unknown>; key: string; path: Path }[] {
  let at: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  const parts = path.split('.');
  const out: { parent: Record<string, unknown>; key: string; path: Path }[] = [];
  parts.forEach((part, i) => {
    const key = part.replace(/\[\]/g, '');
    const items = (part.match(/\[\]/g) ?? []).length;
    if (i === parts.length - 1 && items === 0) {
      for (const { value, path: p } of at) if (isObject(value)) out.push({ parent: value, key, path: [...p, key] });
      return;
    }
    let next = at.flatMap(({ value, path: p }) => (isObject(value) && Object.hasOwn(value, key) ? [{ value: value[key], path: [...p, key] }] : []));
    for (let n = 0; n < items; n++) {
      next = next.flatMap(({ value, path: p }) => (Array.isArray(value) ? value.map((v, j) => ({ value: v, path: [...p, j] })) : []));
    }
    at = next;
  });
  return out;
}

function debeziumPayload(root: unknown): Record<string, unknown> | undefined {
  if (!isObject(root)) return undefined;
  const payload = isObject(root.payload) ? root.payload : root;
  return isObject(payload.source) ? payload : undefined;
}

/** Applies one mutation to `root` (mutated in place where possible); returns the new root and a label. */
export function applyMutation(root: unknown, m: Mutation): { root: unknown; label: string } {
  const nodes = nodesOf(root);
  const label = (path: Path | undefined, extra = '') => `${m.kind}${extra}@${path ? showPath(path) : '-'}`;
  switch (m.kind) {
    case 'wrong-type': {
      const node = pickFrom(nodes, m.pick)!;
      return { root: replace(root, node, cloneValue(m.value)), label: label(node.path) };
    }
    case 'drop-member': {
      const node = pickFrom(nodes.filter((n) => isObject(n.parent)), m.pick);
      if (!node) return { root, label: label(undefined) };
      delete (node.parent as Record<string, unknown>)[node.key as string];
      return { root, label: label(node.path) };
    }
    case 'unicode':
    case 'dictionary': {
      const node = pickFrom(nodes.filter((n) => typeof n.value === 'string'), m.pick);
      if (!node) return { root, label: label(undefined) };
      const text = node.value as string;
      const insert = m.kind === 'unicode' ? m.text : m.word;
      const at = m.at % (text.length + 1);
      const whole = m.kind === 'unicode' && m.whole;
      return { root: replace(root, node, whole ? insert : text.slice(0, at) + insert + text.slice(at)), label: label(node.path) };
    }
    case 'unicode-key': {
      const node = pickFrom(nodes.filter((n) => isObject(n.parent)), m.pick);
      if (!node) return { root, label: label(undefined) };
      const parent = node.parent as Record<string, unknown>;
      const key = node.key as string;
      const value = parent[key];
      delete parent[key];
      define(parent, key + m.text, value);
      return { root, label: label(node.path) };
    }
    case 'huge-string': {
      const node = pickFrom(nodes.filter((n) => typeof n.value === 'string'), m.pick) ?? nodes[0]!;
      const text = m.unit.repeat(Math.ceil(m.length / m.unit.length)).slice(0, m.length);
      return { root: replace(root, node, text), label: label(node.path, `:${m.length}`) };
    }
    case 'huge-array': {
      const accounts = m.accounts ? nodesAtPath(root, 'customer.bankAccounts')[0] : undefined;
      if (accounts && Array.isArray(accounts.parent[accounts.key])) {
        const list = accounts.parent[accounts.key] as unknown[];
        const item = list[0] ?? { number: '6222020000000000000' };
        define(accounts.parent, accounts.key, Array.from({ length: m.count }, () => cloneValue(item)));
        return { root, label: label(accounts.path, `:${m.count}`) };
      }
      const node = pickFrom(nodes, m.pick)!;
      return { root: replace(root, node, Array.from({ length: m.count }, (_, i) => i)), label: label(node.path, `:${m.count}`) };
    }
    case 'many-keys': {
      const node = pickFrom(nodes.filter((n) => isObject(n.value)), m.pick);
      if (!node) return { root, label: label(undefined) };
      const target = node.value as Record<string, unknown>;
      for (let i = 0; i < m.count; i++) define(target, `k${i}`, i);
      return { root, label: label(node.path, `:${m.count}`) };
    }
    case 'deep': {
      const node = pickFrom(nodes, m.pick)!;
      let value: unknown = 1;
      for (let i = 0; i < m.depth; i++) value = m.arrays ? [value] : { d: value };
      return { root: replace(root, node, value), label: label(node.path, `:${m.depth}`) };
    }
    case 'proto-key': {
      const node = pickFrom(nodes.filter((n) => isObject(n.value)), m.pick);
      if (!node) return { root, label: label(undefined) };
      define(node.value as Record<string, unknown>, m.key, cloneValue(m.value));
      return { root, label: `${m.kind}:${m.key}@${showPath(node.path)}` };
    }
    case 'boundary': {
      const leaves = m.datesOnly ? DATE_LEAVES : LEAVES;
      const leaf = leaves[m.leaf % leaves.length]!;
      const edges = edgesOf(leaf);
      const edge = edges[m.edge % edges.length];
      const target = pickFrom(nodesAtPath(root, leaf.path), m.item);
      if (!target) return { root, label: `${m.kind}:absent@${leaf.path}` };
      define(target.parent, target.key, cloneValue(edge));
      return { root, label: `${m.kind}:${leaf.kind}@${showPath(target.path)}` };
    }
    case 'swap': {
      const a = pickFrom(nodes, m.pick)!;
      const b = pickFrom(nodes, m.other)!;
      // Swapping a node with its own ancestor would build a cycle.
      if (a === b || a.parent === undefined || b.parent === undefined || isPrefix(a.path, b.path) || isPrefix(b.path, a.path)) return { root, label: label(undefined) };
      replace(root, a, b.value);
      replace(root, b, a.value);
      return { root, label: `${m.kind}@${showPath(a.path)}<>${showPath(b.path)}` };
    }
    case 'envelope':
      return { root: envelope(root, m.variant), label: `${m.kind}:${m.variant}` };
    case 'debezium-edge': {
      const payload = debeziumPayload(root);
      if (!payload) return { root, label: label(undefined) };
      const row = isObject(payload.after) ? payload.after : isObject(payload.before) ? payload.before : undefined;
      const slots: { parent: Record<string, unknown>; key: string }[] = [{ parent: payload.source as Record<string, unknown>, key: 'ts_ms' }];
      if (row) for (const key of Object.keys(row)) slots.push({ parent: row, key });
      const slot = pickFrom(slots, m.pick)!;
      define(slot.parent, slot.key, cloneValue(DEBEZIUM_EDGES[m.edge % DEBEZIUM_EDGES.length]));
      return { root, label: `${m.kind}@${slot.key === 'ts_ms' ? 'source.ts_ms' : 'row.<column>'}` };
    }
  }
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((p, i) => b[i] === p);
}

/** Canonical and Debezium shapes confused: wrapped, unwrapped, half-converted. */
function envelope(root: unknown, variant: number): unknown {
  const copy = isObject(root) ? { ...root } : root;
  switch (variant) {
    case 0:
      return { payload: root };
    case 1:
      return { schema: null, payload: root };
    case 2:
      return { schema: 'customer-change/v1', payload: root };
    case 3:
      return isObject(root) && isObject(root.payload) ? root.payload : root;
    case 4:
      if (isObject(copy)) Object.assign(copy, { op: 'c', source: { name: 'legacy-crm', db: 'crm', table: 'cust_info' } });
      return copy;
    case 5:
      if (isObject(copy)) copy.schema = { type: 'struct' };
      return copy;
    case 6: {
      const payload = debeziumPayload(root);
      if (payload) payload.op = 't';
      return root;
    }
    default: {
      const payload = debeziumPayload(root);
      if (payload) payload.source = { ...(payload.source as Record<string, unknown>), table: 'cust_addr' };
      return root;
    }
  }
}
