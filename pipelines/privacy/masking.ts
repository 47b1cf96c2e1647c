// Display masks: what a person without a reveal grant may see of a sensitive value (domain §7).
// Every mask hides at least four characters, so a short or malformed value never comes out whole,
// and a blank value masks to '' so "absent" stays distinguishable from "present but hidden".
import { parsedAddress, type EventMemo } from '../cn/event-memo.ts';
import { normaliseBankAccount, normaliseIdNumber, normaliseMobile } from './normalise.ts';

const HIDDEN = '****';
/** Fewest characters a mask hides by default; below head + tail + this, the kept ends shrink. */
const MIN_HIDDEN = 4;
/** Evidence is a hint for a steward, not a copy of the record. */
const MAX_FREE_TEXT = 200;

/** Code points, so a name outside the BMP (𠮷) is never cut in half. */
function chars(value: string): string[] {
  return Array.from(value);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether every UTF-16 code unit of `value` is a whole character, so that string indices and
 * lengths count characters: true for nearly every value (Chinese included; not 𠮷), and then the
 * masks below slice the string instead of splitting it into an array of characters first.
 */
function unitsAreChars(value: string): boolean {
  return !SURROGATE.test(value);
}

/** The first character (code point) of a non-empty string, and whether it is the only one. */
function firstChar(value: string): { readonly first: string; readonly only: boolean } {
  const width = (value.codePointAt(0) ?? 0) > 0xffff ? 2 : 1;
  return { first: value.slice(0, width), only: value.length === width };
}

/** The first `max` characters (code points), whole. */
export function firstChars(value: string, max: number): string {
  // A string of at most `max` code units has at most `max` code points: nothing to cut.
  if (value.length <= max) return value;
  if (unitsAreChars(value)) return value.slice(0, max);
  return chars(value).slice(0, max).join('');
}

/**
 * Keeps up to `head` leading and `tail` trailing characters around `stars`. When fewer than
 * MIN_HIDDEN characters would stay hidden, the head shrinks first (the tail is what people
 * recognise a number by), then the tail.
 */
function keepEnds(value: string, head: number, tail: number, stars = HIDDEN, minHidden = MIN_HIDDEN): string {
  const all = unitsAreChars(value) ? undefined : chars(value);
  const length = all === undefined ? value.length : all.length;
  if (length === 0) return '';
  let keepHead = head;
  let keepTail = tail;
  while (keepHead + keepTail > length - minHidden && keepHead + keepTail > 0) {
    if (keepHead > 0) keepHead--;
    else keepTail--;
  }
  if (all === undefined) return value.slice(0, keepHead) + stars + value.slice(length - keepTail);
  return all.slice(0, keepHead).join('') + stars + all.slice(all.length - keepTail).join('');
}

/** 张伟 → 张*, 欧阳娜娜 → 欧*: one star whatever the length, so the length is not given away. */
export function maskName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return '';
  const { first, only } = firstChar(trimmed);
  if (only) return '*';
  return `${first}*`;
}

/** 13912345678 / +86 139-1234-5678 → 139****5678. */
export function maskMobile(mobile: string): string {
  return keepEnds(normaliseMobile(mobile), 3, 4);
}

/**
 * 010-62345678 → 010-****78, 0755-8888 1234 → 0755-****34. The area code only names a city; two
 * trailing digits are enough for a steward to tell two numbers apart. An extension (-123) is
 * dropped: it identifies a desk. Without a recognisable area code only the last two digits show.
 */
