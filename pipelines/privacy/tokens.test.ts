import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseText } from './normalise.ts';
import fc from 'fast-check';
import { createTokenizer, eventTokenizer, TOKEN_HEX_LENGTH, TOKEN_KINDS, type TokenKind } from './tokens.ts';

const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);

describe('createTokenizer', () => {
  it('gives the same token for the same value under the same key', () => {
    expect(createTokenizer(keyA).token('mobile', '13712340987')).toBe(
      createTokenizer(Buffer.from(keyA)).token('mobile', '13712340987'),
    );
  });

  it('gives 32 lower-case hex characters', () => {
    expect(TOKEN_HEX_LENGTH).toBe(32);
    expect(createTokenizer(keyA).token('customer', 'C-TEST-1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('depends on the key', () => {
    expect(createTokenizer(keyA).token('mobile', '13712340987')).not.toBe(
      createTokenizer(keyB).token('mobile', '13712340987'),
    );
  });

  it('separates kinds: one value never gives the same token under two kinds', () => {
    const tokenizer = createTokenizer(keyA);
    const tokens = TOKEN_KINDS.map((kind) => tokenizer.token(kind, '13712340987'));
    expect(new Set(tokens).size).toBe(TOKEN_KINDS.length);
  });

  it('distinguishes different values', () => {
    const tokenizer = createTokenizer(keyA);
    expect(tokenizer.token('mobile', '13712340987')).not.toBe(tokenizer.token('mobile', '13712340988'));
  });

  it('normalises before keying', () => {
    const t = createTokenizer(keyA);
    const same = (kind: Parameters<typeof t.token>[0], values: string[]) =>
      expect(new Set(values.map((value) => t.token(kind, value))).size, values.join(' | ')).toBe(1);
    same('mobile', ['13712340987', '+86 137-1234-0987', '0086 137 1234 0987', '１３７１２３４０９８７']);
    same('id-number', ['11010519860307002X', '11010519860307002x', ' 110105 19860307002x']);
    same('bank-account', ['6222600110012345678', '6222 6001 1001 2345 678', '6222-6001-1001-2345-678']);
    same('email', ['Qdd.Test@Example.CN', ' qdd.test@example.cn ']);
    same('name', ['钱多多', ' 钱 多多 ']);
    same('address', ['浙江省杭州市西湖区文三路99号', '浙江省杭州市西湖区 文三路９９号']);
    same('customer', ['C-TEST-1', ' C-TEST-1 ']);
  });

  it('gives no token for a blank value, so blanks never look like one shared phone', () => {
    const tokenizer = createTokenizer(keyA);
    expect(tokenizer.token('mobile', '')).toBe('');
    expect(tokenizer.token('mobile', ' - ')).toBe('');
    expect(tokenizer.token('bank-account', 'N/A')).toBe('');
  });

  it('is unaffected by later changes to the key buffer', () => {
    const key = Buffer.from(keyA);
    const tokenizer = createTokenizer(key);
    const before = tokenizer.token('mobile', '13712340987');
    key.fill(0);
    expect(tokenizer.token('mobile', '13712340987')).toBe(before);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createTokenizer(Buffer.alloc(16, 1))).toThrow(RangeError);
  });

  // Tokens are join keys in stored analytics: any change to how they are computed (normalisation,
  // layout, the HMAC itself) silently splits every join across the change. These values were
  // computed by the original createHmac implementation and checked against Python's hmac module.
  it('keeps giving exactly the tokens it always gave (pinned outputs)', () => {
    const keyLong = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff)); // > one SHA-256 block
    const key64 = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 13 + 5) & 0xff)); // exactly one block
    const a = createTokenizer(keyA);
    expect(a.token('customer', 'C-TEST-1')).toBe('ffc937c26688fa715eefc2aed91fde5f');
    expect(a.token('mobile', '+86 137-1234-0987')).toBe('116ae49b5e122fbf3eefa4d17840557f');
    expect(a.token('id-number', '11010519491231002x')).toBe('e97744597055764f793d07800488f0dc');
    expect(a.token('bank-account', '6222 6001 1001 2345 678')).toBe('46ca93fb353c3aa5c8ac571b1874285e');
    expect(a.token('email', ' Qdd.Test@Example.CN ')).toBe('649194f9febceb0b8e28b776b7855a2a');
    expect(a.token('name', '钱 多多')).toBe('c3a14af89bc6ea72f03fcce28ee899f1');
    expect(a.token('name', '𠮷野家')).toBe('b4395e77e6ff6e4585f7ffc3f70ff556');
    expect(a.token('address', `浙江省杭州市西湖区文三路９９号${'附近'.repeat(40)}`)).toBe('101a77e4c48bfb40ab35bfb751265193');
    expect(a.token('policy', 'P-TEST-9')).toBe('d1f8934ca7e1b64c34d135fea5709027');
    expect(a.token('agent', 'A-TEST-3')).toBe('39bb4b26fae3f103e1cb7a53183e5336');
    expect(createTokenizer(keyLong).token('mobile', '13712340987')).toBe('dc2ce2d1a431a4be4d0767c2bb785bfc');
    expect(createTokenizer(keyLong).token('customer', 'x'.repeat(300))).toBe('9929325d12707e54c89e2cfb660973af');
    expect(createTokenizer(key64).token('customer', 'C-TEST-1')).toBe('84d8ff1541ee6d230b2e142a558c4075');
  });

  it('is HMAC-SHA256 over "verity-token/v1 NUL kind NUL value" for any key length and value', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // Lone surrogates, NUL, non-BMP and full-width characters, and values longer than a block.
    const alphabet = ['a', '1', '张', '𠮷', '\uD800', '\uDC00', '\u0000', 'é', '９', 'X'];
    for (const length of [32, 63, 64, 65, 200]) {
      const key = Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
      const tokenizer = createTokenizer(key);
      for (let i = 0; i < 50; i++) {
        const value = Array.from({ length: Math.floor(next() ** 2 * 600) + 1 }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
        const expected = createHmac('sha256', key)
          .update(`verity-token/v1\0name\0${normaliseText(value)}`, 'utf8')
          .digest('hex')
          .slice(0, TOKEN_HEX_LENGTH);
        expect(tokenizer.token('name', value), JSON.stringify(value)).toBe(expected);
      }
    }
  });
});

describe('eventTokenizer', () => {
  it('gives the tokens of the tokenizer it wraps, whatever the order and repeats of (kind, value)', () => {
    const plain = createTokenizer(keyA);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom<TokenKind>(...TOKEN_KINDS), fc.string({ maxLength: 12 })), { maxLength: 30 }), (calls) => {
        const once = eventTokenizer(plain);
        for (const [kind, value] of [...calls, ...calls]) expect(once.token(kind, value)).toBe(plain.token(kind, value));
      }),
    );
  });

  it('computes each (kind, value) once: the same value of another kind is another token', () => {
    let hashed = 0;
    const counting = { token: (kind: TokenKind, value: string) => (hashed++, createTokenizer(keyA).token(kind, value)) };
    const once = eventTokenizer(counting);
    once.token('mobile', '13712340987');
    once.token('mobile', '13712340987');
    expect(once.token('bank-account', '13712340987')).not.toBe(once.token('mobile', '13712340987'));
    expect(hashed).toBe(2);
  });
});
