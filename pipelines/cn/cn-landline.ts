// Mainland fixed-line numbers: trunk prefix 0 + area code, then a 7–8 digit local number that never
// starts with 0 (trunk prefix) or 1 (special services and mobiles).

export interface LandlineOptions {
  readonly minLocalLength: number;
  readonly maxLocalLength: number;
}

export const DEFAULT_LANDLINE_OPTIONS: LandlineOptions = Object.freeze({ minLocalLength: 7, maxLocalLength: 8 });

export type LandlineFailure =
  | 'bad-character'
  | 'missing-area-code'
  | 'bad-area-code'
  | 'bad-length'
  | 'bad-local-number';

export interface ParsedLandline {
  /** With the leading 0, e.g. 010, 0755. */
  readonly areaCode: string;
  readonly local: string;
  readonly extension?: string;
}

export type LandlineResult = ({ readonly ok: true } & ParsedLandline) | { readonly ok: false; readonly reason: LandlineFailure };

// 010 and 020–029 are the only 2-digit area codes; every other one has 3 digits, which is what makes
// a run of digits without separators unambiguous.
const AREA_CODE = /^(010|02\d|0[3-9]\d\d)/u;
const EXTENSION_MARKER = /(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$/iu;

function parseDigits(digits: string, options: LandlineOptions): LandlineResult {
  if (!digits.startsWith('0')) return { ok: false, reason: 'missing-area-code' };
  const areaCode = AREA_CODE.exec(digits)?.[1];
  if (areaCode === undefined) return { ok: false, reason: 'bad-area-code' };
  const local = digits.slice(areaCode.length);
  if (local.length < options.minLocalLength || local.length > options.maxLocalLength) return { ok: false, reason: 'bad-length' };
  if (/^[01]/u.test(local)) return { ok: false, reason: 'bad-local-number' };
  return { ok: true, areaCode, local };
}

export function validateLandline(value: string, options: LandlineOptions = DEFAULT_LANDLINE_OPTIONS): LandlineResult {
  let text = value.normalize('NFKC').trim();
  let extension: string | undefined;
  const marked = EXTENSION_MARKER.exec(text);
  if (marked) {
    extension = marked[1];
    text = text.slice(0, marked.index).trim();
  }

  let international = false;
  const country = /^(?:\(\s*\+?86\s*\)|(?:\+|00)86|86(?=[\s\-(]))/u.exec(text);
  if (country) {
    international = true;
    text = text.slice(country[0].length);
  }

  const groups = text.split(/[\s\-()]+/u).filter((group) => group !== '');
  if (groups.length === 0 || !groups.every((group) => /^\d+$/u.test(group))) return { ok: false, reason: 'bad-character' };
  // Dialled from abroad the trunk 0 is dropped (+86 10 …), though some writers keep it.
  const withTrunk = (digits: string): string => (international && !digits.startsWith('0') ? `0${digits}` : digits);

  const whole = parseDigits(withTrunk(groups.join('')), options);
  if (whole.ok) return extension === undefined ? whole : { ...whole, extension };
  // A trailing dash group is an extension (010-62345678-123) when the rest is a complete number.
  const last = groups.at(-1) ?? '';
  if (extension === undefined && groups.length >= 2 && last.length <= 6 && /-\s*\d+$/u.test(text)) {
    const withoutLast = parseDigits(withTrunk(groups.slice(0, -1).join('')), options);
    if (withoutLast.ok) return { ...withoutLast, extension: last };
  }
  return whole;
}
