import { describe, expect, it } from 'vitest';
import { ageOn, isoDateOf, isRealDate } from './dates.ts';

describe('isRealDate', () => {
  it('knows month lengths and leap years', () => {
    expect(isRealDate(2024, 2, 29)).toBe(true);
    expect(isRealDate(2023, 2, 29)).toBe(false);
    expect(isRealDate(1900, 2, 29)).toBe(false);
    expect(isRealDate(2000, 2, 29)).toBe(true);
    expect(isRealDate(2024, 2, 30)).toBe(false);
    expect(isRealDate(2024, 4, 31)).toBe(false);
    expect(isRealDate(2024, 13, 1)).toBe(false);
    expect(isRealDate(2024, 0, 1)).toBe(false);
    expect(isRealDate(2024, 1, 0)).toBe(false);
  });

  it('formats real dates only', () => {
    expect(isoDateOf(1949, 12, 31)).toBe('1949-12-31');
    expect(isoDateOf(1949, 2, 30)).toBeUndefined();
  });
});

describe('ageOn', () => {
  it('counts completed years', () => {
    expect(ageOn('2008-06-15', '2026-06-14')).toBe(17);
    expect(ageOn('2008-06-15', '2026-06-15')).toBe(18);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('bad', '2026-03-01')).toBeUndefined();
  });
});
