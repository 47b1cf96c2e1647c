// Valid identifiers built from the shared check-digit functions (never re-implemented here, so the
// generator and the rules agree on what "valid" means), and kept unique across the whole stream:
// cross-customer duplicates are a suspicious pattern of their own and must only appear when injected.
import { residentIdCheckCharacter } from '../cn/cn-resident-id.ts';
import { usccCheckCharacter } from '../cn/uscc.ts';
import { luhnCheckDigit } from '../cn/luhn.ts';
import type { Rng } from './rng.ts';
import type { Region } from './data/regions.ts';
import { CARD_PRODUCTS, CORPORATE_ACCOUNT_SHAPES } from './data/banks.ts';
import { MOBILE_SEGMENTS } from './data/phones.ts';

export type Gender = 'M' | 'F';

/**
 * True for digit strings a placeholder check could flag: four equal digits in a row or a run of
 * four consecutive ascending/descending digits. Stricter than the rule on purpose, so clean values
 * stay clear of it whatever its exact threshold.
 */
export function looksPlaceholder(digits: string): boolean {
  let same = 1;
  let up = 1;
  let down = 1;
  for (let i = 1; i < digits.length; i++) {
    const prev = digits.charCodeAt(i - 1);
    const cur = digits.charCodeAt(i);
    same = cur === prev ? same + 1 : 1;
    up = cur === prev + 1 ? up + 1 : 1;
    down = cur === prev - 1 ? down + 1 : 1;
    if (same >= 4 || up >= 4 || down >= 4) return true;
  }
  return false;
}

/** Every identifier handed out so far, per kind. */
export class IdentifierRegistry {
  readonly mobiles = new Set<string>();
  readonly residentIds = new Set<string>();
  readonly accounts = new Set<string>();
  readonly orgCodes = new Set<string>();
  readonly landlines = new Set<string>();
}

/** 11 digits on a real segment, unique in the stream, never placeholder-like. */
export function newMobile(rng: Rng, registry: IdentifierRegistry): string {
  for (;;) {
    const mobile = rng.pick(MOBILE_SEGMENTS) + rng.digits(8);
    if (looksPlaceholder(mobile) || registry.mobiles.has(mobile)) continue;
    registry.mobiles.add(mobile);
    return mobile;
  }
}

/** Local landline number (without area code), first digit 2–8 as in mainland numbering plans. */
export function newLocalNumber(rng: Rng, region: Region, registry: IdentifierRegistry): string {
  for (;;) {
    const local = String(rng.int(2, 8)) + rng.digits(region.localDigits - 1);
    const key = region.areaCode + local;
    if (looksPlaceholder(local) || registry.landlines.has(key)) continue;
    registry.landlines.add(key);
    return local;
  }
}

function sequenceFor(rng: Rng, gender: Gender): string {
  // The last sequence digit carries the gender: odd for men, even for women.
  const parityDigit = gender === 'M' ? rng.pick(['1', '3', '5', '7', '9']) : rng.pick(['0', '2', '4', '6', '8']);
  return rng.digits(2) + parityDigit;
}

/** The first 17 characters of an 18-character resident ID, unique in the stream. */
export function newResidentIdBody(
  rng: Rng,
  registry: IdentifierRegistry,
  region: Region,
  birthDate: string,
  gender: Gender,
): string {
  const birth = birthDate.replaceAll('-', '');
  for (;;) {
    const body = region.code + birth + sequenceFor(rng, gender);
    if (registry.residentIds.has(body)) continue;
    registry.residentIds.add(body);
    return body;
  }
}

export function withResidentIdCheck(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

/** Legacy 15-digit ID (before 1999): region, YYMMDD, 3-digit sequence whose last digit is the gender. */
export function legacyResidentId(rng: Rng, region: Region, birthDate: string, gender: Gender): string {
  return region.code + birthDate.slice(2).replaceAll('-', '') + sequenceFor(rng, gender);
}

const ORG_CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 organisation code: 8 characters and its own check character (0-9 or X). */
function newOrgCode(rng: Rng, registry: IdentifierRegistry): string {
  for (;;) {
    let body = '';
    // Mostly digits, as most issued codes are; a letter now and then.
    for (let i = 0; i < 8; i++) body += rng.chance(0.1) ? rng.pick([...ORG_CODE_CHARS.slice(10)]) : rng.digits(1);
    if (registry.orgCodes.has(body)) continue;
    registry.orgCodes.add(body);
    let sum = 0;
    for (let i = 0; i < 8; i++) {
      const ch = body.charAt(i);
      const value = ch >= '0' && ch <= '9' ? Number(ch) : ch.charCodeAt(0) - 55;
      sum += value * (ORG_CODE_WEIGHTS[i] ?? 0);
    }
    const check = 11 - (sum % 11);
    return body + (check === 10 ? 'X' : check === 11 ? '0' : String(check));
  }
}

/** USCC: registration authority 9 (market regulator), category 1 (enterprise) or 2 (individual business). */
export function newUsccBody(rng: Rng, registry: IdentifierRegistry, region: Region, individual: boolean): string {
  return `9${individual ? '2' : '1'}${region.code}${newOrgCode(rng, registry)}`;
}

export function withUsccCheck(first17: string): string {
  return first17 + usccCheckCharacter(first17);
}

export interface Card {
  readonly bank: string;
  /** Digits only, Luhn-valid. */
  readonly number: string;
}

/** A 62-prefixed UnionPay debit card with a valid Luhn digit, unique in the stream. */
export function newCard(rng: Rng, registry: IdentifierRegistry): Card {
  const product = rng.pick(CARD_PRODUCTS);
  for (;;) {
    const payload = product.bin + rng.digits(product.length - 7);
    const number = payload + luhnCheckDigit(payload);
    if (registry.accounts.has(number)) continue;
    registry.accounts.add(number);
    return { bank: product.bank, number };
  }
}

/** A corporate account: 12–19 digits, not 62-prefixed, last digit arbitrary (no Luhn applies). */
export function newCorporateAccount(rng: Rng, registry: IdentifierRegistry): Card {
  const shape = rng.pick(CORPORATE_ACCOUNT_SHAPES);
  for (;;) {
    const number = shape.prefix + rng.digits(shape.length - shape.prefix.length);
    if (registry.accounts.has(number)) continue;
    registry.accounts.add(number);
    return { bank: shape.bank, number };
  }
}
