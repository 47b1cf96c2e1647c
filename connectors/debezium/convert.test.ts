import { describe, expect, it } from 'vitest';
import { convert, epochMillisToInstant } from './convert.ts';

describe('convert', () => {
  it('keeps numbers exact or refuses them', () => {
    expect(convert(13800000000, 'string')).toEqual({ ok: true, value: '13800000000' });
    expect(convert(2 ** 53 + 2, 'string')).toMatchObject({ ok: false });
    expect(convert('5000000.00', 'number')).toEqual({ ok: true, value: 5000000 });
    expect(convert('-0012.50', 'number')).toEqual({ ok: true, value: -12.5 });
    expect(convert('123456789012345.6', 'number')).toMatchObject({ ok: false });
    expect(convert('1e3', 'number')).toMatchObject({ ok: false });
    expect(convert(Number.NaN, 'number')).toMatchObject({ ok: false });
    expect(convert(true, 'string')).toMatchObject({ ok: false });
  });

  it('reads booleans the way legacy columns store them', () => {
    expect([true, 1, '1', 'true'].map((v) => convert(v, 'boolean'))).toEqual(Array(4).fill({ ok: true, value: true }));
    expect([false, 0, '0', 'false'].map((v) => convert(v, 'boolean'))).toEqual(Array(4).fill({ ok: true, value: false }));
    expect(convert('Y', 'boolean')).toMatchObject({ ok: false }); // use `values` for Y/N codes
  });

  it('reads dates without depending on the host time zone', () => {
    expect(convert(-719162, 'date')).toEqual({ ok: true, value: '0001-01-01' });
    expect(convert('19900307', 'date')).toEqual({ ok: true, value: '1990-03-07' });
    expect(convert('1990-3-7', 'date')).toMatchObject({ ok: false });
    expect(convert(7370.5, 'date')).toMatchObject({ ok: false });
  });
});

describe('epochMillisToInstant', () => {
  it('writes the instant in +08:00', () => {
    expect(epochMillisToInstant(0)).toBe('1970-01-01T08:00:00.000+08:00');
    expect(epochMillisToInstant(Date.UTC(2026, 11, 31, 16, 0, 0, 5))).toBe('2027-01-01T00:00:00.005+08:00');
  });

  it('refuses what is not an epoch-millisecond timestamp', () => {
    for (const value of ['0', 1.5, null, undefined, 8.64e15, 253402300800000 /* year 10000 */]) {
      expect(epochMillisToInstant(value)).toBeUndefined();
    }
  });
});
