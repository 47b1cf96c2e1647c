// Values agents type in to get past a mandatory field (004 篇五 art. 11): stand-in names and phones.
import { normalizeMobile } from '../../pipelines/cn/cn-mobile.ts';

export const PLACEHOLDER_NAMES: readonly string[] = Object.freeze([
  '测试', '测试用户', '测试客户', '无', '未知', '不详', '暂无', '空', '某某', '匿名', '先生', '女士', '小姐',
  '客户', '本人', 'test', 'tester', 'xxx', 'xx', 'x', 'null', 'none', 'n/a', 'na', 'unknown', '-', '--', '.', '?',
]);

export const PLACEHOLDER_PHONES: readonly string[] = Object.freeze(['13800000000', '13900000000', '13800138000']);

export interface PlaceholderPhoneOptions {
  /** Exact numbers (mobiles, or landline local parts) known to be stand-ins. */
  readonly phones: readonly string[];
  /** One digit repeated over the whole number (11111111111, 88888888). */
  readonly repeatedDigit: boolean;
  /** Consecutive ascending or descending digits, wrapping 9→0 (12345678901, 98765432109). */
  readonly sequentialRun: boolean;
  /** Flag a number whose last N digits are one repeated digit (13811111111); 0 disables. */
  readonly repeatedTailLength: number;
}

export const DEFAULT_PLACEHOLDER_PHONE_OPTIONS: PlaceholderPhoneOptions = Object.freeze({
  phones: PLACEHOLDER_PHONES,
  repeatedDigit: true,
  sequentialRun: true,
  repeatedTailLength: 8,
});

const normalizeName = (name: string) => name.normalize('NFKC').trim().toLowerCase();

/** Each list's normalized names, computed on first use: lists (the built-in one, rule params) never change. */
const normalizedLists = new WeakMap<readonly string[], ReadonlySet<string>>();

export function isPlaceholderName(name: string, placeholders: readonly string[] = PLACEHOLDER_NAMES): boolean {
  let normalized = normalizedLists.get(placeholders);
  if (!normalized) normalizedLists.set(placeholders, (normalized = new Set(placeholders.map(normalizeName))));
  return normalized.has(normalizeName(name));
}

function isSequential(digits: string, step: 1 | -1): boolean {
  for (let i = 1; i < digits.length; i++) {
    if ((Number(digits[i - 1]) + step + 10) % 10 !== Number(digits[i])) return false;
  }
  return true;
}

/** `digits` is the number without separators: a national mobile number or a landline's local part. */
export function isPlaceholderPhone(
  digits: string,
  options: PlaceholderPhoneOptions = DEFAULT_PLACEHOLDER_PHONE_OPTIONS,
): boolean {
  if (!/^\d+$/u.test(digits)) return false;
  if (options.phones.includes(digits)) return true;
  if (options.repeatedDigit && /^(\d)\1*$/u.test(digits) && digits.length > 1) return true;
  if (options.sequentialRun && digits.length >= 6 && (isSequential(digits, 1) || isSequential(digits, -1))) return true;
  const tail = options.repeatedTailLength;
  return tail > 1 && digits.length >= tail && /^(\d)\1*$/u.test(digits.slice(-tail));
}

/**
 * A mobile as written (separators, +86, full-width digits) that is a stand-in. Malformed numbers
 * (other characters) are the format rules' findings, never this one's. The placeholder-value rule
 * flags these, and the shared-mobile rule counts no group on them (pipelines/quality/patterns/stand-ins.ts).
 */
export function isPlaceholderMobile(mobile: string, options: PlaceholderPhoneOptions = DEFAULT_PLACEHOLDER_PHONE_OPTIONS): boolean {
  const digits = normalizeMobile(mobile);
  return digits !== undefined && isPlaceholderPhone(digits, options);
}
