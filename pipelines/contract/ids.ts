import { hash } from 'node:crypto';

/**
 * A deterministic id from its parts, so a replay derives the same ids (idempotent writes): the
 * SHA-256 of each part followed by NUL, in UTF-8. One one-shot hash of the joined text gives the
 * same bytes as hashing part by part (a NUL always separates two parts, so no surrogate pair can
 * form across them) without a Hash object per id.
 */
export function stableId(...parts: readonly string[]): string {
  return hash('sha256', parts.length === 0 ? '' : `${parts.join('\u0000')}\u0000`, 'hex').slice(0, 32);
}

export function sha256Hex(bytes: Buffer | string): string {
  return hash('sha256', bytes, 'hex');
}
