import { describe, expect, it } from 'vitest';
import { scanForRawValues } from './pii-scan.ts';

describe('scanForRawValues', () => {
  it('finds every planted value, anywhere in the text, and nothing else', () => {
    const raw = { names: ['测甲乙', '丙丁'], mobiles: ['13912340000', '13912340001'], emails: ['a@b.cn'] };
    const text = `{"name_masked":"测*","evidence":"x 13912340001 y"}\nlog 丙丁 done`;
    expect(scanForRawValues(text, raw).map((h) => h.value).sort()).toEqual(['13912340001', '丙丁']);
  });

  it('ignores values shorter than the minimum', () => {
    expect(scanForRawValues('张', { names: ['张'] })).toEqual([]);
  });
});
