import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATE_DOMAIN, DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from './bounds.ts';
import { AgentChange, CustomerChange, CustomerKind, CustomerTier, Gender, IdType, Op, PolicyRole } from './customer-change.ts';
import { SCHEMA_DIR, contractJsonSchema, contractJsonSchemas, renderJsonSchema, type JsonSchema } from './json-schema.ts';

describe('committed JSON Schemas', () => {
  for (const { file, schema } of contractJsonSchemas()) {
    it(`${file} matches the zod contract`, async () => {
      const committed = await readFile(join(SCHEMA_DIR, file), 'utf8').catch(() => '(missing)');
      expect(committed, `pipelines/contract/schemas/${file} is stale: run \`npm run schema:generate\` and commit the result`).toBe(
        renderJsonSchema(schema),
      );
    });
  }
});

// Just enough of JSON Schema 2020-12 to run the keywords these schemas use (no ajv in the project).
// Returns the instance paths that fail, so a test can show where two validators disagree.
function violations(schema: unknown, value: unknown, at = '$'): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [at];
  const s = schema as JsonSchema;
  const out: string[] = [];
  const types = s.type === undefined ? undefined : ([] as unknown[]).concat(s.type);
  if (types && !types.some((t) => typeMatches(t as string, value))) return [`${at}: type`];
  if ('const' in s && s.const !== value) out.push(`${at}: const`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) out.push(`${at}: enum`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) out.push(`${at}: minLength`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) out.push(`${at}: maxLength`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) out.push(`${at}: pattern`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) out.push(`${at}: minimum`);
    if (typeof s.maximum === 'number' && value > s.maximum) out.push(`${at}: maximum`);
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => out.push(...violations(s.items, v, `${at}[${i}]`)));
  if (isObject(value)) {
    for (const key of (s.required as string[] | undefined) ?? []) if (!(key in value)) out.push(`${at}.${key}: required`);
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    for (const [key, v] of Object.entries(value)) {
      out.push(...violations(key in properties ? properties[key] : s.additionalProperties, v, `${at}.${key}`));
    }
  }
  if (s.not !== undefined && violations(s.not, value, at).length === 0) out.push(`${at}: not`);
  if (s.if !== undefined) {
    const branch = violations(s.if, value, at).length === 0 ? s.then : s.else;
    out.push(...violations(branch, value, at));
  }
  return out;
}

function typeMatches(type: string, value: unknown): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return isObject(value);
  if (type === 'null') return value === null;
  return typeof value === type;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const customer = contractJsonSchema('customer-change/v1');
const agent = contractJsonSchema('agent-change/v1');
const props = (schema: unknown) => (schema as { properties: Record<string, JsonSchema> }).properties;

