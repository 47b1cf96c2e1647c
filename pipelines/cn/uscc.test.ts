import { describe, expect, it } from 'vitest';
import { usccCheckCharacter, validateUscc } from './uscc.ts';

// Published example. By hand: 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + M(21)·20 + 1·8 + Y(30)·30 + 4·28 = 1640;
// 1640 mod 31 = 28; 31 − 28 = 3.
const PUBLISHED = '91350100M000100Y43';
// A computed vector whose check character is 0: the weighted sum is 1457 = 47·31.
const CHECK_ZERO = '91110108MA01A2B370';

describe('usccCheckCharacter', () => {
  it('matches the published example', () => {
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
  });

  it('agrees with weights 3^(i-1) mod 31 computed independently', () => {
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    const seen = new Set<string>();
    for (const a of alphabet) {
      for (const b of alphabet) {
        const payload = `9135010${a}M000100Y${b}`;
        let sum = 0;
        for (let i = 0; i < 17; i++) sum += alphabet.indexOf(payload[i] ?? '') * (3 ** i % 31);
        const expected = alphabet[(31 - (sum % 31)) % 31];
        expect(usccCheckCharacter(payload)).toBe(expected);
        seen.add(expected ?? '');
      }
    }
    expect(seen.size).toBe(31);
  });

  it('maps a zero remainder to 0, not 31', () => {
    expect(usccCheckCharacter('91110108MA01A2B37')).toBe('0');
  });

  it('accepts lower case and rejects characters outside the alphabet', () => {
    expect(usccCheckCharacter('91350100m000100y4')).toBe('3');
    expect(() => usccCheckCharacter('91350100I000100Y4')).toThrow(RangeError);
    expect(() => usccCheckCharacter('91350100M000100Y')).toThrow(/17 characters/);
  });
});

describe('validateUscc', () => {
  it('accepts valid codes', () => {
    expect(validateUscc(PUBLISHED)).toEqual({ ok: true });
    expect(validateUscc(CHECK_ZERO)).toEqual({ ok: true });
    expect(validateUscc(` ${PUBLISHED} `)).toEqual({ ok: true });
  });

  it('reports a code in lower case, unless told to accept it', () => {
    expect(validateUscc(PUBLISHED.toLowerCase())).toEqual({ ok: false, reason: 'lower-case' });
    expect(validateUscc(PUBLISHED.toLowerCase(), { acceptLowerCase: true })).toEqual({ ok: true });
    // A wrong code is reported as wrong first, whatever its case.
    expect(validateUscc('91350100m000100y44')).toEqual({ ok: false, reason: 'check-character' });
  });

  it('rejects a wrong check character', () => {
    expect(validateUscc('91350100M000100Y44')).toEqual({ ok: false, reason: 'check-character' });
    expect(validateUscc('91110108MA01A2B37Y')).toEqual({ ok: false, reason: 'check-character' });
  });

  it('rejects wrong lengths', () => {
    expect(validateUscc(PUBLISHED.slice(0, 17))).toEqual({ ok: false, reason: 'bad-length' });
    expect(validateUscc(`${PUBLISHED}3`)).toEqual({ ok: false, reason: 'bad-length' });
  });

  it('rejects letters the standard excludes (I O S V Z)', () => {
    for (const letter of 'IOSVZ') {
      expect(validateUscc(`91350100M000100${letter}43`)).toEqual({ ok: false, reason: 'bad-character' });
    }
  });

  it('requires a numeric division code in positions 3–8', () => {
    const payload = '91A50100M000100Y4';
    expect(validateUscc(payload + usccCheckCharacter(payload))).toEqual({ ok: false, reason: 'bad-region' });
  });
});
