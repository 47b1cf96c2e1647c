import { describe, expect, it } from 'vitest';
import { hasText, namesEqual, normalizeName } from './names.ts';

describe('namesEqual', () => {
  it('ignores spaces, full-width spaces and width', () => {
    expect(namesEqual('张伟', ' 张 伟 ')).toBe(true);
    expect(namesEqual('张伟', '张\u3000伟')).toBe(true);
    expect(namesEqual('ＡＢＣ贸易（北京）有限公司', 'ABC贸易(北京)有限公司')).toBe(true);
    expect(namesEqual('John Smith', 'JOHN SMITH')).toBe(true);
  });

  it('treats the separator dot variants as one', () => {
    expect(namesEqual('阿依古丽·买买提', '阿依古丽•买买提')).toBe(true);
    expect(namesEqual('阿依古丽·买买提', '阿依古丽・买买提')).toBe(true);
    expect(namesEqual('阿依古丽·买买提', '阿依古丽．买买提')).toBe(true);
  });

  it('tells different names apart', () => {
    expect(namesEqual('张伟', '李娜')).toBe(false);
    expect(namesEqual('张伟', '张伟伟')).toBe(false);
    expect(normalizeName('张 伟')).toBe('张伟');
  });
});

describe('hasText', () => {
  it('is false for missing and blank values', () => {
    expect(hasText(undefined)).toBe(false);
    expect(hasText(null)).toBe(false);
    expect(hasText('')).toBe(false);
    expect(hasText(' \t')).toBe(false);
    expect(hasText('\u3000')).toBe(false);
    expect(hasText('张伟')).toBe(true);
  });
});
