// Plausible, Chinese-looking and entirely made-up field values as fast-check arbitraries: names from
// the generator's character tables, IDs, cards and USCCs with the real check digits (sometimes the
// wrong one, so rules fire), addresses in real districts. Nothing is a real person's data. Values
// must look real because the rules, masks and the calendar only reach their deep branches on
// values that almost pass.
import fc from 'fast-check';
import { CARD_PRODUCTS, CORPORATE_ACCOUNT_SHAPES } from '../../pipelines/generate/data/banks.ts';
import { GIVEN_FEMALE, GIVEN_MALE, SURNAMES } from '../../pipelines/generate/data/names.ts';
import { MOBILE_SEGMENTS } from '../../pipelines/generate/data/phones.ts';
import { REGIONS } from '../../pipelines/generate/data/regions.ts';
import { residentIdCheckCharacter } from '../../pipelines/cn/cn-resident-id.ts';
import { luhnCheckDigit } from '../../pipelines/cn/luhn.ts';
import { usccCheckCharacter } from '../../pipelines/cn/uscc.ts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
const hanzi = (table: readonly (readonly [string, string])[]) => fc.constantFrom(...table.map(([h]) => h));

/** YYYY-MM-DD between two years, real calendar dates only. */
export function isoDate(fromYear: number, toYear: number): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date(Date.UTC(fromYear, 0, 1)), max: new Date(Date.UTC(toYear, 11, 31)), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
}

// Offsets producers really send, the extremes of the range included.
const OFFSETS = ['Z', '+08:00', '+00:00', '-00:00', '-05:00', '+05:30', '+09:45', '+14:00', '-12:00', '-08:00'] as const;

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** An ISO instant with an explicit offset, as the contract requires, in various precisions. */
export function isoInstant(fromYear: number, toYear: number): fc.Arbitrary<string> {
  return fc
    .record({
      ms: fc.integer({ min: Date.UTC(fromYear, 0, 1), max: Date.UTC(toYear, 11, 31, 23, 59, 59, 999) }),
      offset: fc.constantFrom(...OFFSETS),
      fraction: fc.constantFrom(0, 0, 3, 6, 9),
    })
    .map(({ ms, offset, fraction }) => instantText(ms, offset, fraction));
}

/** `ms` written in `offset` with `fraction` decimals (0–9). */
export function instantText(ms: number, offset: string, fraction: number): string {
  const local = new Date(ms + offsetMinutes(offset) * 60_000).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const millis = local.slice(20, 23);
  const frac = fraction === 0 ? '' : `.${`${millis}000000`.slice(0, fraction)}`;
  return `${local.slice(0, 19)}${frac}${offset}`;
}

export const personName: fc.Arbitrary<string> = fc
  .tuple(hanzi(SURNAMES), fc.oneof(hanzi(GIVEN_MALE), hanzi(GIVEN_FEMALE)), fc.option(fc.oneof(hanzi(GIVEN_MALE), hanzi(GIVEN_FEMALE)), { nil: '' }))
  .map(([s, g1, g2]) => s + g1 + g2);

const COMPANY_WORDS = ['华', '信', '达', '通', '恒', '瑞', '远', '泰', '丰', '创', '科', '腾', '安', '盛'] as const;
const COMPANY_KINDS = ['科技有限公司', '贸易有限公司', '建设集团有限公司', '咨询服务中心', '实业股份有限公司'] as const;
export const companyName: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...REGIONS.map((r) => r.city.replace(/市$/, ''))), fc.array(fc.constantFrom(...COMPANY_WORDS), { minLength: 2, maxLength: 3 }), fc.constantFrom(...COMPANY_KINDS))
  .map(([city, words, kind]) => city + words.join('') + kind);

/** An 18-character resident ID: usually valid, sometimes with a wrong check character or birth date. */
export const residentId: fc.Arbitrary<string> = fc
  .record({
    region: fc.constantFrom(...REGIONS.map((r) => r.code)),
    birth: isoDate(1930, 2012),
    seq: fc.integer({ min: 0, max: 999 }),
    flaw: fc.constantFrom('none', 'none', 'none', 'check', 'date'),
  })
  .map(({ region, birth, seq, flaw }) => {
    const date = flaw === 'date' ? `${birth.slice(0, 4)}1332` : birth.replaceAll('-', '');
    const payload = `${region}${date}${pad(seq, 3)}`;
    const check = residentIdCheckCharacter(payload);
    return payload + (flaw === 'check' ? (check === '1' ? '2' : '1') : check);
  });

