import { describe, expect, it } from 'vitest';
import {
  maskAddress,
  maskBankAccount,
  maskBirthDate,
  maskEmail,
  maskIdNumber,
  maskLandline,
  maskMobile,
  maskName,
  maskUscc,
  scrubFreeText,
} from './masking.ts';

// All values below are made up for these tests.

describe('maskName', () => {
  it('keeps the first character and one star whatever the length', () => {
    expect(maskName('张伟')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧*');
    expect(maskName(' 钱多多 ')).toBe('钱*');
    expect(maskName('Test Person')).toBe('T*');
  });

  it('never shows a one-character name', () => {
    expect(maskName('钱')).toBe('*');
  });

  it('does not split a character outside the BMP', () => {
    expect(maskName('𠮷田')).toBe('𠮷*');
  });

  it('masks blank to empty', () => {
    expect(maskName('')).toBe('');
    expect(maskName('  ')).toBe('');
  });
});

describe('maskMobile', () => {
  it('keeps the first 3 and last 4 digits', () => {
    expect(maskMobile('13712340987')).toBe('137****0987');
  });

  it('normalises +86, 0086, spaces and dashes first', () => {
    for (const written of ['+86 137 1234 0987', '+86-137-1234-0987', '0086 13712340987', '8613712340987', '１３７１２３４０９８７']) {
      expect(maskMobile(written), written).toBe('137****0987');
    }
  });

  it('hides at least four digits of a short or odd value', () => {
    expect(maskMobile('13712340')).toBe('****2340');
    expect(maskMobile('137123')).toBe('****23');
    expect(maskMobile('1371')).toBe('****');
    expect(maskMobile('1')).toBe('****');
  });

  it('masks blank to empty', () => {
    expect(maskMobile('')).toBe('');
  });
});

describe('maskLandline', () => {
  it('keeps the area code and the last two digits', () => {
    expect(maskLandline('010-62340987')).toBe('010-****87');
    expect(maskLandline('021 5555 0123')).toBe('021-****23');
    expect(maskLandline('0571-8765 4321')).toBe('0571-****21');
    expect(maskLandline('(0755)23450987')).toBe('0755-****87');
  });

  it('reads an international form and drops an extension', () => {
    expect(maskLandline('+86 10 6234 0987')).toBe('010-****87');
    expect(maskLandline('010-62340987-803')).toBe('010-****87');
    expect(maskLandline('010-62340987转803')).toBe('010-****87');
  });

  it('shows only the last two digits without an area code', () => {
    expect(maskLandline('62340987')).toBe('****87');
  });

  it('hides short or non-numeric values', () => {
    expect(maskLandline('0101')).toBe('****');
    expect(maskLandline('无')).toBe('****');
    expect(maskLandline('')).toBe('');
  });
});

describe('maskIdNumber', () => {
  it('keeps the region prefix and the last four, never a birth-date digit', () => {
    expect(maskIdNumber('11010519860307002X')).toBe('110105********002X');
    expect(maskIdNumber('11010519860307002x')).toBe('110105********002X');
    expect(maskIdNumber(' 110105 19860307 002X ')).toBe('110105********002X');
  });

  it('keeps only the sequence of a 15-digit number, whose 4th last digit is the day of birth', () => {
    expect(maskIdNumber('110105860307123')).toBe('110105******123');
  });

  it('shows nothing of other documents or malformed numbers', () => {
    expect(maskIdNumber('E12340987')).toBe('****');
    expect(maskIdNumber('1101051986030700')).toBe('****');
    expect(maskIdNumber('12')).toBe('****');
    expect(maskIdNumber('')).toBe('');
  });
});

describe('maskBankAccount', () => {
  it('keeps the last four digits only', () => {
    expect(maskBankAccount('6222600110012345678')).toBe('****5678');
    expect(maskBankAccount('6222 6001 1001 2345 678')).toBe('****5678');
  });

  it('never shows a short account whole', () => {
    expect(maskBankAccount('1234')).toBe('****');
    expect(maskBankAccount('123456')).toBe('****56');
    expect(maskBankAccount('N/A')).toBe('****');
    expect(maskBankAccount('')).toBe('');
  });
});

describe('maskAddress', () => {
  it('keeps the address down to the district', () => {
    expect(maskAddress('北京市海淀区中关村大街1号')).toBe('北京市海淀区');
    expect(maskAddress('浙江省杭州市西湖区文三路99号5幢301室')).toBe('浙江省杭州市西湖区');
    expect(maskAddress('广东省东莞市南城街道测试路8号')).toBe('广东省东莞市');
  });

  it('shows nothing of an address it cannot place', () => {
    expect(maskAddress('测试路8号')).toBe('***');
    expect(maskAddress('123 Test Street')).toBe('***');
  });

  it('masks blank to empty', () => {
    expect(maskAddress('')).toBe('');
  });
});

describe('maskEmail', () => {
  it('keeps the first character of the local part and the domain', () => {
    expect(maskEmail('qdd.test@example.cn')).toBe('q***@example.cn');
    expect(maskEmail('Qdd@Example.CN')).toBe('Q***@example.cn');
  });

  it('shows no character of a one-character local part', () => {
    expect(maskEmail('q@example.cn')).toBe('***@example.cn');
  });

  it('hides a malformed address entirely', () => {
    expect(maskEmail('not-an-email')).toBe('***');
    expect(maskEmail('@example.cn')).toBe('***');
    expect(maskEmail('q@')).toBe('***');
    expect(maskEmail('')).toBe('');
  });
});

describe('maskUscc', () => {
  it('keeps the first 8 and the last 2 characters', () => {
    expect(maskUscc('91330106MA27XY8K3L')).toBe('91330106********3L');
  });

  it('hides at least eight characters of a malformed code', () => {
    expect(maskUscc('91330106MA')).toBe('********MA');
    expect(maskUscc('91330106MA27')).toBe('91********27');
    expect(maskUscc('913')).toBe('********');
    expect(maskUscc('')).toBe('');
  });
});

describe('maskBirthDate', () => {
  it('keeps the year only', () => {
    expect(maskBirthDate('1986-03-07')).toBe('1986');
    expect(maskBirthDate('07/03/1986')).toBe('***');
    expect(maskBirthDate('')).toBe('');
  });
});

describe('scrubFreeText', () => {
  it('removes phone-like digit runs and e-mail addresses but keeps ordinary text', () => {
    expect(scrubFreeText('教师')).toBe('教师');
    expect(scrubFreeText('联系 137-1234-0987 或 qdd@example.cn')).toBe('联系 *** 或 ***@***');
    expect(scrubFreeText('第3分理处 2024')).toBe('第3分理处 2024');
  });
});

describe('masks count characters, not UTF-16 units', () => {
  it('never cuts a character outside the BMP in half, nor drops a lone surrogate', () => {
    expect(maskBankAccount('𠮷𠮷𠮷𠮷𠮷𠮷')).toBe('****𠮷𠮷');
    expect(maskUscc('𠮷'.repeat(18))).toBe(`${'𠮷'.repeat(8)}********${'𠮷'.repeat(2)}`);
    expect(maskName('\uD800测')).toBe('\uD800*');
    expect(maskName('𠮷')).toBe('*');
    expect(maskEmail('𠮷@example.cn')).toBe('***@example.cn');
    expect(maskEmail('𠮷x@example.cn')).toBe('𠮷***@example.cn');
    expect(scrubFreeText('𠮷'.repeat(250))).toBe('𠮷'.repeat(200));
    expect(scrubFreeText('测'.repeat(250))).toBe('测'.repeat(200));
  });
});
