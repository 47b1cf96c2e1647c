import { describe, expect, it } from 'vitest';
import { parseCnAddress } from './cn-address.ts';
import { validateResidentId } from './cn-resident-id.ts';
import { EventMemo, parsedAddress } from './event-memo.ts';

describe('EventMemo', () => {
  it('parses an address once and gives the same result as parsing it', () => {
    const memo = new EventMemo();
    const first = memo.address('北京市海淀区中关村大街1号');
    expect(first).toEqual(parseCnAddress('北京市海淀区中关村大街1号'));
    expect(memo.address('北京市海淀区中关村大街1号')).toBe(first);
    expect(parsedAddress('北京市海淀区中关村大街1号', memo)).toBe(first);
    expect(parsedAddress('北京市海淀区中关村大街1号', undefined)).not.toBe(first);
  });

  it('never answers for a different text: each address of an event is its own', () => {
    const memo = new EventMemo();
    expect(memo.address('广东省深圳市南山区科技园').district).toBe('南山区');
    expect(memo.address('深圳市南山区科技园')).toEqual(parseCnAddress('深圳市南山区科技园'));
    expect(memo.address('深圳市南山区科技园').province).toBeUndefined();
  });

  it('validates a resident ID once per number and date', () => {
    const memo = new EventMemo();
    const valid = memo.residentId('11010519491231002X', '2026-06-01');
    expect(valid).toEqual(validateResidentId('11010519491231002X', '2026-06-01'));
    expect(memo.residentId('11010519491231002X', '2026-06-01')).toBe(valid);
    // A different date or number is validated afresh: the birth date bound depends on the date.
    expect(memo.residentId('11010519491231002X', '1949-12-30')).toEqual({ ok: false, legacy: false, reason: 'future-birth-date' });
    expect(memo.residentId('110105194912310021', '2026-06-01')).toEqual({ ok: false, legacy: false, reason: 'check-character' });
  });
});
