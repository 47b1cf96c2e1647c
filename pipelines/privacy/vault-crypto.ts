// The reveal vault's encryption: a customer's raw contact data, sealed with AES-256-GCM
// (authenticated: a changed byte fails to open instead of revealing something else). The
// customer's token is the additional authenticated data, so a sealed value copied onto another
// customer's row does not open there. The AES key is derived (HKDF-SHA256) from the configured
// secret, so any secret of 32 bytes or more serves, and the key id in each sealed value tells an
// operator which key sealed it after a rotation.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { VerityError } from '../errors.ts';

/** What a steward may reveal to call a customer back, and where corrections are sent upstream. */
export const RawContact = z.strictObject({
  /** The upstream record id: the key of correction events. */
  customerId: z.string(),
  name: z.string(),
  mobile: z.string(),
  landline: z.string(),
  address: z.string(),
});
export type RawContact = z.infer<typeof RawContact>;

export const REVEALABLE_FIELDS = ['name', 'mobile', 'landline', 'address'] as const;
export const RevealableField = z.enum(REVEALABLE_FIELDS);
export type RevealableField = z.infer<typeof RevealableField>;

/** The first field of a sealed value (`v1.<key id>.<base64>`). */
export const SEALED_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value did not open: wrong key, another customer's row, or changed bytes. Never carries the value. */
export class VaultOpenError extends VerityError {
  constructor(reason: string) {
    super('VAULT_OPEN_FAILED', `a sealed vault value did not open: ${reason}`, { retriable: false });
    this.name = 'VaultOpenError';
  }
}

export class VaultCipher {
  readonly #key: Buffer;
  /** First 8 hex digits of the derived key's SHA-256: names the key, reveals nothing of it. */
  readonly keyId: string;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new RangeError('the vault secret must be at least 32 bytes');
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'verity-vault', 'aes-256-gcm/v1', 32));
    this.keyId = createHash('sha256').update(this.#key).digest('hex').slice(0, 8);
  }

  /** Any JSON value, bound to `context` (the customer token). */
  sealJson(value: unknown, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${SEALED_FORMAT}.${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  openJson(sealed: string, context: string): unknown {
    const [format, keyId, payload, extra] = sealed.split('.');
    if (format !== SEALED_FORMAT || payload === undefined || extra !== undefined) throw new VaultOpenError('not a sealed value of this format');
    if (keyId !== this.keyId) throw new VaultOpenError(`sealed under key ${keyId}, this process has key ${this.keyId}`);
    const bytes = Buffer.from(payload, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new VaultOpenError('too short');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultOpenError('authentication failed (changed bytes, or sealed for another customer)');
    }
    return JSON.parse(text) as unknown;
  }

  seal(contact: RawContact, customerToken: string): string {
    return this.sealJson(contact, customerToken);
  }

  open(sealed: string, customerToken: string): RawContact {
    const parsed = RawContact.safeParse(this.openJson(sealed, customerToken));
    if (!parsed.success) throw new VaultOpenError('the opened value is not a contact');
    return parsed.data;
  }
}
