import { describe, expect, it } from 'vitest';
import { placeholderValue } from './placeholder-value.check.ts';
import { contextFor, runCheck } from './test-support.ts';

describe('placeholder-value', () => {
  it('passes ordinary values', () => {
    const context = contextFor({ kind: 'person', name: '张伟', mobile: '13912345678', landline: '010-62345678' });
    expect(runCheck(placeholderValue, context)).toEqual([]);
  });

  it('reports placeholder names and legal representatives', () => {
    for (const name of [' 测试 ', '无', '未知', 'test', 'TEST']) {
      expect(runCheck(placeholderValue, contextFor({ kind: 'person', name })), name).toEqual([{ field: 'customer.name', reason: 'placeholder-name' }]);
    }
    expect(runCheck(placeholderValue, contextFor({ kind: 'organization', name: '示例贸易有限公司', legalRepresentative: 'Test' }))).toEqual([
      { field: 'customer.legalRepresentative', reason: 'placeholder-name' },
    ]);
  });

  it('reports placeholder mobiles however written', () => {
    for (const mobile of ['13800000000', '+86 139 0000 0000', '11111111111', '12345678901', '98765432109']) {
      expect(runCheck(placeholderValue, contextFor({ kind: 'person', mobile }))).toEqual([{ field: 'customer.mobile', reason: 'placeholder-phone' }]);
    }
  });

  it('judges a landline by its local number', () => {
    expect(runCheck(placeholderValue, contextFor({ kind: 'person', landline: '010-88888888' }))).toEqual([
      { field: 'customer.landline', reason: 'placeholder-phone' },
    ]);
    expect(runCheck(placeholderValue, contextFor({ kind: 'person', landline: '(0755)23456789' }))).toEqual([
      { field: 'customer.landline', reason: 'placeholder-phone' },
    ]);
    expect(runCheck(placeholderValue, contextFor({ kind: 'person', landline: '0755-86013388' }))).toEqual([]);
  });

  it('leaves malformed phones to the format rules', () => {
    expect(runCheck(placeholderValue, contextFor({ kind: 'person', mobile: '138-0000-000a', landline: 'none' }))).toEqual([]);
  });

  it('takes its lists and heuristics from params', () => {
    const context = contextFor({ kind: 'person', name: '测试', mobile: '13800000000' });
    expect(runCheck(placeholderValue, context, { names: ['某人'], phones: [], repeatedTailLength: 0 })).toEqual([]);
  });
});
