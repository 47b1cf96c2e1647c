// fast-check arbitraries read off the zod contract itself: every member of every object schema is
// generated, so a field added to the contract is fuzzed from the day it is added, with no list
// here to forget. Hints (by contract path) give fields values that look like the real thing; a
// field without one gets a value of its zod type. A zod type this module does not know fails
// loudly, naming the path, instead of being skipped.
import fc from 'fast-check';
import type { z } from 'zod';
import { cjkChar, isoDate, isoInstant } from './synthetic.ts';

/** Contract path → arbitrary: `customer.name`, `customer.bankAccounts[].number` (any item). */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

interface CheckDef {
  readonly check: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly value?: number;
  readonly format?: string;
}

/** The part of zod's internal definition this module reads (zod 4: `schema._zod.def`). */
interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
  readonly format?: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
}

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Whether a member may be left out of its object (optional, or defaulted by the contract). */
export function isOptional(schema: z.ZodType): boolean {
  const { type } = defOf(schema);
  return type === 'optional' || type === 'default';
}

/** The schema under optional/default wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let at = schema;
  while (isOptional(at)) at = defOf(at).innerType!;
  return at;
}

function checksOf(def: Def): CheckDef[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function stringArbitrary(def: Def, path: string): fc.Arbitrary<string> {
  if (def.format === 'date') return isoDate(1950, 2100);
  if (def.format === 'datetime') return isoInstant(1990, 2025);
  if (def.format !== undefined) throw new Error(`contract-arbitrary: no generator for string format ${def.format} at ${path}`);
  const checks = checksOf(def);
  const min = Math.max(1, ...checks.filter((c) => c.check === 'min_length').map((c) => c.minimum ?? 0));
  const max = Math.min(12, ...checks.filter((c) => c.check === 'max_length').map((c) => c.maximum ?? Infinity));
  return fc.string({ unit: cjkChar, minLength: min, maxLength: Math.max(min, max) });
}

function numberArbitrary(def: Def): fc.Arbitrary<number> {
  const checks = checksOf(def);
  const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
  const low = checks.filter((c) => c.check === 'greater_than').map((c) => c.value ?? -Infinity);
  const high = checks.filter((c) => c.check === 'less_than').map((c) => c.value ?? Infinity);
  const min = low.length > 0 ? Math.max(...low) : -1e9;
  const max = high.length > 0 ? Math.min(...high) : 1e9;
  return integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

export interface GenerateOptions {
  readonly hints: Hints;
  /** Optional members generated anyway (the after-image, which a refinement requires). */
  readonly required?: ReadonlySet<string>;
  /**
   * How often an optional member is present, as weights. Fewer members make smaller, cheaper
   * cases, so more of them fit in CI time; every member still turns up thousands of times.
   */
  readonly presence?: { readonly present: number; readonly absent: number };
}

/** Stands for a member left out, until the object is built. */
const ABSENT = Symbol('absent');

/** A value the schema accepts, at contract path `path`. */
export function arbitraryOf(schema: z.ZodType, options: GenerateOptions, path = ''): fc.Arbitrary<unknown> {
  const hint = options.hints[path];
  if (hint) return hint;
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const { present, absent } = options.presence ?? { present: 1, absent: 1 };
      const members: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, member] of Object.entries(def.shape ?? {})) {
        const arbitrary = arbitraryOf(member, options, join(path, key));
        const required = !isOptional(member) || options.required?.has(join(path, key)) === true;
        // oneof generates only the branch it picks: an absent member costs nothing.
        members[key] = required ? arbitrary : fc.oneof({ weight: absent, arbitrary: fc.constant(ABSENT) }, { weight: present, arbitrary });
      }
      return fc.record(members).map((built) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(built)) if (value !== ABSENT) out[key] = value;
        return out;
      });
    }
    case 'optional':
    case 'default':
      // Whether the member is present is its object's choice (above).
      return arbitraryOf(def.innerType!, options, path);
    case 'array':
      return fc.array(arbitraryOf(def.element!, options, `${path}[]`), { maxLength: 3 });
    case 'union':
      return fc.oneof(...def.options!.map((option) => arbitraryOf(option, options, path)));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!));
    case 'literal':
      return fc.constantFrom(...def.values!);
    case 'boolean':
      return fc.boolean();
    case 'number':
      return numberArbitrary(def);
    case 'string':
      return stringArbitrary(def, path);
    default:
      throw new Error(`contract-arbitrary: no generator for zod type ${def.type} at ${path || '(root)'}: add one here`);
  }
}

/** The schema at a contract path (`customer.bankAccounts[].number`), or undefined if there is none. */
export function schemaAt(root: z.ZodType, path: string): z.ZodType | undefined {
  let at: z.ZodType | undefined = root;
  for (const part of path.split('.')) {
    const match = /^([^[\]]+)((?:\[\])*)$/.exec(part);
    if (!match || at === undefined) return undefined;
    const shape: Def['shape'] = defOf(unwrap(at)).shape;
    at = shape && Object.hasOwn(shape, match[1]!) ? shape[match[1]!] : undefined;
    for (let n = match[2]!.length / 2; n > 0 && at !== undefined; n--) at = defOf(unwrap(at)).element;
  }
  return at;
}

export interface LeafSpec {
  /** Contract path, `[]` for any item. */
  readonly path: string;
  readonly kind: 'date' | 'datetime' | 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'literal' | 'union';
  readonly optional: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly unknown[];
}

/** Every leaf of the contract with what it accepts: the targets of the boundary mutations. */
export function leavesOf(schema: z.ZodType, path = '', optional = false): LeafSpec[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
      return leavesOf(def.innerType!, path, true);
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, member]) => leavesOf(member, join(path, key), false));
    case 'array':
      return leavesOf(def.element!, `${path}[]`, false);
    case 'string': {
      if (def.format === 'date' || def.format === 'datetime') return [{ path, kind: def.format, optional }];
      const checks = checksOf(def);
      const min = checks.find((c) => c.check === 'min_length')?.minimum;
      const max = checks.find((c) => c.check === 'max_length')?.maximum;
      return [{ path, kind: 'string', optional, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }];
    }
    case 'number': {
      const checks = checksOf(def);
      const integer = checks.some((c) => c.check === 'number_format');
      const min = checks.find((c) => c.check === 'greater_than')?.value;
      const max = checks.find((c) => c.check === 'less_than')?.value;
      return [{ path, kind: integer ? 'integer' : 'number', optional, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) }];
    }
    case 'enum':
      return [{ path, kind: 'enum', optional, values: Object.values(def.entries!) }];
    case 'literal':
      return [{ path, kind: 'literal', optional, values: def.values! }];
    case 'boolean':
      return [{ path, kind: 'boolean', optional }];
    case 'union':
      return [{ path, kind: 'union', optional }];
    default:
      throw new Error(`contract-arbitrary: no leaf kind for zod type ${def.type} at ${path || '(root)'}`);
  }
}

/** Every key of every object schema under `schema`: the names a reason may show. */
export function contractKeysOf(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const walk = (s: z.ZodType) => {
    const def = defOf(s);
    if (def.shape) for (const [key, member] of Object.entries(def.shape)) keys.add(key), walk(member);
    if (def.innerType) walk(def.innerType);
    if (def.element) walk(def.element);
    for (const option of def.options ?? []) walk(option);
  };
  walk(schema);
  return keys;
}
