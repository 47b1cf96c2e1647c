import { describe, expect, it } from 'vitest';
import { DEFAULT_PLACEHOLDER_PHONE_OPTIONS, isPlaceholderName, isPlaceholderPhone } from './placeholder.ts';

describe('isPlaceholderName', () => {
  it('matches listed names exactly after trimming, ignoring case and width', () => {
    for (const name of ['测试', ' 测试用户 ', '无', '未知', '不详', 'TEST', 'Test', 'xxx', 'XXX', 'ｘｘｘ', '先生', '女士', '客户']) {
      expect(isPlaceholderName(name)).toBe(true);
    }
  });

  it('does not match names that merely contain a placeholder', () => {
    for (const name of ['张伟', '无忌', '测试科技有限公司', 'Testa', '王先生']) {
      expect(isPlaceholderName(name)).toBe(false);
    }
  });

  it('takes the list as a parameter', () => {
    expect(isPlaceholderName('张三', ['张三'])).toBe(true);
    expect(isPlaceholderName('测试', ['张三'])).toBe(false);
  });

  it('normalizes the entries of a given list as well, and keeps lists apart', () => {
    const list = [' ＮＯＮＥ ', 'Dummy'];
    for (const name of ['none', 'NONE', 'dummy', ' DUMMY']) expect(isPlaceholderName(name, list)).toBe(true);
    expect(isPlaceholderName('dummy', ['other'])).toBe(false);
    expect(isPlaceholderName('dummy')).toBe(false);
  });
});

describe('isPlaceholderPhone', () => {
  it('matches listed numbers', () => {
    expect(isPlaceholderPhone('13800000000')).toBe(true);
    expect(isPlaceholderPhone('13900000000')).toBe(true);
  });

  it('matches one repeated digit', () => {
    expect(isPlaceholderPhone('11111111111')).toBe(true);
    expect(isPlaceholderPhone('88888888')).toBe(true);
  });

  it('matches ascending and descending runs', () => {
    expect(isPlaceholderPhone('12345678901')).toBe(true);
    expect(isPlaceholderPhone('98765432109')).toBe(true);
    expect(isPlaceholderPhone('23456789')).toBe(true);
    expect(isPlaceholderPhone('12345')).toBe(false);
  });

  it('matches a repeated subscriber part', () => {
    expect(isPlaceholderPhone('13811111111')).toBe(true);
    expect(isPlaceholderPhone('13811111112')).toBe(false);
  });

  it('leaves ordinary numbers alone', () => {
    expect(isPlaceholderPhone('13912345678')).toBe(false);
    expect(isPlaceholderPhone('62345678')).toBe(false);
    expect(isPlaceholderPhone('')).toBe(false);
    expect(isPlaceholderPhone('1380000000a')).toBe(false);
  });

  it('lets each heuristic be switched off', () => {
    const none = { phones: [], repeatedDigit: false, sequentialRun: false, repeatedTailLength: 0 };
    for (const phone of ['13800000000', '11111111111', '12345678901']) expect(isPlaceholderPhone(phone, none)).toBe(false);
    expect(isPlaceholderPhone('11111111111', { ...none, repeatedDigit: true })).toBe(true);
    expect(isPlaceholderPhone('13800000000', { ...DEFAULT_PLACEHOLDER_PHONE_OPTIONS, phones: [] })).toBe(true);
  });
});
