import { describe, expect, it } from 'vitest';
import { FIELD_POLICY } from '../../pipelines/privacy/classification.ts';
import { maskValueForField } from '../../pipelines/privacy/field-mask.ts';
import { VaultCipher } from '../../pipelines/privacy/vault-crypto.ts';
import { blankMachineStrings, planScan, scanForRawValues, shownParts, WHOLE_VALUE_ONLY } from './pii-scan.ts';

const found = (text: string, raw: Record<string, string[]>, machineMade?: string[]) =>
  scanForRawValues(text, raw, machineMade ? { machineMade } : {}).map((h) => `${h.kind}/${h.form}`);

describe('scanForRawValues: whole values', () => {
  it('finds every planted value, anywhere in the text, and nothing else', () => {
    const raw = { names: ['测甲乙', '丙丁'], mobiles: ['13912340000', '13912340001'], emails: ['a@b.cn'] };
    const text = `{"name_masked":"测*","evidence":"x 13912340001 y"}\nlog 丙丁 done`;
    expect(found(text, raw)).toEqual(['mobiles/piece', 'mobiles/whole', 'names/whole']);
  });

  it('ignores values shorter than the minimum', () => {
    expect(scanForRawValues('张', { names: ['张'] })).toEqual([]);
  });

  it('counts distinct values found, per kind and form', () => {
    const hits = scanForRawValues('丙丁 丙丁 戊己', { names: ['丙丁', '戊己', '庚辛'] });
    expect(hits).toEqual([{ kind: 'names', form: 'whole', count: 2 }]);
  });

  it('finds a whole value even inside machine-made text, where pieces are not looked for', () => {
    // A token that somehow carries the whole number is a leak, whatever surrounds it.
    const text = `customer_token\tab12cd13912345678ef0123456789abcdef`;
    expect(found(text, { 'customer.mobile': ['13912345678'] })).toEqual(['customer.mobile/whole']);
  });

  it('does not count a whole value in the rounding noise of a measured JSON number, and counts it anywhere else', () => {
    // Fastify's responseTime in a CI run's console log: 13800000000 is a generated placeholder mobile.
    const raw = { 'customer.mobile': ['13800000000'] };
    for (const measured of ['{"responseTime":5.004138000000001}', '{"rate":[1.13800000000e3]}', '{"x":1e13800000000}']) expect(found(measured, raw), measured).toEqual([]);
    for (const leak of ['{"mobile":13800000000}', '{"mobile":"13800000000"}', 'responseTime 5.004138000000001', '{"n":5.004138000000001x}']) {
      expect(found(leak, raw), leak).toContain('customer.mobile/whole');
    }
  });
});

