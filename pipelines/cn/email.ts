// A pragmatic subset of RFC 5321/5322 addresses: dot-atom local part and an ASCII (or punycode)
// domain name with a real TLD shape. Quoted local parts, comments and IP literals are valid in the
// RFC but never appear in genuine customer records, so they count as malformed here.

export type EmailFailure =
  | 'has-space'
  | 'missing-at'
  | 'multiple-at'
  | 'too-long'
  | 'bad-local-part'
  | 'bad-domain';

export type EmailResult = { readonly ok: true } | { readonly ok: false; readonly reason: EmailFailure };

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/u;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/u;
const TLD = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/u;

export function validateEmail(value: string): EmailResult {
  const email = value.trim();
  if (/\s/u.test(email)) return { ok: false, reason: 'has-space' };
  const at = email.split('@');
  if (at.length < 2) return { ok: false, reason: 'missing-at' };
  if (at.length > 2) return { ok: false, reason: 'multiple-at' };
  const [local = '', domain = ''] = at;
  // RFC 5321 §4.5.3.1: 64-octet local part, 254-octet path without the angle brackets.
  if (email.length > 254 || local.length > 64 || domain.length > 253) return { ok: false, reason: 'too-long' };
  if (local === '' || !local.split('.').every((atom) => ATEXT.test(atom))) return { ok: false, reason: 'bad-local-part' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !TLD.test(labels.at(-1) ?? '')) {
    return { ok: false, reason: 'bad-domain' };
  }
  return { ok: true };
}
