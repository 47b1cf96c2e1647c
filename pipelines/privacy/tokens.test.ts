import { describe, expect, it } from 'vitest';
import { createTokenizer, TOKEN_HEX_LENGTH, TOKEN_KINDS } from './tokens.ts';

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
});
