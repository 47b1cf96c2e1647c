// Keyed tokens: stable pseudonyms that let analytics join records on "same phone", "same account"
// (domain §5) without holding the values. A plain hash would not do: mobiles and ID numbers are so
// few that anyone could hash them all and reverse the table; without the key that is impossible.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import {
  normaliseBankAccount,
  normaliseEmail,
  normaliseIdentifier,
  normaliseIdNumber,
  normaliseMobile,
  normaliseText,
} from './normalise.ts';

export const TOKEN_KINDS = [
  'customer',
  'mobile',
  'id-number',
  'bank-account',
  'email',
  'name',
  'agent',
  'policy',
  'address',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/**
 * 32 hex characters = 128 bits: collisions stay negligible far beyond any customer base (birthday
 * bound ~2^64 values) while the columns analysts join on stay half the width of a full digest.
 */
export const TOKEN_HEX_LENGTH = 32;
export const MIN_TOKEN_KEY_BYTES = 32;

/** Bumped if normalisation or layout ever changes, so old and new tokens can never be confused. */
const DOMAIN_PREFIX = 'verity-token/v1';

const NORMALISE: Readonly<Record<TokenKind, (value: string) => string>> = {
  customer: normaliseIdentifier,
  agent: normaliseIdentifier,
  policy: normaliseIdentifier,
  mobile: normaliseMobile,
  'id-number': normaliseIdNumber,
  'bank-account': normaliseBankAccount,
  email: normaliseEmail,
  name: normaliseText,
  address: normaliseText,
};

export interface Tokenizer {
  /**
   * Same kind, value (after normalisation) and key → same token. A blank value gives '' rather
   * than a token, or every customer without a mobile would share "the same phone".
   */
  token(kind: TokenKind, value: string): string;
}

export function createTokenizer(key: Buffer): Tokenizer {
  if (key.length < MIN_TOKEN_KEY_BYTES) {
    throw new RangeError(`token key must be at least ${MIN_TOKEN_KEY_BYTES} bytes, got ${key.length}`);
  }
  // A KeyObject holds its own copy: a caller reusing or zeroing the buffer cannot change tokens.
  const secret: KeyObject = createSecretKey(Buffer.from(key));
  return {
    token(kind, value) {
      const normalise = NORMALISE[kind];
      if (normalise === undefined) throw new TypeError(`unknown token kind: ${String(kind)}`);
      const normalised = normalise(value);
      if (normalised === '') return '';
      // Kind names contain no NUL, so "kind NUL value" parses one way only: kinds never collide.
      return createHmac('sha256', secret)
        .update(`${DOMAIN_PREFIX}\0${kind}\0${normalised}`, 'utf8')
        .digest('hex')
        .slice(0, TOKEN_HEX_LENGTH);
    },
  };
}
