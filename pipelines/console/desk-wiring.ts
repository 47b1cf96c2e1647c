// The stewards' desk as the console opens it: helper A's PostgresStewardDesk with the PRC calendar,
// the run's tokenizer (corrected values are compared as keyed tokens with the upstream's next
// events) and the coordinator's vault (dropped when the last active issue closes; corrections
// addressed by the customer's upstream id and sealed with the vault's cipher).
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PostgresStewardDesk, type DeskVaultHooks } from '../../connectors/postgres/steward-desk.ts';
import { deleteVaultIfNoActive, PgVaultReader } from '../../connectors/postgres/vault-store.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import type { Tokenizer } from '../privacy/tokens.ts';
import { sealerOver } from '../runtime/outbox-relay.ts';
import type { VaultCipher } from '../privacy/vault-crypto.ts';

export function vaultHooks(cipher: VaultCipher): DeskVaultHooks {
  return {
    deleteVaultIfNoActive: (tx, customerToken) => deleteVaultIfNoActive(tx, [customerToken]),
    customerIdOf: async (tx, customerToken) => (await new PgVaultReader(tx, cipher).reveal(customerToken))?.customerId,
    sealer: sealerOver(cipher),
  };
}

export function createConsoleDesk(sql: SqlClient, options: { readonly cipher: VaultCipher; readonly tokenizer: Tokenizer }): PostgresStewardDesk {
  return new PostgresStewardDesk(sql, { calendar: prcCalendar, tokenizer: options.tokenizer, vault: vaultHooks(options.cipher) });
}
