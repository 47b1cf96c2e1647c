import { describe, expect, it } from 'vitest';
import { addressIncomplete } from './address-incomplete.check.ts';
import { contextFor, runCheck } from './test-support.ts';

const at = (address: string) => contextFor({ kind: 'person', address });

describe('address-incomplete', () => {
  it('passes a complete municipality address', () => {
    expect(runCheck(addressIncomplete, at('北京市海淀区中关村大街1号3单元502'))).toEqual([]);
  });

  it('passes complete province addresses', () => {
    expect(runCheck(addressIncomplete, at('广东省深圳市南山区粤海街道科技园'))).toEqual([]);
    expect(runCheck(addressIncomplete, at('新疆维吾尔自治区伊犁哈萨克自治州伊宁市解放路'))).toEqual([]);
    expect(runCheck(addressIncomplete, at('广东省东莞市南城街道'))).toEqual([]);
  });

  it('names the highest missing level', () => {
    expect(runCheck(addressIncomplete, at('中关村大街1号'))).toEqual([{ field: 'customer.address', reason: 'missing-province' }]);
    expect(runCheck(addressIncomplete, at('深圳市南山区科技园'))).toEqual([{ field: 'customer.address', reason: 'missing-province' }]);
    expect(runCheck(addressIncomplete, at('广东省南山区科技园'))).toEqual([{ field: 'customer.address', reason: 'missing-city' }]);
    expect(runCheck(addressIncomplete, at('广东省深圳市深南大道1号'))).toEqual([{ field: 'customer.address', reason: 'missing-district' }]);
    expect(runCheck(addressIncomplete, at('北京市中关村大街1号'))).toEqual([{ field: 'customer.address', reason: 'missing-district' }]);
  });

  it('needs no district in Hong Kong or Macau', () => {
    expect(runCheck(addressIncomplete, at('香港特别行政区九龙弥敦道1号'))).toEqual([]);
  });

  it('takes the district requirement from params', () => {
    expect(runCheck(addressIncomplete, at('广东省深圳市深南大道1号'), { requireDistrict: false })).toEqual([]);
  });

  it('ignores absent and blank addresses', () => {
    expect(runCheck(addressIncomplete, contextFor({ kind: 'person' }))).toEqual([]);
    expect(runCheck(addressIncomplete, at('  '))).toEqual([]);
  });
});
