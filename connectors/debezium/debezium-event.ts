// Debezium change events (JSON converter, with or without the schema/payload wrapper) → canonical
// change events. The result is canonical-shaped but unvalidated: the caller validates it with
// ChangeEvent like any other event, so there is one definition of "valid". Reasons never quote
// column values; they name columns, paths and the mapping, which is enough to fix the cause.
import type { DebeziumMapping, FieldRule } from './mapping-file.ts';
import { convert, epochMillisToInstant } from './convert.ts';
import { compactArrays, getIn, isRecord, setIn } from '../../pipelines/contract/field-paths.ts';
import type { EnvelopeAdapter } from '../../pipelines/quality/decode.ts';

export type MapResult =
  | {
      readonly ok: true;
      readonly event: unknown;
      /**
       * Row columns that the mapping neither maps nor lists under `ignore`: a sign the table
       * gained a column. Names only, safe to log (e.g. once per column at debug level).
       */
      readonly unknownColumns: readonly string[];
    }
  | { readonly ok: false; readonly code: 'unmapped-source' | 'mapping-failed'; readonly reason: string };

const ROW_OPS = { c: 'create', r: 'create', u: 'update', d: 'delete' } as const;
// Recognised so that they dead-letter with a clear reason rather than as contract violations.
const NON_ROW_OPS = { t: 'a table truncate', m: 'a logical decoding message' } as const;

type Payload = Record<string, unknown> & { source: Record<string, unknown>; op: string };

/** The Debezium payload of a wrapped or bare change event, or undefined if `value` is not one. */
function payloadOf(value: unknown): Payload | undefined {
  if (!isRecord(value)) return undefined;
  // Canonical events carry their contract name as a string `schema`; Debezium's is a Connect schema object.
  if (typeof value.schema === 'string') return undefined;
  const wrapped = isRecord(value.payload) && (value.schema === undefined || value.schema === null || isRecord(value.schema));
  const payload = wrapped ? value.payload : value;
  if (!isRecord(payload) || !isRecord(payload.source) || typeof payload.op !== 'string') return undefined;
  if (!Object.hasOwn(ROW_OPS, payload.op) && !Object.hasOwn(NON_ROW_OPS, payload.op)) return undefined;
  return payload as Payload;
}

export function isDebeziumChange(value: unknown): boolean {
  return payloadOf(value) !== undefined;
}

/** Thrown inside the mapping only, to abandon one event with a reason. */
class MappingFailure extends Error {}

export function mapDebeziumChange(value: unknown, mappings: readonly DebeziumMapping[]): MapResult {
  const payload = payloadOf(value);
  if (!payload) return { ok: false, code: 'mapping-failed', reason: 'not a Debezium change event' };
  const mapping = mappings.find((m) => matches(m, payload.source));
  if (!mapping) {
    return { ok: false, code: 'unmapped-source', reason: `no Debezium mapping for ${describeSource(payload.source)}` };
  }
  try {
    return mapWith(mapping, payload);
  } catch (error) {
    if (!(error instanceof MappingFailure)) throw error;
    return { ok: false, code: 'mapping-failed', reason: `mapping ${mapping.name}: ${error.message}` };
  }
}

function matches(mapping: DebeziumMapping, source: Record<string, unknown>): boolean {
  const { name, table, db, schema } = mapping.match;
  return (
    source.name === name &&
    source.table === table &&
    (db === undefined || source.db === db) &&
    (schema === undefined || source.schema === schema)
  );
}

