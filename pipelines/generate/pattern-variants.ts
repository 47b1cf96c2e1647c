// The ways one mobile, account number or address is written by different upstream systems and
// clerks. A pattern rule must see through every one of them, so each shared value is written in a
// different form by each of its holders. Every form here is clean for the per-record rules except
// the dashed account number (the account-format rule allows only digits and spaces), which is
// therefore declared as a defect wherever it is written.
import type { Region } from './data/regions.ts';

function toFullWidth(text: string): string {
  return text.replace(/[0-9+\-]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
}

/** The examples first, so even a handful of shared mobiles shows each of them. */
export const MOBILE_FORMS = [
  'plus86-spaced',
  'country-dash',
  'spaced',
  'full-width',
  'plain',
  'plus86-dashed',
  'plus86',
  'dashed',
] as const;
export type MobileForm = (typeof MOBILE_FORMS)[number];

/** `national` is an 11-digit mobile. */
export function writeMobile(national: string, form: MobileForm): string {
  const a = national.slice(0, 3);
  const b = national.slice(3, 7);
  const c = national.slice(7);
  switch (form) {
    case 'plus86-spaced':
      return `+86 ${a} ${b} ${c}`;
    case 'country-dash':
      return `86-${national}`;
    case 'spaced':
      return `${a} ${b} ${c}`;
    case 'full-width':
      return toFullWidth(national);
    case 'plain':
      return national;
    case 'plus86-dashed':
      return `+86 ${a}-${b}-${c}`;
    case 'plus86':
      return `+86${national}`;
    case 'dashed':
      return `${a}-${b}-${c}`;
  }
}

export const ACCOUNT_FORMS = ['grouped-spaces', 'grouped-dashes', 'plain'] as const;
export type AccountForm = (typeof ACCOUNT_FORMS)[number];

/** `digits` is an account number without separators. */
export function writeAccount(digits: string, form: AccountForm): string {
  switch (form) {
    case 'grouped-spaces':
      return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
    case 'grouped-dashes':
      return digits.replace(/(\d{4})(?=\d)/g, '$1-');
    case 'plain':
      return digits;
  }
}

/** Whether writing an account this way trips the account-format rule (a dash is not a digit or a space). */
export function accountFormTripsFormat(form: AccountForm): boolean {
  return form === 'grouped-dashes';
}

/** Blanks and full-width numbers together first, so even one reused address shows both. */
export const ADDRESS_FORMS = ['spaced-full-width', 'spaced-levels', 'full-width-numbers', 'padded'] as const;
export type AddressForm = (typeof ADDRESS_FORMS)[number];

/**
 * `address` is a clean generated address in `region` (persona.ts `fullAddress`). The levels stay
 * recognisable to an address parser: blanks only between levels and around the whole, full-width
 * digits only in the street part.
 */
export function writeAddress(address: string, region: Region, form: AddressForm): string {
  const head = region.province === region.city ? region.city : region.province + region.city;
  if (!address.startsWith(head + region.district)) throw new Error('an address variant needs an address of its own region');
  const street = address.slice(head.length + region.district.length);
  const levels = region.province === region.city ? [region.city, region.district] : [region.province, region.city, region.district];
  switch (form) {
    case 'spaced-levels':
      return `${levels.join(' ')} ${street}`;
    case 'full-width-numbers':
      return head + region.district + toFullWidth(street);
    case 'padded':
      return `\u3000${address} `;
    case 'spaced-full-width':
      return `${levels.join('\u3000')}\u3000${toFullWidth(street)}`;
  }
}
