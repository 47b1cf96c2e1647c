// Splits a mainland-style Chinese address into its administrative levels without a full gazetteer:
// province-level names are a closed list, lower levels are recognised by their suffixes.
import { PROVINCE_CODES } from './cn-regions.ts';

export interface ParsedCnAddress {
  /** Canonical GB/T 2260 name, also when the address used the short form (广东 → 广东省). */
  province?: string;
  /** As written; for a municipality or SAR, the same as `province`. */
  city?: string;
  /** As written; for a city without districts (东莞市) or a county-level unit under the province, the same as `city`. */
  district?: string;
  /** Street, building, unit and anything else after the recognised levels. */
  rest: string;
}

type ProvinceKind = 'province' | 'municipality' | 'sar';

interface ProvinceEntry {
  readonly name: string;
  readonly short: string;
  readonly kind: ProvinceKind;
}

const MUNICIPALITIES = new Set(['11', '12', '31', '50']);
const SARS = new Set(['81', '82']);

function shortName(name: string): string {
  return name.replace(/(?:壮族|回族|维吾尔)?自治区$|特别行政区$|省$|市$/u, '');
}

// Longest names first so 黑龙江省 is never read as a shorter prefix.
const PROVINCES: readonly ProvinceEntry[] = Object.entries(PROVINCE_CODES)
  .map(([code, name]) => ({
    name,
    short: shortName(name),
    kind: (MUNICIPALITIES.has(code) ? 'municipality' : SARS.has(code) ? 'sar' : 'province') as ProvinceKind,
  }))
  .sort((a, b) => b.name.length - a.name.length);

// Cities that have no districts: the city itself is the district level.
const CITIES_WITHOUT_DISTRICTS = new Set(['东莞市', '中山市', '儋州市', '嘉峪关市']);

// County-level units administered directly by the province (省直辖县级行政单位): no prefecture between.
const PROVINCE_ADMINISTERED_COUNTIES = [
  '济源市',
  '仙桃市', '潜江市', '天门市', '神农架林区',
  '五指山市', '琼海市', '文昌市', '万宁市', '东方市', '定安县', '屯昌县', '澄迈县', '临高县',
  '白沙黎族自治县', '昌江黎族自治县', '乐东黎族自治县', '陵水黎族自治县', '保亭黎族苗族自治县',
  '琼中黎族苗族自治县',
  '石河子市', '阿拉尔市', '图木舒克市', '五家渠市', '北屯市', '铁门关市', '双河市', '可克达拉市',
  '昆玉市', '胡杨河市', '新星市', '白杨市',
];

// Hong Kong and Macau addresses name an area rather than a district after the SAR.
const SAR_AREAS = ['香港岛', '九龙', '新界', '澳门半岛', '氹仔', '路环'];

// A division name never contains digits, Latin letters, punctuation, a higher level's suffix (省, 市)
// or these street-level words. 路 and 市 start a few real names (路南区, 市中区), handled below.
const NAME_CHAR = String.raw`[^\s\p{N}\p{P}\p{S}A-Za-zＡ-Ｚａ-ｚ省市号街弄巷室栋幢楼路]`;
const FIRST_CHAR = String.raw`(?:${NAME_CHAR}|路(?=[南北桥])|市(?=[中南北]))`;
// 楼 is a street-level word except in a district name such as 鼓楼区 (Nanjing, Fuzhou, Xuzhou, Kaifeng).
const DISTRICT_CHAR = String.raw`(?:${NAME_CHAR}|楼(?=区))`;

const CITY_PATTERNS = [
  new RegExp(`^${NAME_CHAR}{1,10}?自治州`, 'u'),
  // 州 alone (延边州) but not the 州 inside 苏州市.
  new RegExp(`^${NAME_CHAR}{1,5}?(?:地区|盟|市|州(?!市))`, 'u'),
];

