import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, stableId } from './ids.ts';

describe('stableId', () => {
  // Finding, issue and dead-letter ids are stored and de-duplicated on: they must never change.
  it('keeps giving exactly the ids it always gave (pinned outputs)', () => {
    expect(stableId('finding', 'crm-000000001', 'mobile-format', 'customer.mobile', 'bad-prefix')).toBe('0333289cd5865b721896993572144542');
    expect(stableId('issue', 'id-number-format', 'ffc937c26688fa715eefc2aed91fde5f', 'core-insurance-000023010')).toBe('f1cc38c2e148316c6823756233e36020');
    expect(stableId('dead-letter', '/data/in/stream.jsonl:153556')).toBe('f637215542f5a39ea8ab210ec053bb81');
    expect(stableId()).toBe('e3b0c44298fc1c149afbf4c8996fb924');
    expect(stableId('a\uD800', '\uDC00b', '张三𠮷')).toBe('0bbd938d0ffc12abb74b6a33a5b1f93f');
  });

  it('is SHA-256 over each part followed by NUL, in UTF-8, cut to 32 hex characters', () => {
    const parts = ['x', '', '\uD800', '\uDC00', '𠮷', 'a\u0000b', '测试'.repeat(50)];
    for (let n = 0; n <= parts.length; n++) {
      const some = parts.slice(0, n);
      const hash = createHash('sha256');
      for (const part of some) hash.update(part).update('\u0000');
      expect(stableId(...some)).toBe(hash.digest('hex').slice(0, 32));
    }
  });
});

describe('sha256Hex', () => {
  it('hashes bytes and text', () => {
    expect(sha256Hex(Buffer.from([0, 1, 2, 255]))).toBe('3d1f57c984978ef98a18378c8166c1cb8ede02c03eeb6aee7e2f121dfeee3e56');
    expect(sha256Hex('张三')).toBe('1d841bc0ee98309cb7916670b7f0fdef5f4c35150711a41405ef3633b56322cf');
  });
});