describe('JSON Schema agrees with the zod contract', () => {
  it('has draft 2020-12 headers and stable ids', () => {
    expect(customer.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(customer.$id).toBe('https://verity.example/contract/customer-change-v1.schema.json');
    expect(agent.$id).toBe('https://verity.example/contract/agent-change-v1.schema.json');
    expect(customer.title).toEqual(expect.any(String));
  });

  it('lists the same required envelope fields and enums', () => {
    expect(customer.required).toEqual(['schema', 'eventId', 'source', 'op', 'occurredAt', 'customerId']);
    expect(agent.required).toEqual(['schema', 'eventId', 'source', 'op', 'occurredAt', 'agentId']);
    expect(props(customer).op?.enum).toEqual(Op.options);
    const c = props(props(customer).customer);
    expect(c.kind?.enum).toEqual(CustomerKind.options);
    expect(c.tier?.enum).toEqual(CustomerTier.options);
    expect(c.gender?.enum).toEqual(Gender.options);
    expect(c.idType?.enum).toEqual(IdType.options);
    expect(props(props(customer).policy).role?.enum).toEqual(PolicyRole.options);
    // Producers may omit defaulted fields: only `kind` is required in the after-image.
    expect(props(customer).customer?.required).toEqual(['kind']);
  });

  it('states the after-image refinement that zod cannot export', () => {
    expect(customer.then).toEqual({ required: ['customer'] });
    expect(agent.then).toEqual({ required: ['agent'] });
  });

  const base = { eventId: 'test-0001', source: 'test-source', occurredAt: '2026-11-20T09:30:00+08:00' };
  // [valid?, event]: both validators must reach the expected verdict, not merely agree.
  const c = (fields: object, customerFields: object | null = { kind: 'person' }) => ({
    schema: 'customer-change/v1', ...base, op: 'create', customerId: 'TEST-C1', ...(customerFields && { customer: customerFields }), ...fields,
  });
  const customerSamples: Record<string, [boolean, unknown]> = {
    'a create with an after-image': [true, c({}, { kind: 'person', name: '测试甲' })],
    'a delete without an after-image': [true, c({ op: 'delete' }, null)],
    'an update without an after-image': [false, c({ op: 'update' }, null)],
    'an unknown op': [false, c({ op: 'upsert' })],
    'an instant without offset': [false, c({ occurredAt: '2026-11-20T09:30:00' })],
    'a non-existent birth date': [false, c({}, { kind: 'person', birthDate: '2026-02-30' })],
    'a leap-day birth date': [true, c({}, { kind: 'person', birthDate: '2024-02-29' })],
    'an unknown gender': [false, c({}, { kind: 'person', gender: 'X' })],
    'no tier (defaulted)': [true, c({}, { kind: 'organization' })],
    'an account without number': [false, c({}, { kind: 'person', bankAccounts: [{ holderName: '测试甲' }] })],
    'a cooling-off period too long': [false, c({ policy: { policyId: 'TEST-P1', role: 'insured', coolingOffDays: 400 } })],
    'an extension field': [true, c({ futureEnvelopeField: 'x' }, { kind: 'organization', registeredCapital: 1000, futureField: 1 })],
    'an empty customerId': [false, c({ op: 'delete', customerId: '' }, null)],
  };
  const a = (fields: object) => ({ schema: 'agent-change/v1', ...base, op: 'create', agentId: 'TEST-A1', ...fields });
  const agentSamples: Record<string, [boolean, unknown]> = {
    'an agent create': [true, a({ agent: { name: '测试乙', relatives: [{ mobile: '13800000000' }] } })],
    'an agent update without an after-image': [false, a({ op: 'update' })],
    'an agent delete': [true, a({ op: 'delete' })],
    'an agent with a customer schema tag': [false, a({ schema: 'customer-change/v1', agent: {} })],
  };

  const cases = [
    ...Object.entries(customerSamples).map(([name, [valid, sample]]) => ({ name: `customer-change: ${name}`, valid, sample, schema: customer, zod: CustomerChange })),
    ...Object.entries(agentSamples).map(([name, [valid, sample]]) => ({ name: `agent-change: ${name}`, valid, sample, schema: agent, zod: AgentChange })),
  ];
  for (const { name, valid, sample, schema, zod } of cases) {
    it(`${name} is ${valid ? 'valid' : 'invalid'} for both`, () => {
      expect(zod.safeParse(sample).success, 'zod').toBe(valid);
      expect(violations(schema, sample), 'JSON Schema').toEqual(valid ? [] : expect.arrayContaining([expect.any(String)]));
    });
  }

  it('reports where an instance fails', () => {
    expect(violations(customer, customerSamples['an update without an after-image']?.[1])).toEqual(['$.customer: required']);
  });
});

describe('JSON Schema states the bounds (issue 6 §2)', () => {
  const customer = contractJsonSchema('customer-change/v1');
  const props = (schema: unknown) => (schema as { properties: Record<string, JsonSchema> }).properties;

  it('carries the default limits and windows, and says so in its description', () => {
    expect(customer['x-verity-bounds']).toEqual({
      ...DEFAULT_INPUT_LIMITS,
      occurredAt: { earliest: DEFAULT_EVENT_TIME.earliest, latest: '24 hours after the processing time' },
      dateDomain: DATE_DOMAIN,
    });
    expect(customer.description).toContain('too-large');
    expect(customer.description).toContain('out-of-range');
    expect(contractJsonSchema('agent-change/v1')['x-verity-bounds']).toEqual(customer['x-verity-bounds']);
  });

  it('bounds strings, arrays and objects, keeping tighter bounds the contract states itself', () => {
    const c = props(props(customer)['customer']);
    expect(c['name']).toMatchObject({ type: 'string', maxLength: DEFAULT_INPUT_LIMITS.maxStringLength });
    expect(c['bankAccounts']).toMatchObject({ type: 'array', maxItems: DEFAULT_INPUT_LIMITS.maxArrayItems });
    expect(props(customer)['customer']).toMatchObject({ maxProperties: DEFAULT_INPUT_LIMITS.maxObjectKeys });
    expect(props(customer)['eventId']).toMatchObject({ maxLength: 200 });
    expect(props(customer)['occurredAt']?.['description']).toContain('out-of-range');
    expect(props(props(customer)['policy'])['receivedAt']?.['description']).toContain(DATE_DOMAIN.last);
  });
});