export function maskLandline(landline: string): string {
  const trimmed = landline.trim();
  if (trimmed === '') return '';
  const withoutExtension = trimmed.replace(/(?:\s*(?:转|ext\.?|x|#)\s*\d+|(?<=\d{7,})-\d{1,6})$/i, '');
  let digits = normaliseMobile(withoutExtension).replace(/\D/g, '');
  // Dialled from abroad the trunk 0 is dropped (+86 10 …); put it back so the area code reads as usual.
  if (/^(?:\+|00)86/.test(withoutExtension.replace(/\s/g, '')) && !digits.startsWith('0')) digits = `0${digits}`;
  const areaLength = /^0(?:10|2\d)/.test(digits) ? 3 : /^0[3-9]\d{2}/.test(digits) ? 4 : 0;
  const local = digits.slice(areaLength);
  if (areaLength === 0 || local.length < 5) return keepEnds(digits || trimmed, 0, 2);
  return `${digits.slice(0, areaLength)}-${keepEnds(local, 0, 2)}`;
}

/**
 * 18-character resident ID → region prefix + 8 stars + sequence and check (110105********002X):
 * never a birth-date digit. The 15-digit form keeps only its 3-digit sequence, because its 4th
 * last digit is the day of birth. Anything else (passports, malformed numbers) may embed a date
 * anywhere, so nothing of it is shown.
 */
export function maskIdNumber(idNumber: string): string {
  const id = normaliseIdNumber(idNumber);
  if (id === '') return '';
  if (/^\d{17}[\dX]$/.test(id)) return `${id.slice(0, 6)}********${id.slice(14)}`;
  if (/^\d{15}$/.test(id)) return `${id.slice(0, 6)}******${id.slice(12)}`;
  return HIDDEN;
}

/** Last four digits only (****1234), fewer for a short number. */
export function maskBankAccount(account: string): string {
  const digits = normaliseBankAccount(account);
  return keepEnds(digits === '' ? account.trim() : digits, 0, 4);
}

/**
 * Down to the district: 北京市海淀区中关村大街1号 → 北京市海淀区. Street, building and unit never
 * show. An address the parser cannot place shows nothing (***).
 */
export function maskAddress(address: string, memo?: EventMemo): string {
  if (address.trim() === '') return '';
  const { province, city, district } = parsedAddress(address, memo);
  // The parser repeats the level above for municipalities (北京市/北京市) and district-less cities.
  const levels: string[] = [];
  for (const level of [province, city, district]) {
    if (level !== undefined && level !== levels[levels.length - 1]) levels.push(level);
  }
  return levels.length === 0 ? '***' : levels.join('');
}

/** zw@example.cn → z***@example.cn; a one-character local part shows no character. */
export function maskEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed === '') return '';
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return '***';
  const local = firstChar(trimmed.slice(0, at));
  const domain = trimmed.slice(at + 1).toLowerCase();
  return `${local.only ? '' : local.first}***@${domain}`;
}

/**
 * Unified social credit code (18 characters): the first 8 (registering authority, organization
 * type, region) and the check pair at the end stay; the 9-character organization code in the
 * middle, which names the organization, is hidden: 91110108********1X.
 */
export function maskUscc(uscc: string): string {
  const code = uscc.replace(/\s/g, '').toUpperCase();
  // However long the value, as many characters stay hidden as a well-formed code hides.
  return keepEnds(code, 8, 2, '********', 8);
}

/** 1986-03-07 → 1986: enough to check a birth date against an age rule, not to single anyone out. */
export function maskBirthDate(birthDate: string): string {
  const trimmed = birthDate.trim();
  if (trimmed === '') return '';
  const year = /^(\d{4})-\d{2}-\d{2}$/.exec(trimmed)?.[1];
  return year ?? '***';
}

/**
 * General free text (occupation, channel, business scope) is typed by people, and people paste
 * phone numbers and e-mail addresses into any box: runs of 5+ digits and e-mail-like words go.
 */
export function scrubFreeText(text: string): string {
  const scrubbed = text
    .normalize('NFKC')
    .replace(/[^\s@]+@[^\s@]+/g, '***@***')
    .replace(/\d[\d\s-]{3,}\d/g, (run) => (run.replace(/\D/g, '').length >= 5 ? '***' : run));
  return firstChars(scrubbed, MAX_FREE_TEXT);
}
