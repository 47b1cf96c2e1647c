// What a batch changes in the reveal vault. Stewards phone customers back on open issues, so the
// vault holds a customer's raw contact data exactly while the customer has an active issue:
// sealed from the customer's latest event of the batch when the batch ends with one, and dropped
// when the last one closes. A customer whose issue was opened through another customer's event
// (a pattern group) gets a vault entry at its own next change: nothing raw of it is in the batch.
// Pure apart from the cipher it is handed; the state store writes the result in the batch's
// transaction, so the vault never holds a customer the committed issues do not explain.
import type { CustomerChange } from '../contract/customer-change.ts';
import type { VaultCipher } from '../privacy/vault-crypto.ts';
import type { IssueChange, RecordRow } from './model.ts';

/** The masked view of the contact that the issue detail shows next to the sealed raw one. */
export interface MaskedContact {
  readonly kind: string;
  readonly tier: string;
  readonly channel: string;
  readonly nameMasked: string;
  readonly mobileMasked: string;
  readonly landlineMasked: string;
  readonly emailMasked: string;
  readonly addressMasked: string;
  readonly idNumberMasked: string;
}

export interface VaultEntry {
  readonly customerToken: string;
  readonly tier: string;
  readonly source: string;
  readonly masked: MaskedContact;
  /** RawContact sealed by VaultCipher, bound to the customer's token. */
  readonly sealed: string;
  readonly keyId: string;
  readonly eventId: string;
  readonly updatedAt: string;
}

export interface VaultChanges {
  readonly upserts: readonly VaultEntry[];
  /** Customers whose issues changed in the batch: dropped from the vault unless one is still active. */
  readonly dropUnlessActive: readonly string[];
}

/** One accepted customer event of the batch with its masked row. */
export interface VaultCandidate {
  readonly event: CustomerChange;
  readonly customerToken: string;
  readonly record: RecordRow;
}

export function maskedContactOf(record: RecordRow): MaskedContact {
  return {
    kind: record.kind,
    tier: record.tier,
    channel: record.channel,
    nameMasked: record.nameMasked,
    mobileMasked: record.mobileMasked,
    landlineMasked: record.landlineMasked,
    emailMasked: record.emailMasked,
    addressMasked: record.addressMasked,
    idNumberMasked: record.idNumberMasked,
  };
}

/**
 * The vault changes of a batch: `candidates` in batch order, `hasActive` answering for the state
 * at the batch's end, `issueChanges` the batch's issue changes.
 */
export function vaultChangesOf(
  candidates: readonly VaultCandidate[],
  issueChanges: readonly IssueChange[],
  hasActive: (customerToken: string) => boolean,
  cipher: VaultCipher,
): VaultChanges {
  const latest = new Map<string, VaultCandidate>();
  for (const c of candidates) latest.set(c.customerToken, c);
  const upserts: VaultEntry[] = [];
  for (const [token, { event, record }] of latest) {
    const customer = event.customer;
    if (event.op === 'delete' || !customer || !hasActive(token)) continue;
    const sealed = cipher.seal(
      {
        customerId: event.customerId,
        name: customer.name ?? '',
        mobile: customer.mobile ?? '',
        landline: customer.landline ?? '',
        address: customer.address ?? '',
      },
      token,
    );
    upserts.push({
      customerToken: token,
      tier: customer.tier,
      source: event.source,
      masked: maskedContactOf(record),
      sealed,
      keyId: cipher.keyId,
      eventId: event.eventId,
      updatedAt: event.occurredAt,
    });
  }
  const dropUnlessActive = [...new Set(issueChanges.map((c) => c.issue.customerToken))].filter((t) => !hasActive(t));
  return { upserts, dropUnlessActive };
}
