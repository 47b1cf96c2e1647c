// The per-source mapping file: how one Debezium-captured table becomes canonical change events.
// Everything that can be checked without an event is checked here, against the contract it
// produces, so a broken mapping fails at startup with `file:line:` instead of dead-lettering
// every event.
import { z } from 'zod';
import { formatPath, parseYamlText } from '../../pipelines/config/yaml-file.ts';
import { DefinitionError } from '../../pipelines/errors.ts';
import { contractJsonSchema, type ContractName } from '../../pipelines/contract/json-schema.ts';
import {
  CONVERSIONS,
  conversionProblem,
  defaultConversion,
  missingRequired,
  resolveTarget,
  valueProblem,
  type Conversion,
  type Target,
} from './contract-targets.ts';
import { parsePayloadPath, parseTargetPath, type Segment } from '../../pipelines/contract/field-paths.ts';

/** In `eventId`, stands for the row's entity id (see the refinement below for why it is required). */
export const ENTITY_ID_PART = '$entityId';

type Scalar = string | number | boolean;

export type EventIdPart =
  | { readonly kind: 'entityId' }
  | { readonly kind: 'payload'; readonly text: string; readonly path: readonly string[] };

export interface FieldRule {
  readonly column: string;
  /** The canonical path as written, e.g. `customer.bankAccounts[0].number`. */
  readonly target: string;
  readonly to: readonly Segment[];
  /** Absent: the value is passed through (the target accepts several types). */
  readonly as?: Conversion;
  /** Code → canonical value; a null value omits the field for that code. */
  readonly values?: ReadonlyMap<string, Scalar | null>;
}

export interface ConstantRule {
  readonly target: string;
  readonly to: readonly Segment[];
  readonly value: Scalar;
}

export interface DebeziumMapping {
  readonly name: string;
  readonly description?: string;
  /** Compared with the event's `source.name` (the connector's topic prefix), `source.table`, and optionally `db`/`schema`. */
  readonly match: { readonly name: string; readonly table: string; readonly db?: string; readonly schema?: string };
  readonly produces: ContractName;
  /** The canonical `source` of produced events. */
  readonly source: string;
  readonly eventId: readonly EventIdPart[];
  /** Column holding the entity id, read from `after` (from `before` for deletes). */
  readonly entityId: string;
  /** `customerId` or `agentId`. */
  readonly entityKey: 'customerId' | 'agentId';
  /** `customer` or `agent`: the after-image, always present unless op is delete. */
  readonly image: 'customer' | 'agent';
  /** Payload path of the epoch-millisecond change time. */
  readonly occurredAt: { readonly text: string; readonly path: readonly string[] };
  readonly fields: readonly FieldRule[];
  readonly constants: readonly ConstantRule[];
  /** Columns deliberately left out; any other unmapped column is reported as unknown. */
  readonly ignore: ReadonlySet<string>;
}

const PRODUCES = {
  'customer-change/v1': { entityKey: 'customerId', image: 'customer' },
  'agent-change/v1': { entityKey: 'agentId', image: 'agent' },
} as const;

const Name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a mapping name: lowercase letters, digits and dashes');
const Column = z.string().min(1, 'a column name');
const Scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

