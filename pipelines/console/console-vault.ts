// The reveal vault as the console reads it: the coordinator's VaultReader, opened on a given
// connection or transaction, so that a reveal reads the vault inside the transaction that logs it.
import type { SqlRunner } from '../../connectors/postgres/sql-client.ts';
import type { VaultReader } from '../runtime/vault.ts';

export type ConsoleVault = (sql: SqlRunner) => VaultReader;
