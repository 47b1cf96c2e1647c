import { describe, expect, it } from 'vitest';
import { isLuhnValid, luhnCheckDigit } from './luhn.ts';

describe('luhnCheckDigit', () => {
  it('matches the ISO/IEC 7812 worked example', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3');
  });

  it('produces numbers that validate', () => {
    for (const payload of ['0', '62220212345678901', '6', '4111111111111111'.slice(0, 15), '123456789012345678']) {
      expect(isLuhnValid(payload + luhnCheckDigit(payload))).toBe(true);
    }
    expect(luhnCheckDigit('411111111111111')).toBe('1');
  });

  it('rejects non-digit payloads', () => {
    expect(() => luhnCheckDigit('79927a')).toThrow(RangeError);
    expect(() => luhnCheckDigit('')).toThrow(RangeError);
  });
});

describe('isLuhnValid', () => {
  it('accepts valid and rejects altered numbers', () => {
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('4111111111111111')).toBe(true);
    for (const wrong of '012456789') expect(isLuhnValid(`7992739871${wrong}`)).toBe(false);
  });

  it('catches adjacent transpositions', () => {
    expect(isLuhnValid('79927398731')).toBe(false);
  });

  it('rejects non-digits and too-short input', () => {
    expect(isLuhnValid('7992 7398 713')).toBe(false);
    expect(isLuhnValid('0')).toBe(false);
    expect(isLuhnValid('')).toBe(false);
  });
});