const TargetPath = z.string().transform((text, ctx) => {
  const segments = parseTargetPath(text);
  if (!segments) {
    const message = 'expected a canonical path such as customer.name or customer.bankAccounts[0].number';
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  return { text, segments };
});

const PayloadPath = z.string().transform((text, ctx) => {
  const path = parsePayloadPath(text);
  if (!path) {
    ctx.addIssue({ code: 'custom', message: 'expected a Debezium payload path such as source.ts_ms' });
    return z.NEVER;
  }
  return { text, path };
});

const EventIdEntry = z.string().transform((text, ctx): EventIdPart => {
  if (text === ENTITY_ID_PART) return { kind: 'entityId' };
  const path = parsePayloadPath(text);
  if (path) return { kind: 'payload', text, path };
  ctx.addIssue({ code: 'custom', message: `expected a payload path such as source.pos, or ${ENTITY_ID_PART}` });
  return z.NEVER;
});

const FieldSpec = z.preprocess(
  // The short form `column: customer.name` means `{ to: customer.name }`.
  (value) => (typeof value === 'string' ? { to: value } : value),
  z
    .strictObject(
      {
        to: TargetPath,
        as: z.enum(CONVERSIONS).optional(),
        values: z
          .record(z.string(), Scalar.nullable())
          .refine((map) => Object.keys(map).length > 0, 'list at least one code')
          .optional(),
      },
      { error: (issue) => (issue.code === 'invalid_type' ? 'expected a canonical path, or { to, as, values }' : undefined) },
    )
    .refine((spec) => !(spec.as && spec.values), { message: 'give either `as` or `values`, not both', path: ['values'] }),
);

const MappingShape = z.strictObject({
  mapping: Name,
  description: z.string().optional(),
  match: z.strictObject({
    name: z.string().min(1),
    table: z.string().min(1),
    db: z.string().min(1).optional(),
    schema: z.string().min(1).optional(),
  }),
  produces: z.enum(['customer-change/v1', 'agent-change/v1']),
  source: z.string().min(1).max(100),
  eventId: z.array(EventIdEntry).min(1),
  entityId: Column,
  occurredAt: PayloadPath.prefault('source.ts_ms'),
  fields: z.record(Column, FieldSpec),
  constants: z.record(z.string(), Scalar).default({}),
  ignore: z.array(Column).default([]),
});

type MappingShape = z.output<typeof MappingShape>;

/** The mapping file: its shape, then every check against the contract it produces. */
export const MappingFile = MappingShape.superRefine(checkAgainstContract).transform(compile);

function checkAgainstContract(file: MappingShape, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const contract = contractJsonSchema(file.produces);
  const { image } = PRODUCES[file.produces];

  if (!file.eventId.some((part) => part.kind === 'entityId')) {
    // A snapshot (op r) emits every row with the same source position; without the row's id their
    // eventIds would collide and all but one row would be dropped as redelivered duplicates.
    issue(
      ['eventId'],
      `must include ${ENTITY_ID_PART}: snapshot reads share one source position, so only the entity id tells their events apart`,
    );
  }

  const targets: Target[] = [];
  let unresolved = false;
  const claimed = new Map<string, string>();
  const claim = (path: readonly Segment[], at: PropertyKey[]) => {
    const key = formatPath(path);
    const previous = claimed.get(key);
    if (previous) issue(at, `${key} is already set by ${previous}`);
    else claimed.set(key, formatPath(at));
    targets.push({ path, at });
  };

  for (const [column, spec] of Object.entries(file.fields)) {
    const at = ['fields', column];
    const resolved = resolveTarget(contract, file.produces, spec.to.segments);
    if (!resolved.ok) {
      issue([...at, 'to'], resolved.problem);
      unresolved = true;
      continue;
    }
    claim(spec.to.segments, at);
    if (spec.as) {
      const problem = conversionProblem(resolved.leaf, spec.as);
      if (problem) issue([...at, 'as'], problem);
    }
    for (const [code, value] of Object.entries(spec.values ?? {})) {
      const problem = value === null ? undefined : valueProblem(resolved.leaf, value);
      if (problem) issue([...at, 'values', code], `${spec.to.text} ${problem}`);
    }
  }

  for (const [text, value] of Object.entries(file.constants)) {
    const at = ['constants', text];
    const segments = parseTargetPath(text);
    const resolved = segments ? resolveTarget(contract, file.produces, segments) : undefined;
    if (!segments || !resolved) {
      issue(at, 'expected a canonical path such as customer.tier');
      unresolved = true;
      continue;
    }
    if (!resolved.ok) {
      issue(at, resolved.problem);
      unresolved = true;
      continue;
    }
    claim(segments, at);
    const problem = valueProblem(resolved.leaf, value);
    if (problem) issue(at, `${text} ${problem}`);
  }

  // A misspelt target would also show up as a missing required field: report the cause only.
  const gaps = unresolved ? [] : missingRequired(contract, targets, image, ['fields']);
  for (const gap of gaps) {
    const needs = `${gap.object} needs ${gap.missing.join(', ')} (required by ${file.produces})`;
    issue([...gap.at], `${needs}: map a column to it or set it under constants`);
  }

  file.ignore.forEach((column, index) => {
    if (Object.hasOwn(file.fields, column) || column === file.entityId) {
      issue(['ignore', index], `column ${column} is mapped, so it cannot also be ignored`);
    }
  });
}

function compile(file: MappingShape): DebeziumMapping {
  const contract = contractJsonSchema(file.produces);
  const leafOf = (segments: readonly Segment[]) => {
    const resolved = resolveTarget(contract, file.produces, segments);
    // checkAgainstContract has already rejected every target that does not resolve.
    if (!resolved.ok) throw new Error(`unchecked mapping target: ${resolved.problem}`);
    return resolved.leaf;
  };
  const fields = Object.entries(file.fields).map(([column, spec]): FieldRule => {
    const as = spec.values ? undefined : (spec.as ?? defaultConversion(leafOf(spec.to.segments)));
    return {
      column,
      target: spec.to.text,
      to: spec.to.segments,
      ...(as && { as }),
      ...(spec.values && { values: new Map(Object.entries(spec.values)) }),
    };
  });
  const constants = Object.entries(file.constants).map(([target, value]): ConstantRule => ({
    target,
    to: parseTargetPath(target) ?? [],
    value,
  }));
  return {
    name: file.mapping,
    ...(file.description !== undefined && { description: file.description }),
    match: file.match,
    produces: file.produces,
    source: file.source,
    eventId: file.eventId,
    entityId: file.entityId,
    ...PRODUCES[file.produces],
    occurredAt: file.occurredAt,
    fields,
    constants,
    ignore: new Set(file.ignore),
  };
}

/** Parses and checks one mapping file's text; throws DefinitionError with `file:line: message` problems. */
export function parseMappingText(text: string, file: string): DebeziumMapping {
  const parsed = parseYamlText(text, file, MappingFile);
  if (!parsed.ok) throw new DefinitionError('MAPPING_INVALID', parsed.problems);
  return parsed.value;
}