const DISTRICT_PATTERNS = [
  new RegExp(`^${FIRST_CHAR}${NAME_CHAR}{0,13}?自治[县旗]`, 'u'),
  new RegExp(`^${FIRST_CHAR}${DISTRICT_CHAR}{0,7}?[区县旗]`, 'u'),
  // County-level cities have short names; a longer run ending in 市 is more likely a shop (超市).
  new RegExp(`^${FIRST_CHAR}${NAME_CHAR}{0,3}?市`, 'u'),
];

function firstMatch(patterns: readonly RegExp[], text: string): string | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

function skipSpaces(text: string): string {
  return text.replace(/^[\s\u3000]+/u, '');
}

function matchCity(text: string): string | undefined {
  return firstMatch(CITY_PATTERNS, text);
}

function matchDistrict(text: string): string | undefined {
  return firstMatch(DISTRICT_PATTERNS, text);
}

function matchProvince(text: string): { entry: ProvinceEntry; length: number; short: boolean } | undefined {
  for (const entry of PROVINCES) {
    if (text.startsWith(entry.name)) return { entry, length: entry.name.length, short: false };
  }
  for (const entry of PROVINCES) {
    if (entry.kind === 'sar' && text.startsWith(`${entry.short}特区`)) {
      return { entry, length: entry.short.length + 2, short: false };
    }
  }
  const byShort = [...PROVINCES].sort((a, b) => b.short.length - a.short.length);
  for (const entry of byShort) {
    if (text.startsWith(entry.short)) return { entry, length: entry.short.length, short: true };
  }
  return undefined;
}

function build(parts: Omit<ParsedCnAddress, 'rest'>, rest: string): ParsedCnAddress {
  const result: ParsedCnAddress = { rest: rest.trim() };
  if (parts.province !== undefined) result.province = parts.province;
  if (parts.city !== undefined) result.city = parts.city;
  if (parts.district !== undefined) result.district = parts.district;
  return result;
}

/** City and district below a province (or with no province at all). */
function parseBelowProvince(text: string, province: string | undefined): ParsedCnAddress | undefined {
  const direct = PROVINCE_ADMINISTERED_COUNTIES.find((name) => text.startsWith(name));
  if (direct) return build({ province, city: direct, district: direct }, text.slice(direct.length));

  const city = matchCity(text);
  if (city === undefined) {
    const district = matchDistrict(text);
    if (district === undefined) return undefined;
    return build({ province, district }, text.slice(district.length));
  }
  const afterCity = skipSpaces(text.slice(city.length));
  const district = matchDistrict(afterCity);
  if (district !== undefined) return build({ province, city, district }, afterCity.slice(district.length));
  if (CITIES_WITHOUT_DISTRICTS.has(city)) return build({ province, city, district: city }, afterCity);
  return build({ province, city }, afterCity);
}

/** District below a municipality or SAR, which is its own city level. */
function parseBelowMunicipality(text: string, entry: ProvinceEntry, short: boolean): ParsedCnAddress | undefined {
  let rest = text;
  // Upstream forms often repeat the city (北京市北京市) or carry the GB/T 2260 placeholder 市辖区.
  for (const filler of [entry.name, '市辖区']) {
    if (rest.startsWith(filler)) rest = skipSpaces(rest.slice(filler.length));
  }
  const district = matchDistrict(rest);
  const parts = { province: entry.name, city: entry.name };
  if (district !== undefined) return build({ ...parts, district }, rest.slice(district.length));
  if (short && !(entry.kind === 'sar' && SAR_AREAS.some((area) => rest.startsWith(area)))) return undefined;
  return build(parts, rest);
}

export function parseCnAddress(address: string): ParsedCnAddress {
  const text = address.trim();
  const province = matchProvince(text);
  if (province) {
    const below = skipSpaces(text.slice(province.length));
    const { entry, short } = province;
    const parsed =
      entry.kind === 'province'
        ? parseBelowProvince(below, entry.name)
        : parseBelowMunicipality(below, entry, short);
    // A short name (北京, 广东) is only a province when a lower level follows: 北京路 is a street.
    if (parsed && (!short || parsed.city !== undefined || parsed.district !== undefined)) return parsed;
    if (!short) return build({ province: entry.name }, below);
  }
  return parseBelowProvince(text, undefined) ?? build({}, text);
}
