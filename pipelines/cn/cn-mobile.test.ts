import { describe, expect, it } from 'vitest';
import { MOBILE_PREFIXES, normalizeMobile, validateMobile } from './cn-mobile.ts';

describe('validateMobile', () => {
  it('accepts numbers in every allocated segment', () => {
    for (const prefix of MOBILE_PREFIXES) {
      expect(validateMobile(`${prefix}12345678`)).toEqual({ ok: true, national: `${prefix}12345678` });
    }
  });

  it('tolerates the country code, spaces and dashes', () => {
    for (const written of ['+86 139 1234 5678', '+86-139-1234-5678', '86 13912345678', '8613912345678', '0086 139 1234 5678', '139-1234-5678', '１３９１２３４５６７８']) {
      expect(validateMobile(written)).toEqual({ ok: true, national: '13912345678' });
    }
  });

  it('rejects unallocated segments', () => {
    for (const prefix of ['120', '140', '141', '144', '154', '160', '161', '163', '164', '168', '169', '179', '194']) {
      expect(validateMobile(`${prefix}12345678`)).toEqual({ ok: false, reason: 'bad-prefix' });
    }
  });

  it('rejects wrong lengths and characters', () => {
    expect(validateMobile('1391234567')).toEqual({ ok: false, reason: 'bad-length' });
    expect(validateMobile('139123456789')).toEqual({ ok: false, reason: 'bad-length' });
    expect(validateMobile('139l2345678')).toEqual({ ok: false, reason: 'bad-character' });
    expect(validateMobile('(139)12345678')).toEqual({ ok: false, reason: 'bad-character' });
    expect(validateMobile('')).toEqual({ ok: false, reason: 'bad-character' });
  });

  it('only strips a bare 86 when eleven digits follow', () => {
    expect(normalizeMobile('86139123456')).toBe('86139123456');
    expect(validateMobile('86139123456')).toEqual({ ok: false, reason: 'bad-prefix' });
  });

  it('takes the segment table as a parameter', () => {
    expect(validateMobile('13912345678', ['138'])).toEqual({ ok: false, reason: 'bad-prefix' });
  });
});
