// The reveal vault as the console needs it. The pipeline fills it in its batch transactions
// (StateChanges.vault); a reveal reads it inside the transaction that logs the access, so no raw
// value leaves the store without its access-log row committed beside it.
import type { RawContact } from '../privacy/vault-crypto.ts';
import type { MaskedContact } from '../quality/vault-changes.ts';

export interface VaultRecord {
  readonly customerToken: string;
  readonly tier: string;
  readonly source: string;
  readonly masked: MaskedContact;
  readonly updatedAt: string;
}

export interface VaultReader {
  /** The masked contact and tier of a customer with an active issue; undefined when not in the vault. */
  masked(customerToken: string): Promise<VaultRecord | undefined>;
  /** The raw contact, opened; undefined when not in the vault. Callers log the access first. */
  reveal(customerToken: string): Promise<RawContact | undefined>;
}
