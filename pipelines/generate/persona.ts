// Names, birth dates, addresses and e-mail addresses: the human-looking parts of a record.
import type { Rng } from './rng.ts';
import type { Gender } from './identifiers.ts';
import { GIVEN_FEMALE, GIVEN_MALE, SURNAMES } from './data/names.ts';
import { REGIONS, REGION_WEIGHTS, type Region } from './data/regions.ts';
import { BUILDINGS, CITY_STREETS, GENERIC_STREETS } from './data/streets.ts';
import { EMAIL_DOMAINS } from './data/misc.ts';
import { daysInMonth, formatDate } from './time.ts';

export interface PersonName {
  readonly name: string;
  readonly pinyin: readonly string[];
}

const REGION_CHOICES: readonly (readonly [Region, number])[] = REGIONS.map((r, i) => [r, REGION_WEIGHTS[i] ?? 1]);

export function pickRegion(rng: Rng): Region {
  return rng.weighted(REGION_CHOICES);
}

function pickSurname(rng: Rng): readonly [string, string] {
  // Frequent surnames dominate real name lists: half the draws come from the top twenty.
  return rng.chance(0.5) ? rng.pick(SURNAMES.slice(0, 20)) : rng.pick(SURNAMES);
}

export function personName(rng: Rng, gender: Gender): PersonName {
  const [surname, surnamePinyin] = pickSurname(rng);
  const pool = gender === 'M' ? GIVEN_MALE : GIVEN_FEMALE;
  const first = rng.pick(pool);
  if (rng.chance(0.35)) return { name: surname + first[0], pinyin: [surnamePinyin, first[1]] };
  const second = rng.pick(pool);
  return { name: surname + first[0] + second[0], pinyin: [surnamePinyin, first[1] + second[1]] };
}

/** A name guaranteed to differ from `other`: for a third party's account. */
export function otherPersonName(rng: Rng, other: string | undefined): PersonName {
  for (;;) {
    const candidate = personName(rng, rng.chance(0.5) ? 'M' : 'F');
    if (candidate.name !== other) return candidate;
  }
}

/** A birth date giving an age in [minAge, maxAge] on `onDate` (YYYY-MM-DD). */
export function birthDateForAge(rng: Rng, onDate: string, minAge: number, maxAge: number): string {
  const onYear = Number(onDate.slice(0, 4));
  for (;;) {
    const year = rng.int(onYear - maxAge - 1, onYear - minAge);
    const month = rng.int(1, 12);
    const day = rng.int(1, daysInMonth(year, month));
    const date = formatDate(year, month, day);
    const age = onYear - year - (onDate.slice(5) < date.slice(5) ? 1 : 0);
    if (age >= minAge && age <= maxAge) return date;
  }
}

function streetOf(rng: Rng, region: Region): string {
  const local = CITY_STREETS[region.city];
  return local && rng.chance(0.6) ? rng.pick(local) : rng.pick(GENERIC_STREETS);
}

/** Street, number, building, unit and room: the part after the district. */
export function homeStreetPart(rng: Rng, region: Region): string {
  const street = streetOf(rng, region);
  const no = rng.int(1, 399);
  const floor = rng.int(1, 32);
  const room = `${floor}${String(rng.int(1, 8)).padStart(2, '0')}`;
  return rng.weighted<string>([
    [`${street}${no}号${rng.int(1, 20)}栋${rng.int(1, 6)}单元${room}`, 50],
    [`${street}${no}号院${rng.int(1, 30)}号楼${room}室`, 25],
    [`${street}${no}弄${rng.int(1, 60)}号${room}室`, 25],
  ]);
}

export function officeStreetPart(rng: Rng, region: Region): string {
  return `${streetOf(rng, region)}${rng.int(1, 999)}号${rng.pick(BUILDINGS)}${rng.int(2, 45)}层`;
}

/** Province, city, district, then the street part; a municipality names itself once. */
export function fullAddress(region: Region, streetPart: string): string {
  const head = region.province === region.city ? region.city : region.province + region.city;
  return head + region.district + streetPart;
}

export function emailFor(rng: Rng, pinyin: readonly string[], birthYear: number | undefined): string {
  const [family = 'user', given = 'x'] = pinyin;
  const suffix = birthYear !== undefined && rng.chance(0.4) ? String(birthYear) : rng.chance(0.5) ? String(rng.int(10, 999)) : '';
  const local = rng.weighted<string>([
    [`${family}${given}${suffix}`, 50],
    [`${given}.${family}${suffix}`, 20],
    [`${family}_${given}${suffix}`, 15],
    [`${family.charAt(0)}${given}${suffix}`, 15],
  ]);
  return `${local}@${rng.pick(EMAIL_DOMAINS)}`;
}
