// The reveal vault in PostgreSQL (`verity.vault`): one row per customer with an active issue, its
// raw contact sealed by VaultCipher (pipelines/privacy/vault-crypto.ts) and its masked contact in
// the clear. Rows are written and dropped in the transactions that change the customer's issues:
// the pipeline's batch (StateChanges.vault) and a steward's resolve (deleteVaultIfNoActive).
import { ACTIVE_STATUSES } from '../../pipelines/contract/issue.ts';
import type { VaultCipher, RawContact } from '../../pipelines/privacy/vault-crypto.ts';
import type { VaultChanges } from '../../pipelines/quality/vault-changes.ts';
import type { VaultReader, VaultRecord } from '../../pipelines/runtime/vault.ts';
import { SCHEMA } from './migrations.ts';
import type { SqlRunner } from './sql-client.ts';

const S = SCHEMA;
const ACTIVE = `(${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;


/**
 * Writes a batch's vault changes, after its issues: a customer whose last active issue closed is
 * dropped. Both statements are sent before either reply (the batch's writes go out together).
 */
export async function applyVaultChanges(sql: SqlRunner, changes: VaultChanges): Promise<void> {
  let upserted: Promise<unknown> = Promise.resolve();
  if (changes.upserts.length > 0) {
    const rows = changes.upserts.map((e) => ({
      customer_token: e.customerToken,
      tier: e.tier,
      source: e.source,
      masked: e.masked,
      sealed: e.sealed,
      key_id: e.keyId,
      event_id: e.eventId,
      updated_at: e.updatedAt,
    }));
    upserted = sql.query(
      `INSERT INTO ${S}.vault SELECT * FROM jsonb_populate_recordset(NULL::${S}.vault, $1::jsonb)
       ON CONFLICT (customer_token) DO UPDATE SET tier = excluded.tier, source = excluded.source, masked = excluded.masked,
         sealed = excluded.sealed, key_id = excluded.key_id, event_id = excluded.event_id, updated_at = excluded.updated_at`,
      [JSON.stringify(rows)],
    );
  }
  await Promise.all([upserted, deleteVaultIfNoActive(sql, changes.dropUnlessActive)]);
}

/** Drops the vault rows of these customers that have no active issue left (the caller holds their locks). */
export async function deleteVaultIfNoActive(sql: SqlRunner, customerTokens: readonly string[]): Promise<number> {
  if (customerTokens.length === 0) return 0;
  const gone = await sql.query<{ customer_token: string }>(
    `DELETE FROM ${S}.vault v WHERE v.customer_token = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM ${S}.issues i WHERE i.customer_token = v.customer_token AND i.status IN ${ACTIVE})
     RETURNING v.customer_token`,
    [customerTokens],
  );
  return gone.length;
}

interface VaultRow {
  customer_token: string;
  tier: string;
  source: string;
  masked: VaultRecord['masked'];
  sealed: string;
  updated_at: string;
}

/** The vault read through one connection or transaction (a reveal reads inside the one that logs it). */
export class PgVaultReader implements VaultReader {
  readonly #sql: SqlRunner;
  readonly #cipher: VaultCipher;

  constructor(sql: SqlRunner, cipher: VaultCipher) {
    this.#sql = sql;
    this.#cipher = cipher;
  }

  async #row(customerToken: string): Promise<VaultRow | undefined> {
    const [row] = await this.#sql.query<VaultRow>(`SELECT customer_token, tier, source, masked, sealed, updated_at FROM ${S}.vault WHERE customer_token = $1`, [customerToken]);
    return row;
  }

  async masked(customerToken: string): Promise<VaultRecord | undefined> {
    const row = await this.#row(customerToken);
    return row && { customerToken: row.customer_token, tier: row.tier, source: row.source, masked: row.masked, updatedAt: row.updated_at };
  }

  async reveal(customerToken: string): Promise<RawContact | undefined> {
    const row = await this.#row(customerToken);
    return row && this.#cipher.open(row.sealed, row.customer_token);
  }
}
