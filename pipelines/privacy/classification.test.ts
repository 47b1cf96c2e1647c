import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentChange, ChangeEvent, Customer, CustomerChange } from '../contract/customer-change.ts';
import {
  classifyMessage,
  FIELD_POLICY,
  fieldPolicyOf,
  lookupFieldPolicy,
  normaliseFieldPath,
  presentFieldPaths,
  SECRECY_BY_TIER,
  secrecyLevelOf,
} from './classification.ts';

interface ZodNode {
  _zod: { def: { type: string; shape?: Record<string, ZodNode>; innerType?: ZodNode; element?: ZodNode } };
}

/** Every field path of a schema, in policy notation, stopping at subtree entries (health). */
function contractPaths(schema: ZodNode, prefix = ''): string[] {
  if (prefix !== '' && lookupFieldPolicy(prefix)?.subtree) return [prefix];
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return contractPaths(def.innerType as ZodNode, prefix);
    case 'array':
      return contractPaths(def.element as ZodNode, `${prefix}[]`);
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, child]) =>
        contractPaths(child, prefix === '' ? key : `${prefix}.${key}`),
      );
    default:
      return [prefix];
  }
}

const eventSchemas = ChangeEvent._zod.def.options as unknown as ZodNode[];
const allContractPaths = [...new Set(eventSchemas.flatMap((schema) => contractPaths(schema)))];

describe('classification policy completeness', () => {
  it('walks the whole contract, nested accounts and relatives included', () => {
    expect(eventSchemas).toHaveLength(2);
    expect(allContractPaths).toEqual(
      expect.arrayContaining([
        'customerId',
        'agentId',
        'customer.name',
        'customer.bankAccounts[].number',
        'customer.bankAccounts[].holderName',
        'customer.settlementAccount.holderName',
        'customer.health',
        'policy.premiumAccount.number',
        'agent.relatives[].mobile',
      ]),
    );
    const customerKeys = Object.keys((Customer as unknown as ZodNode)._zod.def.shape ?? {});
    const covered = (key: string) =>
      allContractPaths.some(
        (path) => path.startsWith(`customer.${key}`) && /^(?:$|[.[])/.test(path.slice(`customer.${key}`.length)),
      );
    expect(customerKeys.filter((key) => !covered(key))).toEqual([]);
  });

  it('classifies every field of Customer, Policy, Agent and the envelopes', () => {
    const unclassified = allContractPaths.filter((path) => lookupFieldPolicy(path) === undefined);
    expect(unclassified).toEqual([]);
  });

  it('has no entries for fields the contract no longer has', () => {
    expect(Object.keys(FIELD_POLICY).filter((path) => !allContractPaths.includes(path))).toEqual([]);
  });

  it('would catch a new contract field', () => {
    const extended = CustomerChange.safeExtend({ customer: Customer.extend({ wechatId: z.string().optional() }) });
    const paths = contractPaths(extended as unknown as ZodNode);
    expect(paths.filter((path) => lookupFieldPolicy(path) === undefined)).toEqual(['customer.wechatId']);
    expect(contractPaths(AgentChange as unknown as ZodNode).filter((p) => !lookupFieldPolicy(p))).toEqual([]);
  });

  it('gives each class where the domain brief puts it', () => {
    const classOf = (path: string) => fieldPolicyOf(path).class;
    for (const path of [
      'customer.name',
      'customer.idNumber',
      'customer.mobile',
      'customer.landline',
      'customer.email',
      'customer.address',
      'customer.bankAccounts[].number',
      'customer.bankAccounts[].holderName',
      'customer.legalRepresentative',
      'customer.settlementAccount.number',
      'policy.premiumAccount.holderName',
      'agent.mobile',
      'agent.relatives[].address',
    ]) {
      expect(classOf(path), path).toBe('sensitive');
    }
    for (const path of ['customer.gender', 'customer.idType', 'customer.kind', 'policy.role', 'op']) {
      expect(classOf(path), path).toBe('general');
    }
    expect(classOf('customer.health')).toBe('most-sensitive');
  });
});

describe('field path lookup', () => {
  it('ignores array indices', () => {
    expect(normaliseFieldPath('customer.bankAccounts[2].number')).toBe('customer.bankAccounts[].number');
    expect(fieldPolicyOf('customer.bankAccounts[2].number').mask).toBe('bank-account');
    expect(fieldPolicyOf('agent.relatives[0].mobile').mask).toBe('mobile');
  });

  it('covers everything below health, whatever upstream puts there', () => {
    expect(lookupFieldPolicy('customer.health.declared')?.class).toBe('most-sensitive');
    expect(lookupFieldPolicy('customer.health.conditions[0].code')?.class).toBe('most-sensitive');
  });

  it('does not let a prefix match a sibling field', () => {
    expect(lookupFieldPolicy('customer.healthy')).toBeUndefined();
  });

  it('fails closed for fields nobody declared (the contract objects are loose)', () => {
    expect(lookupFieldPolicy('customer.wechatId')).toBeUndefined();
    expect(fieldPolicyOf('customer.wechatId')).toMatchObject({ class: 'sensitive', mask: 'redact' });
  });
});

describe('combination rule', () => {
  it('leaves a message of general fields general', () => {
    const result = classifyMessage(['customer.gender', 'customer.occupation', 'policy.role']);
    expect(result.protectionClass).toBe('general');
    expect(Object.values(result.fields)).toEqual(['general', 'general', 'general']);
  });

  it('protects general fields travelling with a sensitive one as sensitive', () => {
    const result = classifyMessage(['customer.gender', 'customer.occupation', 'customer.mobile']);
    expect(result.protectionClass).toBe('sensitive');
    expect(result.fields).toEqual({
      'customer.gender': 'sensitive',
      'customer.occupation': 'sensitive',
      'customer.mobile': 'sensitive',
    });
  });

  it('protects the whole message at the health level when health data travels in it', () => {
    const result = classifyMessage(['customer.gender', 'customer.mobile', 'customer.health']);
    expect(result.protectionClass).toBe('most-sensitive');
    expect(new Set(Object.values(result.fields))).toEqual(new Set(['most-sensitive']));
  });

  it('treats an undeclared field as sensitive', () => {
    expect(classifyMessage(['customer.gender', 'customer.wechatId']).protectionClass).toBe('sensitive');
  });

  it('is general for an empty message', () => {
    expect(classifyMessage([])).toEqual({ protectionClass: 'general', fields: {} });
  });

  it('lists the fields present in an event, health counting even when empty', () => {
    const paths = presentFieldPaths({
      schema: 'customer-change/v1',
      customerId: 'C-TEST-1',
      customer: {
        kind: 'person',
        name: undefined,
        bankAccounts: [{ number: '0000' }, { number: '1111', bank: 'TEST' }],
        health: {},
      },
    });
    expect(paths).toEqual([
      'schema',
      'customerId',
      'customer.kind',
      'customer.bankAccounts[0].number',
      'customer.bankAccounts[1].number',
      'customer.bankAccounts[1].bank',
      'customer.health',
    ]);
    expect(classifyMessage(paths).protectionClass).toBe('most-sensitive');
  });
});

describe('tier → secrecy level', () => {
  it('maps ordinary, important and core customers to 秘密, 机密, 绝密', () => {
    expect(SECRECY_BY_TIER).toEqual({ general: '秘密', important: '机密', core: '绝密' });
    expect(secrecyLevelOf('general')).toBe('秘密');
    expect(secrecyLevelOf('important')).toBe('机密');
    expect(secrecyLevelOf('core')).toBe('绝密');
  });
});
