import { describe, expect, it } from 'vitest';
import { PROVINCE_CODES } from '../cn/cn-regions.ts';
import { REGIONS } from './data/regions.ts';
import { BUILDINGS, CITY_STREETS, GENERIC_STREETS } from './data/streets.ts';
import { GIVEN_FEMALE, GIVEN_MALE, PLACEHOLDER_NAMES, SURNAMES } from './data/names.ts';
import { CARD_PRODUCTS, CORPORATE_ACCOUNT_SHAPES } from './data/banks.ts';
import { MOBILE_SEGMENTS } from './data/phones.ts';
import { DEFECTS } from './defects.ts';
import { RULE_IDS } from './model.ts';
import { looksPlaceholder } from './identifiers.ts';
import { Rng } from './rng.ts';

describe('data pools', () => {
  it('lists real, unique district codes whose province prefix and name agree', () => {
    expect(REGIONS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(REGIONS.map((r) => r.code)).size).toBe(REGIONS.length);
    for (const region of REGIONS) {
      expect(region.code).toMatch(/^\d{6}$/);
      expect(PROVINCE_CODES[region.code.slice(0, 2)], region.code).toBe(region.province);
      expect(region.district).toMatch(/区$/);
      expect(region.areaCode).toMatch(/^0\d{2,3}$/);
      expect(region.postcode).toMatch(/^\d{6}$/);
    }
  });

  it('gives municipalities province = city and one area code per city', () => {
    const areaCodes = new Map<string, string>();
    for (const region of REGIONS) {
      if (['11', '12', '31', '50'].includes(region.code.slice(0, 2))) expect(region.city).toBe(region.province);
      const known = areaCodes.get(region.city);
      if (known) expect(region.areaCode).toBe(known);
      areaCodes.set(region.city, region.areaCode);
    }
    expect(areaCodes.get('北京市')).toBe('010');
    expect(areaCodes.get('深圳市')).toBe('0755');
  });

  it('has street names that cannot be read as a region level', () => {
    const shortNames = Object.values(PROVINCE_CODES).map((n) => n.replace(/(?:壮族|回族|维吾尔)?自治区$|特别行政区$|省$|市$/u, ''));
    const streets = [...GENERIC_STREETS, ...Object.values(CITY_STREETS).flat(), ...BUILDINGS];
    for (const street of streets) {
      expect(street, street).not.toMatch(/[省市州盟区县旗]|地区/);
      for (const short of shortNames) expect(street.startsWith(short), street).toBe(false);
    }
  });

  it('never builds a placeholder-like name', () => {
    const chars = [...SURNAMES, ...GIVEN_MALE, ...GIVEN_FEMALE].map(([hanzi]) => hanzi).join('');
    for (const placeholder of ['测', '试', '无', '未', '知']) expect(chars.includes(placeholder)).toBe(false);
    expect(PLACEHOLDER_NAMES).toEqual(['测试', '无', '未知', 'test']);
  });

  it('uses UnionPay prefixes for 16/19-digit cards and no 62 prefix for corporate accounts', () => {
    for (const product of CARD_PRODUCTS) {
      expect(product.bin).toMatch(/^62\d{4}$/);
      expect(looksPlaceholder(product.bin)).toBe(false);
    }
    for (const shape of CORPORATE_ACCOUNT_SHAPES) {
      expect(shape.prefix.startsWith('6')).toBe(false);
      expect(shape.length).toBeGreaterThanOrEqual(12);
      expect(shape.length).toBeLessThanOrEqual(19);
    }
    for (const segment of MOBILE_SEGMENTS) expect(segment).toMatch(/^1[3-9]\d$/);
  });
});

describe('defect catalogue', () => {
  it('covers every rule and names only known rules', () => {
    const covered = new Set(DEFECTS.flatMap((d) => d.rules));
    expect([...covered].sort()).toEqual([...RULE_IDS].sort());
    expect(new Set(DEFECTS.map((d) => d.id)).size).toBe(DEFECTS.length);
    for (const defect of DEFECTS) {
      expect(defect.rules.length).toBeGreaterThan(0);
      expect(defect.parts.length).toBeGreaterThan(0);
      expect(defect.rate).toBeGreaterThan(0);
    }
  });

  it('injects about a fifth of customers in total', () => {
    const total = DEFECTS.reduce((sum, d) => sum + d.rate, 0);
    expect(total).toBeGreaterThan(0.15);
    expect(total).toBeLessThan(0.3);
  });
});

describe('looksPlaceholder', () => {
  it('flags runs of equal or consecutive digits', () => {
    expect(looksPlaceholder('13800000000')).toBe(true);
    expect(looksPlaceholder('12345678901')).toBe(true);
    expect(looksPlaceholder('13987654210')).toBe(true);
    expect(looksPlaceholder('13912385076')).toBe(false);
  });
});

describe('Rng', () => {
  it('is reproducible and forks into independent streams', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const drawsA = Array.from({ length: 20 }, () => a.int(0, 1000));
    expect(Array.from({ length: 20 }, () => b.int(0, 1000))).toEqual(drawsA);
    const fork = new Rng(7).fork();
    expect(Array.from({ length: 20 }, () => fork.int(0, 1000))).not.toEqual(drawsA);
  });

  it('draws within bounds and by weight', () => {
    const rng = new Rng(1);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) {
      const v = rng.int(3, 5);
      expect(v >= 3 && v <= 5).toBe(true);
      counts[rng.weighted<'a' | 'b'>([['a', 9], ['b', 1]])]++;
    }
    expect(counts.a / 10_000).toBeCloseTo(0.9, 1);
    expect(rng.digits(5)).toMatch(/^\d{5}$/);
  });
});
