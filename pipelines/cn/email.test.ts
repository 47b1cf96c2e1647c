import { describe, expect, it } from 'vitest';
import { validateEmail } from './email.ts';

describe('validateEmail', () => {
  it('accepts ordinary addresses', () => {
    for (const email of ['zw@example.cn', 'zhang.wei+bank@example.com.cn', "o'brien@mail.example.org", 'a_b-c@sub-domain.example.co', 'x@xn--fiqs8s.xn--fiqz9s', ' zw@example.cn ']) {
      expect(validateEmail(email)).toEqual({ ok: true });
    }
  });

  it('rejects spaces and wrong @ counts', () => {
    expect(validateEmail('zw @example.cn')).toEqual({ ok: false, reason: 'has-space' });
    expect(validateEmail('zw.example.cn')).toEqual({ ok: false, reason: 'missing-at' });
    expect(validateEmail('zw@@example.cn')).toEqual({ ok: false, reason: 'multiple-at' });
    expect(validateEmail('z@w@example.cn')).toEqual({ ok: false, reason: 'multiple-at' });
  });

  it('rejects malformed local parts', () => {
    for (const email of ['@example.cn', '.zw@example.cn', 'zw.@example.cn', 'z..w@example.cn', '"zw"@example.cn', 'zw,x@example.cn', '张伟@example.cn']) {
      expect(validateEmail(email)).toEqual({ ok: false, reason: 'bad-local-part' });
    }
  });

  it('rejects malformed domains', () => {
    for (const email of ['zw@', 'zw@localhost', 'zw@example', 'zw@-example.cn', 'zw@example-.cn', 'zw@exa_mple.cn', 'zw@example..cn', 'zw@example.c', 'zw@example.123', 'zw@[10.0.0.1]', 'zw@例子.中国']) {
      expect(validateEmail(email)).toEqual({ ok: false, reason: 'bad-domain' });
    }
  });

  it('enforces the RFC 5321 length limits', () => {
    expect(validateEmail(`${'a'.repeat(64)}@example.cn`)).toEqual({ ok: true });
    expect(validateEmail(`${'a'.repeat(65)}@example.cn`)).toEqual({ ok: false, reason: 'too-long' });
    expect(validateEmail(`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}.cn`)).toEqual({ ok: false, reason: 'too-long' });
  });
});
