// The state store's SQL client when its server dies under it, on a real PostgreSQL 17 server of
// the test's own: a connection cut while a transaction holds it (between two of its queries, as
// when the server is killed while a batch is being evaluated) is a retriable failure of that
// transaction, never an unhandled 'error' event that ends the process; and once the server is back
// the same client works again, without the broken connection.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { StoreError } from '../../pipelines/errors.ts';
import { createDatabase, describePostgres, startDedicatedPostgres, type PostgresServer } from '../support/postgres/use-postgres.ts';

describePostgres(
  'the state store client when its server is killed',
  () => {
    let server: PostgresServer;
    let client: SqlClient;

    beforeAll(async () => {
      server = await startDedicatedPostgres();
      client = await createSqlClient({ kind: 'server', url: await createDatabase(server.url) });
      await client.exec('CREATE TABLE kept (n integer PRIMARY KEY)');
    });
    afterAll(async () => {
      await client?.close();
      await server?.destroy();
    });

    it('fails the transaction holding a connection as retriable, and works again once the server is back', { timeout: 120_000 }, async () => {
      await client.transaction((tx) => tx.query('INSERT INTO kept VALUES (1)'));
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const failure = await client
          .transaction(async (tx) => {
            await tx.query('INSERT INTO kept VALUES (2)');
            await server.stop('kill');
            // The cut reaches the idle connection now, between two queries of the transaction.
            await new Promise((resolve) => setTimeout(resolve, 500));
            await tx.query('INSERT INTO kept VALUES (3)');
          })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StoreError);
        expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
        expect((failure as Error).message).toMatch(/^state store: (query|commit) failed: (connection lost|ECONNRESET)$/);
        // While it is down: refused, and retriable.
        await expect(client.query('SELECT 1')).rejects.toMatchObject({ retriable: true });
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      expect(uncaught).toEqual([]);

      await server.restart();
      // The pool dropped the broken connection: the next transactions run on fresh ones.
      await client.transaction((tx) => tx.query('INSERT INTO kept VALUES (4)'));
      const rows = await client.query<{ n: number }>('SELECT n FROM kept ORDER BY n');
      // The cut transaction left nothing; what committed before it survived the kill.
      expect(rows.map((r) => r.n)).toEqual([1, 4]);
    });
  },
  { dedicated: true },
);
