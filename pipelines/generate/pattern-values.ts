// How the pattern rules compare values, implemented here from the wording and nowhere
// imported from privacy/ or quality/: the ground truth is a second, independent statement of the
// rules, so a shared bug cannot make the pipeline and its truth agree by accident.

const FULL_WIDTH_FIRST = 0xff01;
const FULL_WIDTH_LAST = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;
const IDEOGRAPHIC_SPACE = 0x3000;
const NEEDS_FOLDING = /[\uff01-\uff5e\u3000]/;

/**
 * Full-width ASCII forms (`１３９`, `＋`, `－`) to their half-width letters, and the ideographic
 * space to a space: what Chinese input methods produce in place of plain digits and blanks.
 */
export function foldWidth(value: string): string {
  // Nearly every value has nothing to fold: it is returned as it is, without a copy.
  if (!NEEDS_FOLDING.test(value)) return value;
  let folded = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= FULL_WIDTH_FIRST && code <= FULL_WIDTH_LAST) folded += String.fromCharCode(code - FULL_WIDTH_OFFSET);
    else if (code === IDEOGRAPHIC_SPACE) folded += ' ';
    else folded += value.charAt(i);
  }
  return folded;
}

const SPACES_AND_DASHES = /[\s-]+/g;
const WHITESPACE = /\s+/g;
const COUNTRY_CODE = /^\+?86(\d{11})$/;
// Most values are already in their compared form; these let them through untouched.
const PLAIN_DIGITS = /^\d+$/;
const NATIONAL_MOBILE = /^\d{11}$/;
const BLANK_OR_FULL_WIDTH = /[\s\uff01-\uff5e]/;

/**
 * A mobile as `shared-mobile`, `agent-contact-reuse` and `frequent-mobile-change` compare it:
 * widths folded, spaces and dashes removed, and a leading +86 or 86 dropped when an 11-digit
 * number follows (a bare 86 before fewer digits is part of the number, not a country code).
 */
export function normaliseMobile(value: string): string {
  if (NATIONAL_MOBILE.test(value)) return value;
  const compact = foldWidth(value).replace(SPACES_AND_DASHES, '');
  return COUNTRY_CODE.exec(compact)?.[1] ?? compact;
}

/** An account number as `shared-bank-account` compares it: widths folded, spaces and dashes removed. */
export function normaliseAccount(value: string): string {
  if (PLAIN_DIGITS.test(value)) return value;
  return foldWidth(value).replace(SPACES_AND_DASHES, '');
}

/** An address as `agent-contact-reuse` compares it: widths folded, whitespace removed (it carries no meaning in Chinese text). */
export function normaliseAddress(value: string): string {
  if (!BLANK_OR_FULL_WIDTH.test(value)) return value;
  return foldWidth(value).replace(WHITESPACE, '');
}
