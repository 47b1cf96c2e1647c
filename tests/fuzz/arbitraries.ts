// Valid input, as upstream systems send it: canonical customer and agent events generated from the
// zod contract (contract-arbitrary.ts) with lifelike synthetic values (synthetic.ts), and Debezium
// change events generated from a mapping file, column by column. The mutation layer starts from
// these, so that most mutated messages are one step from valid and reach the deep code.
import fc from 'fast-check';
import type { z } from 'zod';
import type { DebeziumMapping, FieldRule } from '../../connectors/debezium/mapping-file.ts';
import { getIn, setIn } from '../../pipelines/contract/field-paths.ts';
import { AgentChange, CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { arbitraryOf, defOf, isOptional, schemaAt, unwrap, type Hints } from './contract-arbitrary.ts';
import * as syn from './synthetic.ts';

/**
 * Customers are drawn from a small pool, so that a run's events meet the same customer again and
 * again: issues open, update, resolve and are withdrawn, and a failing event has state to spoil.
 */
export const CUSTOMER_POOL = 40;
export const customerId = fc.integer({ min: 0, max: CUSTOMER_POOL - 1 }).map((n) => `C-FZ-${String(n).padStart(4, '0')}`);
export const eventId = fc.integer({ min: 0, max: 2 ** 47 }).map((n) => `fz-${n.toString(36)}`);

const nameLike = fc.oneof(
  { weight: 8, arbitrary: syn.personName },
  { weight: 1, arbitrary: syn.companyName },
  // Placeholders and stray whitespace: what the name rules exist for.
  { weight: 1, arbitrary: fc.constantFrom('测试', '无', '未知', 'test', ' 王 伟 ') },
);
const holder = fc.oneof(syn.personName, syn.companyName);

/** Lifelike values by contract path; anything not listed is generated from its zod type. */
export const HINTS: Hints = {
  eventId,
  source: fc.constantFrom('fuzz-crm', 'fuzz-core', 'fuzz-agency'),
  occurredAt: syn.isoInstant(2000, 2025),
  customerId,
  agentId: syn.agentId,
  'customer.name': nameLike,
  'customer.birthDate': syn.isoDate(1930, 2012),
  'customer.nationality': syn.nationality,
  'customer.ethnicity': syn.ethnicity,
  'customer.occupation': syn.occupation,
  'customer.idNumber': fc.oneof({ weight: 5, arbitrary: syn.residentId }, { weight: 1, arbitrary: syn.passport }),
  'customer.idExpiry': syn.isoDate(2015, 2045),
  'customer.mobile': syn.mobile,
  'customer.landline': syn.landline,
  'customer.email': syn.email,
  'customer.address': syn.address,
  'customer.postcode': syn.postcode,
  'customer.workUnit': syn.companyName,
  'customer.bankAccounts[].number': syn.bankAccountNumber,
  'customer.bankAccounts[].holderName': holder,
  'customer.bankAccounts[].bank': syn.bankName,
  'customer.uscc': syn.uscc,
  'customer.legalRepresentative': syn.personName,
  'customer.registeredCapital': syn.registeredCapital,
  'customer.businessScope': syn.businessScope,
  'customer.licenseHolderName': holder,
  'customer.fax': syn.landline,
  'customer.settlementAccount.number': syn.bankAccountNumber,
  'customer.settlementAccount.holderName': holder,
  'policy.policyId': syn.policyId,
  'policy.receivedAt': syn.isoDate(2018, 2025),
  'policy.agentId': syn.agentId,
  'policy.channel': syn.channel,
  'policy.premiumAccount.number': syn.bankAccountNumber,
  'policy.premiumAccount.holderName': holder,
  'agent.name': syn.personName,
  'agent.mobile': syn.mobile,
  'agent.address': syn.address,
  'agent.relatives[].mobile': syn.mobile,
  'agent.relatives[].address': syn.address,
};

/** Optional members are present one time in three: smaller cases, more of them. */
const PRESENCE = { present: 1, absent: 2 };

/**
 * A valid change event of `schema`. The contract requires the after-image (`image`) unless op is
 * delete, a rule zod states in a refinement the generator cannot read: it is applied here.
 */
function changeEvent(schema: z.ZodType, image: 'customer' | 'agent', hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(arbitraryOf(schema, { hints, required: new Set([image]), presence: PRESENCE }), fc.boolean()).map(([event, keepImage]) => {
    const out = { ...(event as Record<string, unknown>) };
    if (out.op === 'delete' && !keepImage) delete out[image];
    return out;
  });
}

/** When generated events happened, in whole years. */
export interface EventYears {
  readonly from: number;
  readonly to: number;
}

/**
 * A quarter century, in the past of every event-time window the tests use and after 1970: a batch
 * then spans hundreds of months, as a replay of history does.
 */
export const DEFAULT_YEARS: EventYears = { from: 2000, to: 2025 };

/** Valid canonical events of `years`. */
export function canonicalEventsIn(years: EventYears) {
  const hints = { ...HINTS, occurredAt: syn.isoInstant(years.from, years.to) };
  const customer = changeEvent(CustomerChange, 'customer', hints);
  const agent = changeEvent(AgentChange, 'agent', hints);
  return { customer, agent, any: fc.oneof({ weight: 5, arbitrary: customer }, { weight: 1, arbitrary: agent }) };
}

const defaults = canonicalEventsIn(DEFAULT_YEARS);
export const customerEvent = defaults.customer;
export const canonicalEvent = defaults.any;

// ---- Debezium ------------------------------------------------------------------------------------

const CONTRACTS: Readonly<Partial<Record<DebeziumMapping['produces'], z.ZodType>>> = { 'customer-change/v1': CustomerChange, 'agent-change/v1': AgentChange };

const anyItem = (target: string) => target.replace(/\[\d+\]/g, '[]');

/**
 * The deepest optional part of a target below the after-image (`customer.bankAccounts` for
 * `customer.bankAccounts[0].number`): if a required column under it is null, the whole part must
 * be, or the mapped event is half an account and breaks the contract.
 */
function optionalGroup(contract: z.ZodType, target: string): string | undefined {
  const parts = anyItem(target).split('.');
  let group: string | undefined;
  for (let i = 2; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    const schema = schemaAt(contract, prefix.replace(/\[\]$/, ''));
    if (schema && isOptional(schema)) group = prefix.replace(/\[\]$/, '');
  }
  return group;
}

/** Column values as a Debezium JSON converter writes them, for what the mapping converts. */
function columnArbitrary(contract: z.ZodType, field: FieldRule): fc.Arbitrary<unknown> {
  if (field.values) return fc.constantFrom(...field.values.keys());
  const path = anyItem(field.target);
  const leaf = schemaAt(contract, path);
  if (!leaf) throw new Error(`arbitraries: mapping target ${field.target} is not in the contract`);
  const inner = defOf(unwrap(leaf));
  const as = field.as ?? (inner.format === 'date' ? 'date' : inner.type === 'number' ? 'number' : inner.type === 'boolean' ? 'boolean' : undefined);
  switch (as) {
    case 'date':
      // io.debezium.time.Date (epoch days), CHAR(8) and ISO text: all three occur in legacy tables.
      return syn.isoDate(1930, 2045).chain((iso) =>
        fc.constantFrom(iso, iso.replaceAll('-', ''), Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000)),
      );
    case 'number':
      // DECIMAL columns arrive as numbers or, with decimal.handling.mode=string, as text.
      return fc.integer({ min: 10_000, max: 500_000_000 }).chain((n) => fc.constantFrom<number | string>(n, String(n), `${n}.50`));
    case 'boolean':
      return fc.constantFrom<unknown>(true, false, 0, 1, '0', '1', 'true', 'false');
    default:
      return arbitraryOf(leaf, { hints: HINTS }, path);
  }
}

