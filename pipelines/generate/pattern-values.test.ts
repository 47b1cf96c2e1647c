import { describe, expect, it } from 'vitest';
import { foldWidth, normaliseAccount, normaliseAddress, normaliseMobile } from './pattern-values.ts';
import { ACCOUNT_FORMS, ADDRESS_FORMS, MOBILE_FORMS, accountFormTripsFormat, writeAccount, writeAddress, writeMobile } from './pattern-variants.ts';
import { REGIONS } from './data/regions.ts';
import { fullAddress } from './persona.ts';

describe('pattern normalisation', () => {
  it('folds full-width forms and the ideographic space, and leaves everything else alone', () => {
    expect(foldWidth('１３９－１２３４＋ＡＢｃ')).toBe('139-1234+ABc');
    expect(foldWidth('北京市\u3000朝阳区')).toBe('北京市 朝阳区');
    expect(foldWidth('广东省深圳市南山区')).toBe('广东省深圳市南山区');
  });

  it('reads every way of writing one mobile as the same number', () => {
    for (const written of [
      '13912345678',
      '+86 139 1234 5678',
      '86-13912345678',
      '139 1234 5678',
      '１３９１２３４５６７８',
      '+86 139-1234-5678',
      '+8613912345678',
      '8613912345678',
      '139-1234-5678',
      '＋８６　１３９　１２３４　５６７８',
      ' 13912345678\t',
    ]) {
      expect(normaliseMobile(written), written).toBe('13912345678');
    }
  });

  it('drops 86 only before an 11-digit number, and keeps other numbers as they are', () => {
    expect(normaliseMobile('861234567')).toBe('861234567');
    expect(normaliseMobile('86139123456789')).toBe('86139123456789');
    expect(normaliseMobile('+861391234567')).toBe('+861391234567');
    expect(normaliseMobile('1391234567O')).toBe('1391234567O');
    expect(normaliseMobile('')).toBe('');
    // Different numbers stay different.
    expect(normaliseMobile('13912345678')).not.toBe(normaliseMobile('13912345679'));
  });

  it('reads grouped and dashed account numbers as the same account', () => {
    for (const written of ['6222021234567890123', '6222 0212 3456 7890 123', '6222-0212-3456-7890-123', '６２２２０２１２３４５６７８９０１２３']) {
      expect(normaliseAccount(written), written).toBe('6222021234567890123');
    }
  });

  it('reads an address with blanks or full-width numbers as the same address', () => {
    const plain = '广东省深圳市南山区科技路12号3栋2单元1201';
    for (const written of [
      plain,
      '广东省 深圳市 南山区 科技路12号3栋2单元1201',
      '广东省深圳市南山区科技路１２号３栋２单元１２０１',
      '\u3000广东省深圳市南山区科技路12号3栋2单元1201 ',
      '广东省\u3000深圳市\u3000南山区\u3000科技路１２号３栋２单元１２０１',
    ]) {
      expect(normaliseAddress(written), written).toBe(plain);
    }
    expect(normaliseAddress('广东省深圳市南山区科技路13号3栋2单元1201')).not.toBe(plain);
  });
});

describe('written forms of a shared value', () => {
  it('write a mobile eight ways, all distinct, all read back as the number', () => {
    const written = MOBILE_FORMS.map((form) => writeMobile('18612345608', form));
    expect(new Set(written).size).toBe(MOBILE_FORMS.length);
    for (const value of written) expect(normaliseMobile(value), value).toBe('18612345608');
    expect(written.slice(0, 4)).toEqual(['+86 186 1234 5608', '86-18612345608', '186 1234 5608', '１８６１２３４５６０８']);
  });

  it('write an account three ways; only the dashed one breaks the account format', () => {
    const written = ACCOUNT_FORMS.map((form) => writeAccount('6217000010012345678', form));
    expect(written).toEqual(['6217 0000 1001 2345 678', '6217-0000-1001-2345-678', '6217000010012345678']);
    for (const value of written) expect(normaliseAccount(value)).toBe('6217000010012345678');
    expect(ACCOUNT_FORMS.filter(accountFormTripsFormat)).toEqual(['grouped-dashes']);
  });

  it('write an address four ways that keep its levels and read back as the address', () => {
    for (const region of [REGIONS.find((r) => r.province === r.city), REGIONS.find((r) => r.province !== r.city)]) {
      if (!region) throw new Error('the region list lacks a municipality or a province');
      const address = fullAddress(region, '建设路88号院6号楼1702室');
      const written = ADDRESS_FORMS.map((form) => writeAddress(address, region, form));
      expect(new Set(written).size).toBe(ADDRESS_FORMS.length);
      for (const value of written) {
        expect(value).not.toBe(address);
        expect(normaliseAddress(value), value).toBe(address);
        // The levels stay in order and whole: only blanks sit between them.
        expect(value.replace(/\s/g, '').startsWith(region.province === region.city ? region.city + region.district : region.province + region.city + region.district)).toBe(true);
      }
    }
  });
});
