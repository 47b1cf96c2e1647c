// Checks mapping targets against the published JSON Schema of the contract they produce, so a typo
// (`customer.mobil`), a value outside an enum or a missing required field is a load-time error
// with a line number instead of a dead letter for every event. Walking the JSON Schema rather
// than zod internals keeps this on a documented, stable format.
import { CalendarDate } from '../../pipelines/calendar/calendar-date.ts';
import { formatPath } from '../../pipelines/config/yaml-file.ts';
import type { ContractName, JsonSchema } from '../../pipelines/contract/json-schema.ts';
import { isRecord, type Segment } from '../../pipelines/contract/field-paths.ts';

export const CONVERSIONS = ['string', 'number', 'date', 'boolean'] as const;
export type Conversion = (typeof CONVERSIONS)[number];

const PRODUCED_TYPE: Record<Conversion, 'string' | 'number' | 'boolean'> = {
  string: 'string',
  date: 'string',
  number: 'number',
  boolean: 'boolean',
};

function typesOf(node: JsonSchema): string[] {
  return node.type === undefined ? [] : ([] as unknown[]).concat(node.type).map(String);
}

function child(node: JsonSchema, segment: Segment): JsonSchema | undefined {
  const types = typesOf(node);
  if (typeof segment === 'number') return types.includes('array') && isRecord(node.items) ? node.items : undefined;
  if (!types.includes('object') || !isRecord(node.properties) || !Object.hasOwn(node.properties, segment)) return undefined;
  const next = node.properties[segment];
  return isRecord(next) ? next : undefined;
}

export type Resolved = { readonly ok: true; readonly leaf: JsonSchema } | { readonly ok: false; readonly problem: string };

/** A target must be a scalar field inside one of the event's object sections (customer, policy, agent). */
export function resolveTarget(contract: JsonSchema, name: ContractName, path: readonly Segment[]): Resolved {
  const sections = sectionsOf(contract);
  const root = path[0];
  if (typeof root !== 'string' || !sections.includes(root)) {
    const problem = `targets must start with ${sections.join(' or ')}; envelope fields come from eventId, entityId, occurredAt and source`;
    return { ok: false, problem };
  }
  let node: JsonSchema = contract;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as Segment;
    const next = child(node, segment);
    if (!next) {
      const problem =
        typeof segment === 'number'
          ? `${formatPath(path.slice(0, i))} is not a list`
          : `${formatPath(path.slice(0, i + 1))} is not a field of ${name}`;
      return { ok: false, problem };
    }
    node = next;
  }
  const types = typesOf(node);
  if (types.includes('object') || types.includes('array')) {
    const what = types.includes('array') ? 'a list' : 'an object';
    return { ok: false, problem: `${formatPath(path)} is ${what}: map the fields inside it` };
  }
  return { ok: true, leaf: node };
}

/** Top-level properties that are objects: the after-image and, for customers, the policy. */
export function sectionsOf(contract: JsonSchema): string[] {
  const properties = isRecord(contract.properties) ? contract.properties : {};
  return Object.keys(properties).filter((key) => {
    const node = properties[key];
    return isRecord(node) && typesOf(node).includes('object');
  });
}

/** Why a constant or `values` entry would fail the contract, or undefined if it fits. */
export function valueProblem(leaf: JsonSchema, value: string | number | boolean): string | undefined {
  const types = typesOf(leaf);
  const fits = (t: string) => t === typeof value || (t === 'integer' && Number.isInteger(value));
  if (types.length > 0 && !types.some(fits)) return `must be a ${types.join(' or ')}`;
  if (Array.isArray(leaf.enum) && !leaf.enum.includes(value)) return `must be one of: ${leaf.enum.join(', ')}`;
  if (leaf.format === 'date' && !CalendarDate.safeParse(value).success) return 'must be a date (YYYY-MM-DD)';
  if (typeof value === 'string' && typeof leaf.pattern === 'string' && !new RegExp(leaf.pattern, 'u').test(value)) {
    return `does not have the contract's ${typeof leaf.format === 'string' ? leaf.format : 'format'}`;
  }
  return undefined;
}

export function conversionProblem(leaf: JsonSchema, as: Conversion): string | undefined {
  const types = typesOf(leaf);
  const produced = PRODUCED_TYPE[as];
  if (types.length === 0 || types.includes(produced) || (produced === 'number' && types.includes('integer'))) return undefined;
  return `as: ${as} produces a ${produced}, but the contract expects a ${types.join(' or ')}`;
}

/** What a column is converted to when `as` is not given; undefined passes the value through. */
export function defaultConversion(leaf: JsonSchema): Conversion | undefined {
  const types = typesOf(leaf);
  if (types.length !== 1) return undefined; // e.g. registeredCapital: number or string
  if (types[0] === 'string') return leaf.format === 'date' ? 'date' : 'string';
  if (types[0] === 'number' || types[0] === 'integer') return 'number';
  if (types[0] === 'boolean') return 'boolean';
  return undefined;
}

export interface Target {
  readonly path: readonly Segment[];
  /** Where the target is declared in the mapping file, for the error's line. */
  readonly at: readonly PropertyKey[];
}

export interface MissingRequired {
  readonly object: string;
  readonly missing: readonly string[];
  readonly at: readonly PropertyKey[];
}

/**
 * Every object the mapping writes into (plus `always`, the after-image that is always emitted)
 * must get its required properties, e.g. `customer.kind`, `bankAccounts[0].number`.
 */
export function missingRequired(
  contract: JsonSchema,
  targets: readonly Target[],
  always: string,
  alwaysAt: readonly PropertyKey[],
): MissingRequired[] {
  const objects = new Map<string, { path: readonly Segment[]; keys: Set<string>; at: readonly PropertyKey[] }>();
  objects.set(JSON.stringify([always]), { path: [always], keys: new Set(), at: alwaysAt });
  for (const target of targets) {
    for (let depth = 1; depth < target.path.length; depth++) {
      const key = target.path[depth];
      if (typeof key !== 'string') continue; // the list itself; its element is the object
      const prefix = target.path.slice(0, depth);
      const id = JSON.stringify(prefix);
      const entry = objects.get(id) ?? { path: prefix, keys: new Set<string>(), at: target.at };
      entry.keys.add(key);
      objects.set(id, entry);
    }
  }
  const out: MissingRequired[] = [];
  for (const { path, keys, at } of objects.values()) {
    let node: JsonSchema | undefined = contract;
    for (const segment of path) node = node && child(node, segment);
    const required = Array.isArray(node?.required) ? (node.required as string[]) : [];
    const missing = required.filter((key) => !keys.has(key));
    if (missing.length > 0) out.push({ object: formatPath(path), missing, at });
  }
  return out;
}