/** A change event the mapping claims and maps to a valid canonical event. */
export function debeziumEvent(mapping: DebeziumMapping, years: EventYears = DEFAULT_YEARS): fc.Arbitrary<Record<string, unknown>> {
  const contract = CONTRACTS[mapping.produces];
  if (!contract) throw new Error(`arbitraries: a mapping cannot produce ${mapping.produces}`);
  const columns: Record<string, fc.Arbitrary<unknown>> = {};
  const groups = new Map<string, string[]>();
  const requiredInGroup: string[] = [];
  for (const field of mapping.fields) {
    const leaf = schemaAt(contract, anyItem(field.target));
    const group = optionalGroup(contract, field.target);
    if (group) groups.set(group, [...(groups.get(group) ?? []), field.column]);
    const leafOptional = leaf !== undefined && isOptional(leaf);
    if (!leafOptional && group) requiredInGroup.push(field.column);
    const arbitrary = columnArbitrary(contract, field);
    // A code that maps to null (an unknown gender, say) already leaves the field out.
    columns[field.column] = leafOptional || group ? fc.option(arbitrary, { nil: null, freq: 3 }) : arbitrary;
  }
  columns[mapping.entityId] = mapping.entityKey === 'customerId' ? customerId : syn.agentId;
  for (const column of mapping.ignore) columns[column] = fc.option(fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom('sys', 'batch', '0101')), { nil: null });

  const row = fc.record(columns).map((values) => {
    const out: Record<string, unknown> = { ...values };
    for (const column of requiredInGroup) {
      if (out[column] !== null) continue;
      const group = [...groups.values()].find((members) => members.includes(column)) ?? [];
      for (const member of group) out[member] = null;
    }
    return out;
  });

  return fc
    .record({
      row,
      op: fc.constantFrom('c', 'r', 'u', 'd'),
      ts: fc.integer({ min: Date.UTC(years.from, 0, 1), max: Date.UTC(years.to, 11, 31, 23, 59, 59, 999) }),
      file: fc.integer({ min: 1, max: 999 }),
      pos: fc.integer({ min: 4, max: 2 ** 31 }),
      rowIndex: fc.integer({ min: 0, max: 20 }),
      wrapped: fc.boolean(),
    })
    .map(({ row: image, op, ts, file, pos, rowIndex, wrapped }) => {
      const source: Record<string, unknown> = {
        version: '2.7.3.Final',
        connector: 'mysql',
        name: mapping.match.name,
        ts_ms: ts,
        snapshot: op === 'r' ? 'true' : 'false',
        ...(mapping.match.db === undefined ? {} : { db: mapping.match.db }),
        ...(mapping.match.schema === undefined ? {} : { schema: mapping.match.schema }),
        table: mapping.match.table,
        server_id: 1,
        file: `mysql-bin.${String(file).padStart(6, '0')}`,
        pos,
        row: rowIndex,
      };
      const payload: Record<string, unknown> = { before: op === 'd' ? image : null, after: op === 'd' ? null : image, source, op, ts_ms: ts + 7 };
      // Whatever the mapping reads from the payload must be there, wherever it says it is.
      if (getIn(payload, mapping.occurredAt.path) === undefined) setIn(payload, [...mapping.occurredAt.path], ts);
      for (const part of mapping.eventId) if (part.kind === 'payload' && getIn(payload, part.path) === undefined) setIn(payload, [...part.path], pos);
      if (!wrapped) return payload;
      return { schema: { type: 'struct', optional: false, name: `${mapping.match.name}.${mapping.match.table}.Envelope`, fields: [] }, payload };
    });
}
