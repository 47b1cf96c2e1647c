import { describe, expect, it } from 'vitest';
import { PROVINCE_CODES, provinceOfResidentId } from './cn-regions.ts';

describe('PROVINCE_CODES', () => {
  it('lists the 34 province-level divisions of GB/T 2260', () => {
    expect(Object.keys(PROVINCE_CODES)).toHaveLength(34);
    expect(PROVINCE_CODES['11']).toBe('北京市');
    expect(PROVINCE_CODES['65']).toBe('新疆维吾尔自治区');
    expect(PROVINCE_CODES['71']).toBe('台湾省');
    expect(PROVINCE_CODES['81']).toBe('香港特别行政区');
    expect(PROVINCE_CODES['82']).toBe('澳门特别行政区');
    expect(Object.isFrozen(PROVINCE_CODES)).toBe(true);
  });
});

describe('provinceOfResidentId', () => {
  it('names the province of the region prefix', () => {
    expect(provinceOfResidentId('11010519491231002X')).toBe('北京市');
    expect(provinceOfResidentId('440524188001010014')).toBe('广东省');
  });

  it('is undefined for unknown or non-numeric prefixes', () => {
    expect(provinceOfResidentId('00010519491231002X')).toBeUndefined();
    expect(provinceOfResidentId('99010519491231002X')).toBeUndefined();
    expect(provinceOfResidentId('X1')).toBeUndefined();
    expect(provinceOfResidentId('')).toBeUndefined();
    expect(provinceOfResidentId('toString')).toBeUndefined();
  });
});
