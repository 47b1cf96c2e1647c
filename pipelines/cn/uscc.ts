// GB 32100-2015 unified social credit code: 17 characters from a 31-symbol alphabet (no I, O, S,
// V, Z) plus a MOD 31 check character with weights 3^(i-1) mod 31.

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export function usccCheckCharacter(first17: string): string {
  const payload = first17.toUpperCase();
  if (payload.length !== 17) throw new RangeError('USCC payload must be 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(payload[i] ?? '');
    if (value < 0) throw new RangeError('USCC payload has a character outside the GB 32100 alphabet');
    sum += value * (WEIGHTS[i] ?? 0);
  }
  return ALPHABET[(31 - (sum % 31)) % 31] ?? '';
}

export type UsccFailure = 'bad-length' | 'bad-character' | 'lower-case' | 'bad-region' | 'check-character';

export type UsccResult = { readonly ok: true } | { readonly ok: false; readonly reason: UsccFailure };

export interface UsccOptions {
  /**
   * GB 32100's alphabet is upper case, and issue 2 states the 18 characters are from
   * `0-9ABCDEFGHJKLMNPQRTUWXY`: a code typed in lower case is reported (`lower-case`, an easy
   * fix) unless a rule pack decides to accept it.
   */
  readonly acceptLowerCase: boolean;
}

/** Positions 3–8 are the registering authority's administrative division code: always digits. */
export function validateUscc(value: string, options: UsccOptions = { acceptLowerCase: false }): UsccResult {
  const trimmed = value.trim();
  const code = trimmed.toUpperCase();
  if (code.length !== 18) return { ok: false, reason: 'bad-length' };
  for (const char of code) {
    if (!ALPHABET.includes(char)) return { ok: false, reason: 'bad-character' };
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) return { ok: false, reason: 'bad-region' };
  if (usccCheckCharacter(code.slice(0, 17)) !== code[17]) return { ok: false, reason: 'check-character' };
  if (!options.acceptLowerCase && trimmed !== code) return { ok: false, reason: 'lower-case' };
  return { ok: true };
}