function mapWith(mapping: DebeziumMapping, payload: Payload): MapResult {
  const op = payload.op;
  if (Object.hasOwn(NON_ROW_OPS, op)) {
    throw new MappingFailure(`op "${op}" is ${NON_ROW_OPS[op as keyof typeof NON_ROW_OPS]}, not a row change`);
  }
  const canonicalOp = ROW_OPS[op as keyof typeof ROW_OPS];
  const deleted = canonicalOp === 'delete';
  const row = deleted ? payload.before : payload.after;
  if (!isRecord(row)) {
    throw new MappingFailure(
      deleted
        ? 'delete without a before-image: the entity id cannot be read (the table must log the key of deleted rows)'
        : `op "${op}" without an after-image`,
    );
  }

  const entityId = readEntityId(mapping, row);
  const occurredAt = epochMillisToInstant(getIn(payload, mapping.occurredAt.path));
  if (occurredAt === undefined) {
    throw new MappingFailure(`occurredAt: ${mapping.occurredAt.text} is not an epoch-millisecond timestamp`);
  }

  const event: Record<string, unknown> = {
    schema: mapping.produces,
    eventId: eventIdOf(mapping, payload, entityId),
    source: mapping.source,
    op: canonicalOp,
    occurredAt,
    [mapping.entityKey]: entityId,
  };
  // A delete carries no after-image, so its columns are neither mapped nor checked for drift.
  if (deleted) return { ok: true, event, unknownColumns: [] };
  Object.assign(event, imageOf(mapping, row));
  const known = new Set([mapping.entityId, ...mapping.fields.map((f) => f.column), ...mapping.ignore]);
  return { ok: true, event, unknownColumns: Object.keys(row).filter((column) => !known.has(column)) };
}

function readEntityId(mapping: DebeziumMapping, row: Record<string, unknown>): string {
  const raw = Object.hasOwn(row, mapping.entityId) ? row[mapping.entityId] : undefined;
  if (typeof raw === 'string' && raw !== '') return raw;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  throw new MappingFailure(`entityId column ${mapping.entityId} is missing, empty or not a string or integer`);
}

function eventIdOf(mapping: DebeziumMapping, payload: Payload, entityId: string): string {
  return mapping.eventId
    .map((part) => {
      if (part.kind === 'entityId') return entityId;
      const value = getIn(payload, part.path);
      if (typeof value === 'string' || typeof value === 'boolean') return String(value);
      // An unsafe integer (e.g. a huge LSN) was rounded by JSON.parse and could collide with a neighbour.
      if (typeof value === 'number' && (Number.isSafeInteger(value) || !Number.isInteger(value))) return String(value);
      throw new MappingFailure(`eventId part ${part.text} is missing or not an exact string or number`);
    })
    .join(':');
}

function imageOf(mapping: DebeziumMapping, row: Record<string, unknown>): Record<string, unknown> {
  // The after-image is emitted even if every mapped column is null: create/update require it.
  const body: Record<string, unknown> = { [mapping.image]: {} };
  for (const field of mapping.fields) {
    if (!Object.hasOwn(row, field.column)) {
      // Omitting the field would look like a customer without, say, a mobile number and flood
      // the issue queues; a renamed or excluded column is a mapping problem to fix.
      throw new MappingFailure(`column ${field.column} is not in the row: the table or connector changed, update the mapping`);
    }
    const value = fieldValue(field, row[field.column]);
    if (value !== null) setIn(body, field.to, value);
  }
  for (const constant of mapping.constants) setIn(body, constant.to, constant.value);
  return compactArrays(body) as Record<string, unknown>;
}

/** The canonical value of one column, or null to leave the field out. */
function fieldValue(field: FieldRule, raw: unknown): unknown {
  if (raw === null) return null;
  const where = `column ${field.column} (→ ${field.target})`;
  if (field.values) {
    const code = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    if (code === undefined || !field.values.has(code)) throw new MappingFailure(`${where}: code not listed under values`);
    return field.values.get(code) ?? null;
  }
  if (!field.as) return raw;
  const converted = convert(raw, field.as);
  if (!converted.ok) throw new MappingFailure(`${where}: expected ${converted.expected}`);
  return converted.value;
}

// Connector and table names are configuration, not record data, so they may appear in a reason;
// anything that does not look like an identifier is withheld all the same.
const IDENTIFIER = /^[A-Za-z0-9_.$-]{1,128}$/;

function describeSource(source: Record<string, unknown>): string {
  const show = (key: string) => {
    const value = source[key];
    if (value === undefined || value === null) return undefined;
    return `${key} ${typeof value === 'string' && IDENTIFIER.test(value) ? value : '(not an identifier)'}`;
  };
  return ['name', 'db', 'schema', 'table'].map(show).filter(Boolean).join(', ');
}

/** Debezium change events as the decoder's envelope adapter, mapped by these mapping files. */
export function debeziumAdapter(mappings: readonly DebeziumMapping[]): EnvelopeAdapter {
  return {
    name: 'debezium',
    claims: isDebeziumChange,
    map: (parsed) => mapDebeziumChange(parsed, mappings),
  };
}
