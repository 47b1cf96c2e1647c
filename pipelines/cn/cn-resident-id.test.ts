import { describe, expect, it } from 'vitest';
import { residentIdCheckCharacter, validateResidentId } from './cn-resident-id.ts';

const AS_OF = '2026-06-01';
// GB 11643-1999's own example; the payload's weighted sum is 167, 167 mod 11 = 2 → 'X'.
const STANDARD_EXAMPLE = '11010519491231002X';

/** Builds a valid number from a 17-digit payload. */
function withCheck(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

describe('residentIdCheckCharacter', () => {
  it('matches the standard examples', () => {
    expect(residentIdCheckCharacter('11010519491231002')).toBe('X');
    expect(residentIdCheckCharacter('44052418800101001')).toBe('4');
  });

  it('agrees with ISO 7064 MOD 11-2 derived from first principles', () => {
    // Weight of position i counted from the right (check character = 1) is 2^(i-1) mod 11, and the
    // weighted sum of all 18 characters (X = 10) must be ≡ 1 (mod 11).
    const seen = new Set<string>();
    for (let seq = 0; seq < 300; seq++) {
      const payload = `11010519900307${String(seq).padStart(3, '0')}`;
      let sum = 0;
      for (let i = 0; i < 17; i++) sum += Number(payload[i]) * (2 ** (17 - i) % 11);
      const value = (12 - (sum % 11)) % 11;
      const expected = value === 10 ? 'X' : String(value);
      expect(residentIdCheckCharacter(payload)).toBe(expected);
      seen.add(expected);
    }
    expect(seen.size).toBe(11);
  });

  it('rejects a malformed payload without echoing it', () => {
    expect(() => residentIdCheckCharacter('1101051949123100')).toThrow(/17 digits/);
    expect(() => residentIdCheckCharacter('1101051949123100A')).toThrow(RangeError);
  });
});

describe('validateResidentId', () => {
  it('accepts the standard example and parses it', () => {
    expect(validateResidentId(STANDARD_EXAMPLE, AS_OF)).toEqual({
      ok: true,
      legacy: false,
      region: '110105',
      province: '北京市',
      birthDate: '1949-12-31',
      gender: 'F',
    });
  });

  it('accepts a lowercase x and surrounding spaces', () => {
    expect(validateResidentId('11010519491231002x', AS_OF)).toMatchObject({ ok: true, gender: 'F' });
    expect(validateResidentId(` ${STANDARD_EXAMPLE} `, AS_OF)).toMatchObject({ ok: true });
  });

  it('reads an odd sequence digit as male', () => {
    expect(validateResidentId(withCheck('11010519491231001'), AS_OF)).toMatchObject({ ok: true, gender: 'M' });
  });

  it('rejects a wrong check character', () => {
    expect(validateResidentId('110105194912310020', AS_OF)).toEqual({ ok: false, legacy: false, reason: 'check-character' });
    expect(validateResidentId('110105194912310021', AS_OF)).toMatchObject({ reason: 'check-character' });
  });

  it('rejects unknown region prefixes', () => {
    expect(validateResidentId(withCheck('00010519491231002'), AS_OF)).toMatchObject({ reason: 'bad-region' });
    expect(validateResidentId(withCheck('99010519491231002'), AS_OF)).toMatchObject({ reason: 'bad-region' });
  });

  it('rejects impossible, early and future birth dates', () => {
    expect(validateResidentId(withCheck('11010519490230002'), AS_OF)).toMatchObject({ reason: 'bad-birth-date' });
    expect(validateResidentId(withCheck('11010519491301002'), AS_OF)).toMatchObject({ reason: 'bad-birth-date' });
    expect(validateResidentId(withCheck('11010520230229002'), AS_OF)).toMatchObject({ reason: 'bad-birth-date' });
    expect(validateResidentId(withCheck('11010520240229002'), AS_OF)).toMatchObject({ ok: true, birthDate: '2024-02-29' });
    expect(validateResidentId(withCheck('11010520260602002'), AS_OF)).toMatchObject({ reason: 'future-birth-date' });
    expect(validateResidentId(withCheck('11010520260601002'), AS_OF)).toMatchObject({ ok: true });
    // The standard's second example, born 1880, is valid; a year before 1800 is no living person's.
    expect(validateResidentId('440524188001010014', AS_OF)).toMatchObject({ ok: true, birthDate: '1880-01-01', gender: 'M' });
    expect(validateResidentId(withCheck('44052417990101001'), AS_OF)).toMatchObject({ reason: 'birth-date-too-early' });
    expect(validateResidentId(withCheck('44052418000101001'), AS_OF)).toMatchObject({ ok: true, birthDate: '1800-01-01' });
  });

  it('rejects wrong lengths and characters', () => {
    expect(validateResidentId(STANDARD_EXAMPLE.slice(0, 17), AS_OF)).toMatchObject({ reason: 'bad-length' });
    expect(validateResidentId(`${STANDARD_EXAMPLE}1`, AS_OF)).toMatchObject({ reason: 'bad-length' });
    expect(validateResidentId('', AS_OF)).toMatchObject({ reason: 'bad-length' });
    expect(validateResidentId('1101051949123100AX', AS_OF)).toMatchObject({ reason: 'bad-character' });
    expect(validateResidentId('X10105194912310021', AS_OF)).toMatchObject({ reason: 'bad-character' });
    expect(validateResidentId('11010519491231002Y', AS_OF)).toMatchObject({ reason: 'bad-character' });
    expect(validateResidentId('1101051949123100２X', AS_OF)).toMatchObject({ reason: 'bad-character' });
  });

  it('accepts the 15-digit legacy form and parses it when it can', () => {
    expect(validateResidentId('110105491231002', AS_OF)).toEqual({
      ok: true,
      legacy: true,
      region: '110105',
      province: '北京市',
      birthDate: '1949-12-31',
      gender: 'F',
    });
    expect(validateResidentId('110105491231001', AS_OF)).toMatchObject({ legacy: true, gender: 'M' });
    expect(validateResidentId('110105490230002', AS_OF)).toEqual({ ok: true, legacy: true });
    expect(validateResidentId('990105491231002', AS_OF)).toEqual({ ok: true, legacy: true });
  });

  it('rejects 15 characters that are not all digits', () => {
    expect(validateResidentId('11010549123100X', AS_OF)).toMatchObject({ ok: false, reason: 'bad-length' });
  });
});
