// What the console needs of the reveal vault (the coordinator's VaultReader): the masked record for
// an issue's detail, and the raw contact data for a reveal, read inside the transaction that logs it.
import type { SqlRunner } from '../../connectors/postgres/sql-client.ts';

export interface RawContactView {
  readonly name: string;
  readonly mobile: string;
  readonly landline: string;
  readonly address: string;
}

export interface ConsoleVault {
  /** The customer's contact record as masked for analytics; undefined when the vault holds none. */
  masked(customerToken: string): Promise<Record<string, string> | undefined>;
  /** The raw contact data, read through `tx` (the transaction that writes the access log). */
  reveal(tx: SqlRunner, customerToken: string): Promise<RawContactView | undefined>;
}
