// A parser compiled once from a zod schema for the common case: input the schema accepts. It
// builds the output zod builds (the same objects, keys in the same order, defaults applied)
// without zod's result object and issue list per field, which were most of the contract's cost
// per event. It answers only "valid, and this is the output" or NOT_SURE; every rejection, and
// every input it is unsure of, goes to zod, so errors and their messages stay zod's own.
//
// It reads zod 4's schema definitions (`_zod.def`) and runs the schemas' own checks (length,
// format, regex, refinements), so no rule of the contract is written a second time. A schema of a
// kind it does not know, or with a check that rewrites its value, is not compiled at all
// (`compileFastParse` returns undefined) and zod parses everything.
import type { z } from 'zod';

export const NOT_SURE: unique symbol = Symbol('not sure');

/** Returns the parsed value, or NOT_SURE when only zod can say. */
export type FastParse = (value: unknown) => unknown;

/** What this file reads of a zod 4 schema or check; internal to zod, so read defensively. */
interface Internals {
  readonly _zod: {
    readonly def: Record<string, unknown> & { readonly type?: string; readonly checks?: readonly Internals[] };
    readonly traits: ReadonlySet<string>;
    readonly optin?: 'optional' | 'defaulted';
    readonly optout?: 'optional';
    readonly check?: (payload: CheckPayload) => unknown;
    readonly values?: ReadonlySet<unknown>;
  };
}

interface CheckPayload {
  value: unknown;
  issues: unknown[];
}

/** Checks that only look at the value. Any other (an `overwrite` that trims, say) is not compiled. */
const READ_ONLY_CHECKS = new Set([
  'custom',
  'string_format',
  'min_length',
  'max_length',
  'length_equals',
  'greater_than',
  'less_than',
  'number_format',
  'multiple_of',
]);

/** Kinds whose compiled parse is NOT_SURE exactly when zod rejects the value (its own checks decide the rest). */
const EXACT_KINDS = new Set(['string', 'number', 'boolean', 'enum', 'literal']);

class Unsupported extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's checks as zod runs them: the schema itself first when it is a check (a string format), then its own. */
function checksOf(schema: Internals): Internals[] {
  const own = schema._zod.def.checks ?? [];
  const all = schema._zod.traits.has('$ZodCheck') ? [schema, ...own] : [...own];
  for (const check of all) {
    const kind = check._zod.def['check'];
    if (typeof kind !== 'string' || !READ_ONLY_CHECKS.has(kind) || typeof check._zod.check !== 'function') {
      throw new Unsupported(`check ${String(kind)}`);
    }
  }
  return all;
}

/**
 * Runs checks on a value that passed its type; true when none added an issue. One payload object
 * is reused (a check keeps no reference to it); a check with a `when` runs only when it says so,
 * as in zod on an input with no issues.
 */
function passesChecks(checks: readonly Internals[], payload: CheckPayload, value: unknown): boolean {
  for (const check of checks) {
    payload.value = value;
    payload.issues.length = 0;
    const when = check._zod.def['when'];
    if (typeof when === 'function' && !when(payload)) continue;
    const out = check._zod.check!(payload);
    if (out instanceof Promise || payload.issues.length > 0 || payload.value !== value) return false;
  }
  return true;
}

function compile(schema: Internals): FastParse {
  const def = schema._zod.def;
  const checks = checksOf(schema);
  const payload: CheckPayload = { value: undefined, issues: [] };
  const checked = (parse: FastParse): FastParse =>
    checks.length === 0
      ? parse
      : (value) => {
          const out = parse(value);
          return out === NOT_SURE || !passesChecks(checks, payload, out) ? NOT_SURE : out;
        };
  if (def['coerce'] === true) throw new Unsupported('coerce');
  switch (def.type) {
    case 'string':
      return checked((v) => (typeof v === 'string' ? v : NOT_SURE));
    case 'number':
      return checked((v) => (typeof v === 'number' && Number.isFinite(v) ? v : NOT_SURE));
    case 'boolean':
      return checked((v) => (typeof v === 'boolean' ? v : NOT_SURE));
    case 'unknown':
      return checked((v) => (v === undefined ? NOT_SURE : v));
    case 'enum':
    case 'literal': {
      // The set zod itself matches against (an enum's values without a numeric enum's reverse keys).
      const values = schema._zod.values;
      if (!values) throw new Unsupported(`${def.type} without values`);
      return checked((v) => (values.has(v) ? v : NOT_SURE));
    }
    case 'array': {
      const element = compile(def['element'] as Internals);
      return checked((v) => {
        if (!Array.isArray(v)) return NOT_SURE;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i += 1) {
          const item = element(v[i]);
          if (item === NOT_SURE) return NOT_SURE;
          out[i] = item;
        }
        return out;
      });
    }
    case 'union': {
      if (def['discriminator'] !== undefined) return checked(compileDiscriminated(def));
      if (def['inclusive'] === false) throw new Unsupported('exclusive union');
      // zod returns the first option that accepts the value. Only options of a kind whose NOT_SURE
      // means that zod rejects the value are compiled, so trying the next one is what zod does.
      const options = (def['options'] as readonly Internals[]).map((option) => {
        if (!EXACT_KINDS.has(String(option._zod.def.type))) throw new Unsupported(`union of ${String(option._zod.def.type)}`);
        return compile(option);
      });
      return checked((v) => {
        for (const option of options) {
          const out = option(v);
          if (out !== NOT_SURE) return out;
        }
        return NOT_SURE;
      });
    }
    case 'object':
      return checked(compileObject(def));
    default:
      // optional and default only have a meaning as an object's field (compileField).
      throw new Unsupported(String(def.type));
  }
}

