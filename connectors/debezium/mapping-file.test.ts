import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../pipelines/errors.ts';
import { parseMappingText } from './mapping-file.ts';

// Line numbers in the expectations refer to this text; keep `fields:` on line 7.
const VALID = `mapping: test-customers
match: { name: test-crm, table: t_cust }
produces: customer-change/v1
source: test-crm
eventId: [source.pos, $entityId]
entityId: id
fields:
  kind_cd: { to: customer.kind, values: { "P": person, "O": organization } }
  nm: customer.name
  acct: customer.bankAccounts[0].number
`;

function problemsOf(text: string): string[] {
  try {
    parseMappingText(text, 'test.yaml');
  } catch (error) {
    if (error instanceof DefinitionError) {
      expect(error.code).toBe('MAPPING_INVALID');
      return [...error.problems];
    }
    throw error;
  }
  return [];
}

const withFields = (...lines: string[]) => `${VALID}${lines.map((l) => `  ${l}\n`).join('')}`;

describe('mapping file', () => {
  it('compiles a valid file, inferring conversions from the contract', () => {
    const mapping = parseMappingText(VALID, 'test.yaml');
    expect(mapping).toMatchObject({
      name: 'test-customers',
      produces: 'customer-change/v1',
      entityKey: 'customerId',
      image: 'customer',
      occurredAt: { text: 'source.ts_ms' },
      eventId: [{ kind: 'payload', path: ['source', 'pos'] }, { kind: 'entityId' }],
    });
    expect(mapping.fields.map((f) => [f.column, f.to, f.as])).toEqual([
      ['kind_cd', ['customer', 'kind'], undefined],
      ['nm', ['customer', 'name'], 'string'],
      ['acct', ['customer', 'bankAccounts', 0, 'number'], 'string'],
    ]);
    expect(mapping.fields[0]?.values?.get('O')).toBe('organization');
  });

  it('accepts an agent mapping', () => {
    const text = `mapping: test-agents
match: { name: test-crm, db: crm, table: t_agent }
produces: agent-change/v1
source: test-crm
eventId: [source.lsn, $entityId]
entityId: agent_no
fields:
  agent_nm: agent.name
  rel_mobile: agent.relatives[0].mobile
`;
    expect(parseMappingText(text, 'agents.yaml')).toMatchObject({ entityKey: 'agentId', image: 'agent' });
  });

  it.each([
    ['an unknown canonical field', withFields('mob: customer.mobil'), 'test.yaml:11: fields.mob.to: customer.mobil is not a field of customer-change/v1'],
    ['a malformed path', withFields('mob: customer..mobile'), 'test.yaml:11: fields.mob.to: expected a canonical path'],
    ['an envelope field as target', withFields('cid: customerId'), 'test.yaml:11: fields.cid.to: targets must start with customer or policy'],
    ['an object as target', withFields('hl: customer.health'), 'test.yaml:11: fields.hl.to: customer.health is an object'],
    ['an index on a non-list', withFields('nm2: customer.name[0]'), 'test.yaml:11: fields.nm2.to: customer.name is not a list'],
    ['a conversion the contract rejects', withFields('mob: { to: customer.mobile, as: number }'), 'test.yaml:11: fields.mob.as: as: number produces a number, but the contract expects a string'],
    ['both as and values', withFields('sx: { to: customer.gender, as: string, values: { "1": M } }'), 'test.yaml:11: fields.sx.values: give either `as` or `values`, not both'],
    ['an unknown option', withFields('sx: { to: customer.gender, valuse: { "1": M } }'), 'test.yaml:11: fields.sx: Unrecognized key: "valuse"'],
    ['an empty values map', withFields('sx: { to: customer.gender, values: {} }'), 'test.yaml:11: fields.sx.values: list at least one code'],
    ['a conversion that does not exist', withFields('bd: { to: customer.birthDate, as: datetime }'), 'test.yaml:11: fields.bd.as: Invalid option'],
    ['a non-path field', withFields('n: 5'), 'test.yaml:11: fields.n: expected a canonical path, or { to, as, values }'],
    ['a mapped value outside the enum', withFields('sx: { to: customer.gender, values: { "1": M, "2": W } }'), 'test.yaml:11: fields.sx.values.2: customer.gender must be one of: M, F'],
    ['a second column for one target', withFields('nm2: customer.name'), 'test.yaml:11: fields.nm2: customer.name is already set by fields.nm'],
    ['an account without its number', withFields('acct2_nm: customer.bankAccounts[1].holderName'), 'test.yaml:11: fields.acct2_nm: customer.bankAccounts[1] needs number (required by customer-change/v1)'],
    ['a policy without its id and role', withFields('ch: policy.channel'), 'test.yaml:11: fields.ch: policy needs policyId, role'],
  ])('reports %s at its line', (_, text, expected) => {
    expect(problemsOf(text)).toEqual([expect.stringContaining(expected)]);
  });

  it('reports a missing required after-image field at the fields block', () => {
    const text = VALID.replace(/ {2}kind_cd: .*\n/, '');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^test\.yaml:8: fields: customer needs kind \(required by customer-change\/v1\)/)]);
  });

  it('checks constants against the contract', () => {
    const text = `${VALID}constants:\n  customer.tier: vip\n  customer.name: fixed\n  customer.nope: x\n`;
    expect(problemsOf(text)).toEqual([
      'test.yaml:12: constants.customer.tier: customer.tier must be one of: general, important, core',
      'test.yaml:13: constants.customer.name: customer.name is already set by fields.nm',
      'test.yaml:14: constants.customer.nope: customer.nope is not a field of customer-change/v1',
    ]);
  });

  it('requires $entityId in eventId, because snapshot reads share one position', () => {
    expect(problemsOf(VALID.replace('[source.pos, $entityId]', '[source.file, source.pos]'))).toEqual([
      expect.stringMatching(/^test\.yaml:5: eventId: must include \$entityId: snapshot reads share one source position/),
    ]);
    expect(problemsOf(VALID.replace('[source.pos, $entityId]', '[transaction.id, after.id, $entityId]'))).toEqual([]);
    expect(problemsOf(VALID.replace('[source.pos, $entityId]', '[source.pos, $entityId, source..x]'))).toEqual([
      expect.stringMatching(/^test\.yaml:5: eventId\[2\]: expected a payload path/),
    ]);
  });

  it('rejects ignoring a mapped column', () => {
    expect(problemsOf(`${VALID}ignore: [upd_tm, nm]\n`)).toEqual(['test.yaml:11: ignore[1]: column nm is mapped, so it cannot also be ignored']);
  });

  it('reports structural problems with their lines', () => {
    expect(problemsOf(VALID.replace('produces: customer-change/v1', 'produces: customer-change/v2'))).toEqual([
      expect.stringMatching(/^test\.yaml:3: produces: Invalid option/),
    ]);
    expect(problemsOf(VALID.replace('mapping: test-customers', 'mapping: Test Customers'))).toEqual([
      'test.yaml:1: mapping: a mapping name: lowercase letters, digits and dashes',
    ]);
    expect(problemsOf(VALID.replace('match: { name: test-crm, table: t_cust }', 'match: { name: test-crm }'))).toEqual([
      expect.stringMatching(/^test\.yaml:2: match\.table: /),
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf(`${VALID}  broken: [unclosed\n`)).toEqual([expect.stringMatching(/^test\.yaml:1[12]: /)]);
  });
});