describe('scanForRawValues: pieces a mask does not show', () => {
  it('lets a mobile masked as the policy says through, and finds one masked a digit too loosely', () => {
    const raw = { 'customer.mobile': ['13912345678'] };
    expect(found('mobile_masked\t139****5678', raw)).toEqual([]);
    expect(found('mobile_masked\t1391***5678', raw)).toEqual([]);
    // Seven leading digits: "139123" and "391234" are pieces the mask never shows.
    expect(found('mobile_masked\t1391234*678', raw)).toEqual(['customer.mobile/piece']);
  });

  it('lets an ID number show its region prefix and last four, never a birth-date digit', () => {
    const raw = { 'customer.idNumber': ['11010519860307002X'] };
    expect(found('110105********002X', raw)).toEqual([]);
    expect(found('1101051986****002X', raw)).toEqual(['customer.idNumber/piece']);
    expect(found('evidence: ***19860307***', raw)).toEqual(['customer.idNumber/piece']);
  });

  it('lets an e-mail show its first letter and domain, not more of the local part', () => {
    const raw = { 'customer.email': ['zhangwei1986@example.cn'] };
    expect(found('z***@example.cn', raw)).toEqual([]);
    expect(found('zhan***@example.cn', raw)).toEqual([]);
    expect(found('zhangw***@example.cn', raw)).toEqual(['customer.email/piece']);
    expect(found('***1986@example.cn', raw)).toEqual(['customer.email/piece']);
  });

  it('lets an address show its district, not the street', () => {
    const raw = { 'customer.address': ['北京市朝阳区建国路88号3栋2单元1201'] };
    expect(found('北京市朝阳区', raw)).toEqual([]);
    expect(found('北京市朝阳区建国路', raw)).toEqual(['customer.address/piece']);
    expect(found('建国路88号', raw)).toEqual(['customer.address/piece']);
  });

  it('lets a USCC show its first 8 and check pair, not the organization code', () => {
    const raw = { 'customer.uscc': ['91110105MA01ABCD1X'] };
    expect(found('91110105********1X', raw)).toEqual([]);
    expect(found('91110105MA******1X', raw)).toEqual(['customer.uscc/piece']);
  });

  it('lets a birth date show its year only', () => {
    const raw = { 'customer.birthDate': ['1986-03-07'] };
    expect(found('age_band 30-39, 1986', raw)).toEqual([]);
    expect(found('born **86-03-07', raw)).toEqual(['customer.birthDate/piece']);
    expect(found('born 1986-03', raw)).toEqual(['customer.birthDate/piece']);
  });

  it('finds every piece of a redacted field', () => {
    const raw = { 'customer.workUnit': ['上海华信科技有限公司'], customerId: ['C000123'] };
    expect(found('work_unit ***', raw)).toEqual([]);
    expect(found('华信科技有限', raw)).toEqual(['customer.workUnit/piece']);
    expect(found('see customer 000123', raw)).toEqual(['customerId/piece']);
  });

  it('treats a key that is no classified field as redacted', () => {
    expect(found('x 391234 y', { labels: ['13912345678'] })).toEqual(['labels/piece']);
  });

  it('looks for WHOLE_VALUE_ONLY fields whole only, and says why', () => {
    const raw = { 'customer.health': ['{"declared":true}'] };
    expect(found('"declared" is a word', raw)).toEqual([]);
    expect(found('{"health":{"declared":true}}', raw)).toEqual(['customer.health/whole']);
    for (const [field, reason] of Object.entries(WHOLE_VALUE_ONLY)) {
      expect(Object.keys(FIELD_POLICY)).toContain(field);
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});

describe('scanForRawValues: what is not evidence', () => {
  it('does not count a piece that the policy shows for some other value (a region code)', () => {
    // 110105 is the region prefix every masked ID from 朝阳区 shows; here it is also inside a mobile.
    const raw = { 'customer.mobile': ['13110105678'], 'customer.idNumber': ['11010519860307002X'] };
    expect(found('110105********002X', raw)).toEqual([]);
    expect(planScan(raw).stats['customer.mobile']).toMatchObject({ public: 1 });
    // The mobile's other pieces still count.
    expect(found('311010', raw)).toEqual(['customer.mobile/piece']);
  });

  it('does not look inside sealed vault values, whose random base64 can spell a short value, and looks everywhere else', () => {
    const raw = { 'customer.name': ['test'], 'customer.mobile': ['13912345678'] };
    const sealed = new VaultCipher(Buffer.alloc(32, 7)).sealJson({ name: 'test', mobile: '13912345678' }, 'token-1');
    // Ciphertext of this form once spelled "test" in a CI run's state tables.
    const spelled = `v1.0a1b2c3d.QmFzZTY0testZm9y13912345678IGV4YW1wbGUk=`;
    expect(found(`vault\t${sealed}\n{"sealed":"${spelled}"}`, raw)).toEqual([]);
    expect(found(`vault\t${sealed}\tname test`, raw)).toEqual(['customer.name/whole']);
    expect(found(`"${spelled.replace('v1.', 'v2.')}"`, raw)).toEqual(['customer.mobile/whole', 'customer.name/whole']);
  });

  it('does not look for pieces inside tokens, hashes, timestamps, event ids, batch ids and JSON numbers', () => {
    const raw = { 'customer.mobile': ['13912345678'], 'customer.birthDate': ['1986-11-02'], customerId: ['C000123'] };
    const machine = [
      `token\t0a1b2c3d391234aa5566778899aabbcc`,
      `sha\t${'9'.repeat(10)}391234f${'e'.repeat(47)}`,
      `at\t2026-11-02 09:00:00.000\t2026-11-02T01:00:00.000Z\t2026-11-02`,
      `event\tcore-banking-000123456`,
      `batch\tfile:stream.jsonl:139123-139124:0123456789abcdef`,
      `{"level":30,"time":1796139123456,"events":391234}`,
    ].join('\n');
    expect(found(machine, raw)).toEqual([]);
    // The same digits as free text are a leak.
    expect(found('note: 391234', raw)).toEqual(['customer.mobile/piece']);
    expect(found('note: -11-02', raw)).toEqual(['customer.birthDate/piece']);
  });

  it('does not count a piece wedged inside another ASCII word or number', () => {
    const raw = { 'customer.email': ['zhanghaofeng@example.org'], 'customer.mobile': ['13912345678'] };
    // "hangha" is in both; Shanghai is the product's time zone, not this address.
    expect(found('Open issues due soonest (Asia/Shanghai)', raw)).toEqual([]);
    expect(found('size 8391234007', raw)).toEqual([]);
    // Grown as far as it agrees with the value, a leak ends at stars, quotes or punctuation.
    expect(found('"zhangh***@example.org"', raw)).toEqual(['customer.email/piece']);
    expect(found('mobile=1391234', raw)).toEqual(['customer.mobile/piece']);
  });

  it('counts a piece of Chinese text wherever it sits: Chinese has no word boundaries', () => {
    const raw = { 'customer.address': ['北京市朝阳区建国路88号3栋2单元1201'] };
    expect(found('客户说地址在建国路88号附近', raw)).toEqual(['customer.address/piece']);
  });

  it('blanks strings the caller names as machine-made', () => {
    const raw = { 'customer.mobile': ['13912345678'] };
    expect(found('/tmp/verity-391234/data', raw)).toEqual(['customer.mobile/piece']);
    expect(found('/tmp/verity-391234/data', raw, ['/tmp/verity-391234'])).toEqual([]);
  });

  it('keeps positions: blanking replaces characters one for one, and leaves digit-only runs', () => {
    const text = `a 2026-11-02 b 0123456789abcdef0123 c 13912345678901234567 d`;
    const blanked = blankMachineStrings(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked).toContain(' 13912345678901234567 ');
    expect(blanked).not.toContain('2026');
    expect(blanked).not.toContain('0123456789abcdef');
  });
});

describe('the masks show nothing the policy statement in shownParts does not allow', () => {
  // The scan's allowance must not exceed what the real masks print; if a mask were changed to show
  // less, this still holds, and if the statement here grew, it would fail.
  const samples: [string, string][] = [
    ['customer.mobile', '+86 139-1234-5678'],
    ['customer.mobile', '13912345678'],
    ['customer.landline', '010-62345678-801'],
    ['customer.landline', '(0755)88881234'],
    ['customer.idNumber', '11010519860307002x'],
    ['customer.idNumber', '110105860307002'],
    ['customer.bankAccounts[].number', '6222 0212 3456 7890 123'],
    ['customer.email', 'zhangwei1986@Example.cn'],
    ['customer.address', '北京市朝阳区建国路88号3栋2单元1201'],
    ['customer.address', '广东省深圳市南山区科技园路1号'],
    ['customer.uscc', '91110105MA01ABCD1X'],
    ['customer.uscc', '91110105MA01ABCD1'],
    ['customer.birthDate', '1986-03-07'],
    ['customer.name', '欧阳娜娜'],
  ];
  it.each(samples)('%s', (field, value) => {
    const masked = maskValueForField(field, value);
    const mask = FIELD_POLICY[field as keyof typeof FIELD_POLICY].mask;
    const shown = shownParts(mask, value).filter((p) => p !== '');
    // Every run of visible characters in the mask output (apart from the separators masks add)
    // is inside one shown part.
    for (const run of masked.split(/\*+|-/).filter((r) => r.length > 0)) {
      expect(shown.some((p) => p.includes(run)), `${field}: "${run}" shown by the mask`).toBe(true);
    }
  });
});
