import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RawContact, VaultCipher, VaultOpenError } from './vault-crypto.ts';

// Generated, not real: the vault's tests never hold real-looking personal data.
const contact: RawContact = { customerId: 'C-TEST-1', name: '测试员甲', mobile: '19900000001', landline: '010-00000000', address: '测试省测试市测试路1号' };
const arbContact = fc.record({ customerId: fc.string(), name: fc.string(), mobile: fc.string(), landline: fc.string(), address: fc.string() });

describe('VaultCipher', () => {
  const cipher = new VaultCipher(randomBytes(32));

  it('opens what it sealed, for the same customer only', () => {
    fc.assert(
      fc.property(arbContact, fc.string({ minLength: 1 }), (value, token) => {
        const sealed = cipher.seal(value, token);
        expect(cipher.open(sealed, token)).toEqual(value);
        expect(() => cipher.open(sealed, `${token}x`)).toThrow(VaultOpenError);
      }),
    );
  });

  it('keeps no value readable in the sealed text, and seals the same value differently each time', () => {
    const a = cipher.seal(contact, 'tok');
    const b = cipher.seal(contact, 'tok');
    expect(a).not.toBe(b);
    for (const v of Object.values(contact)) {
      expect(a).not.toContain(v);
      expect(Buffer.from(a.split('.')[2]!, 'base64').toString('utf8')).not.toContain(v);
    }
  });

  it('refuses a changed byte, another key, and garbage, without quoting the value', () => {
    const sealed = cipher.seal(contact, 'tok');
    const [format, keyId, payload] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(payload, 'base64');
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = Buffer.from(bytes);
        changed[at] = changed[at]! ^ flip;
        expect(() => cipher.open(`${format}.${keyId}.${changed.toString('base64')}`, 'tok')).toThrow(VaultOpenError);
      }),
    );
    const other = new VaultCipher(randomBytes(32));
    expect(other.keyId).not.toBe(cipher.keyId);
    expect(() => other.open(sealed, 'tok')).toThrow(/sealed under key/);
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          cipher.open(text, 'tok');
        } catch (error) {
          expect(error).toBeInstanceOf(VaultOpenError);
          expect((error as Error).message).not.toContain(contact.mobile);
        }
      }),
    );
  });

  it('derives the same key from the same secret (another process opens it) and refuses short secrets', () => {
    const secret = randomBytes(48);
    const sealed = new VaultCipher(secret).seal(contact, 'tok');
    expect(new VaultCipher(Buffer.from(secret)).open(sealed, 'tok')).toEqual(contact);
    expect(() => new VaultCipher(randomBytes(31))).toThrow(RangeError);
  });
});