/** The option whose discriminator has the value's; none, or a value zod would fall back on, is zod's. */
function compileDiscriminated(def: Internals['_zod']['def']): FastParse {
  const discriminator = def['discriminator'] as string;
  if (def['unionFallback'] === true) throw new Unsupported('union fallback');
  const byValue = new Map<unknown, FastParse>();
  for (const option of def['options'] as readonly Internals[]) {
    const field = (option._zod.def['shape'] as Record<string, Internals> | undefined)?.[discriminator];
    if (!field || field._zod.def.type !== 'literal') throw new Unsupported('discriminator that is not a literal');
    const parse = compile(option);
    for (const value of field._zod.def['values'] as readonly unknown[]) byValue.set(value, parse);
  }
  return (v) => {
    if (!isObject(v)) return NOT_SURE;
    const parse = byValue.get(v[discriminator]);
    return parse ? parse(v) : NOT_SURE;
  };
}

/** How one field of an object is read: absent, it is left out, defaulted or required, as zod does. */
interface Field {
  readonly key: string;
  readonly parse: FastParse;
  readonly absent: 'omit' | 'default' | 'required';
  readonly defaultValue?: () => unknown;
}

function compileField(key: string, schema: Internals): Field {
  const def = schema._zod.def;
  if (def.type === 'optional') {
    const inner = def['innerType'] as Internals;
    if (inner._zod.optin !== undefined || checksOf(schema).length > 0) throw new Unsupported('optional around an optional or a default');
    return { key, parse: compile(inner), absent: 'omit' };
  }
  if (def.type === 'default') {
    const inner = def['innerType'] as Internals;
    if (inner._zod.optin !== undefined || checksOf(schema).length > 0) throw new Unsupported('default around an optional or a default');
    // The getter: zod gives each parse its own copy of an object default.
    return { key, parse: compile(inner), absent: 'default', defaultValue: () => def['defaultValue'] };
  }
  if (schema._zod.optin !== undefined) throw new Unsupported(`optional ${String(def.type)}`);
  return { key, parse: compile(schema), absent: 'required' };
}

function compileObject(def: Internals['_zod']['def']): FastParse {
  const shape = def['shape'] as Record<string, Internals>;
  if (Object.getOwnPropertySymbols(shape).length > 0 || Object.hasOwn(shape, '__proto__')) throw new Unsupported('symbol or __proto__ key');
  const fields = Object.keys(shape).map((key) => compileField(key, shape[key]!));
  const keys = new Set(fields.map((f) => f.key));
  const extra = extraKeys(def['catchall'] as Internals | undefined);
  // Generated, as zod's own object parser is: with each key a literal, V8 reads and writes the
  // fields through inline caches. Read in a loop by a variable key they cost four times as much.
  const key = (f: Field) => JSON.stringify(f.key);
  const body = [
    "if (typeof v !== 'object' || v === null || Array.isArray(v)) return NS;",
    'const out = {};',
    'let x;',
    // Known keys present, to see without a second walk whether the input holds any other.
    'let known = 0;',
    ...fields.map((f, i) =>
      [
        `x = v[${key(f)}];`,
        // Present but undefined (only a mapped event can hold it) is zod's to judge.
        `if (x === undefined) { if (${key(f)} in v) return NS; ${f.absent === 'required' ? 'return NS;' : f.absent === 'default' ? `out[${key(f)}] = D[${i}]();` : ''} }`,
        `else { known++; x = P[${i}](x); if (x === NS) return NS; out[${key(f)}] = x; }`,
      ].join(' '),
    ),
    extra === 'strip'
      ? 'return out;'
      : [
          'let all = 0;',
          'for (const k in v) all++;',
          'if (all === known) return out;',
          extra === 'refuse'
            ? 'return NS;'
            : "for (const k in v) { if (K.has(k)) continue; if (k === '__proto__') return NS; x = E(v[k]); if (x === NS) return NS; out[k] = x; }",
          'return out;',
        ].join('\n'),
  ].join('\n');
  const parsers = fields.map((f) => f.parse);
  const defaults = fields.map((f) => f.defaultValue);
  let generated: FastParse;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- keys are JSON-quoted literals; values are passed in, never written into the code
    generated = new Function('NS', 'P', 'D', 'K', 'E', `return function parseObject(v) {\n${body}\n};`)(NOT_SURE, parsers, defaults, keys, extra) as FastParse;
  } catch {
    // A process that forbids code from strings (--disallow-code-generation-from-strings): zod's path.
    throw new Unsupported('code generation');
  }
  return generated;
}

/** What an object does with keys outside its shape: drops them (zod's default), refuses them (strict), or parses each. */
function extraKeys(catchall: Internals | undefined): FastParse | 'strip' | 'refuse' {
  if (catchall === undefined) return 'strip';
  if (catchall._zod.def.type === 'never') return 'refuse';
  if (catchall._zod.optin !== undefined) throw new Unsupported('optional catchall');
  return compile(catchall);
}

/** The fast parser of `schema`, or undefined when the schema uses something it does not know. */
export function compileFastParse(schema: z.ZodType): FastParse | undefined {
  try {
    return compile(schema as unknown as Internals);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/**
 * `schema.safeParse` with the fast path in front: the same result for every input (property-tested
 * in fast-parse.test.ts), zod's own for every input the fast path is not sure of.
 */
export function withFastPath<S extends z.ZodType>(schema: S): (value: unknown) => z.ZodSafeParseResult<z.output<S>> {
  const fast = compileFastParse(schema);
  if (!fast) return (value) => schema.safeParse(value);
  return (value) => {
    const out = fast(value);
    return out === NOT_SURE ? schema.safeParse(value) : { success: true, data: out as z.output<S> };
  };
}