export const passport: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('E', 'G', 'EA'), digits(8)).map(([p, d]) => p + d);

export const mobile: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...MOBILE_SEGMENTS), digits(8)).map(([s, d]) => s + d) },
  // Written the ways people type them, and short or placeholder ones the rules must flag.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...MOBILE_SEGMENTS), digits(4), digits(4)).map(([s, a, b]) => `+86 ${s}-${a}-${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('13800000000', '12345678901', '1391234', '110') },
);

export const landline: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...REGIONS), fc.integer({ min: 2, max: 8 }))
  .chain(([region, first]) => digits(region.localDigits - 1).map((rest) => `${region.areaCode}-${first}${rest}`));

const PINYIN = ['wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wei', 'fang', 'min', 'jing'] as const;
export const email: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...PINYIN), fc.constantFrom(...PINYIN), fc.integer({ min: 1, max: 999 }), fc.constantFrom('example.cn', 'example.com.cn', 'mail.example'))
    .map(([a, b, n, d]) => `${a}.${b}${n}@${d}`),
  fc.constantFrom('no-at-sign.example.cn', 'a@b', '@example.cn'),
);

const ROADS = ['中山路', '人民大道', '解放西路', '建设北街', '长安街', '和平里', '滨江大道'] as const;
export const address: fc.Arbitrary<string> = fc
  .record({
    region: fc.constantFrom(...REGIONS),
    road: fc.constantFrom(...ROADS),
    no: fc.integer({ min: 1, max: 999 }),
    unit: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    partial: fc.boolean(),
  })
  .map(({ region, road, no, unit, partial }) => {
    const head = region.province === region.city ? region.city : region.province + region.city;
    const place = `${region.district}${road}${no}号${unit === undefined ? '' : `${unit}单元`}`;
    return partial ? place : head + place;
  });

export const postcode: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...REGIONS.map((r) => r.postcode)), digits(6));

/** A card with its Luhn digit (or the wrong one), or a corporate account without one. */
export const bankAccountNumber: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...CARD_PRODUCTS), fc.boolean()).chain(([card, wrong]) =>
    digits(card.length - card.bin.length - 1).map((mid) => {
      const payload = card.bin + mid;
      const check = luhnCheckDigit(payload);
      return payload + (wrong ? String((Number(check) + 1) % 10) : check);
    }),
  ),
  fc.constantFrom(...CORPORATE_ACCOUNT_SHAPES).chain((shape) => digits(shape.length - shape.prefix.length).map((rest) => shape.prefix + rest)),
);

export const bankName: fc.Arbitrary<string> = fc.constantFrom('中国工商银行', '中国农业银行', '中国银行', '中国建设银行', '招商银行', '交通银行');

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const uscc: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('91', '92', '11', '52'), fc.constantFrom(...REGIONS.map((r) => r.code)), fc.array(fc.constantFrom(...USCC_ALPHABET), { minLength: 9, maxLength: 9 }), fc.boolean())
  .map(([head, region, body, wrong]) => {
    const payload = head + region + body.join('');
    const check = usccCheckCharacter(payload);
    return payload + (wrong ? USCC_ALPHABET[(USCC_ALPHABET.indexOf(check) + 1) % 31] : check);
  });

export const registeredCapital: fc.Arbitrary<number | string> = fc.oneof(
  fc.integer({ min: 10_000, max: 500_000_000 }),
  fc.integer({ min: 10_000, max: 500_000_000 }).map((n) => `${n}.00`),
  fc.constantFrom('1000万元', '伍佰万'),
);

/** One Chinese-looking character: strings of fields without a more specific hint (a new contract field) are made of them. */
export const cjkChar: fc.Arbitrary<string> = fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCharCode(c));

export const nationality = fc.constantFrom('CHN', '中国', 'HKG', 'USA');
export const ethnicity = fc.constantFrom('汉族', '回族', '满族', '壮族', '维吾尔族');
export const occupation = fc.constantFrom('1-01', '2-02', '4-07', '教师', '工程技术人员', '个体');
export const channel = fc.constantFrom('银保', '个险', '电销', '网销', '团险');
export const businessScope = fc.constantFrom('技术开发、技术咨询', '货物进出口', '建筑工程施工', '企业管理咨询');
export const policyId = fc.integer({ min: 1, max: 99_999_999 }).map((n) => `P${pad(n, 10)}`);
export const agentId = fc.integer({ min: 1, max: 400 }).map((n) => `A-FZ-${pad(n, 4)}`);
