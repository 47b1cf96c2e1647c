// Statements sent together (connectors/postgres/pipelined-sql.ts), on both of the state store's
// connections: PGlite on its thread and a real PostgreSQL 17 server through `pg`. They run in the
// order sent; a failure is reported as the statement that failed (not as the aborted
// transaction's later refusals); one failing while the caller awaits something else is no
// unhandled rejection; and `pg` is never handed a query while another runs (pg 8 warns that
// pg 9 will refuse it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelined } from '../../connectors/postgres/pipelined-sql.ts';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { StoreError } from '../../pipelines/errors.ts';
import { createDatabase, describePostgres, usePostgres } from '../support/postgres/use-postgres.ts';

function pipelinedStatements(open: () => Promise<SqlClient>): void {
  let sql: SqlClient;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(async () => {
    process.on('warning', onWarning);
    sql = await open();
    await sql.exec('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
  }, 120_000);
  afterAll(async () => {
    process.off('warning', onWarning);
    await sql?.close();
  });

  it('run in the order sent, each seeing the ones before it', async () => {
    const rows = await sql.transaction(async (tx) => {
      const p = pipelined(tx);
      p.send('INSERT INTO t VALUES (1, $1)', ['one']);
      p.send("UPDATE t SET v = v || ', then two' WHERE id = 1");
      const read = p.send<{ v: string }>('SELECT v FROM t WHERE id = 1');
      await p.all();
      return read;
    });
    expect(rows).toEqual([{ v: 'one, then two' }]);
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('fail as the statement that failed, roll the transaction back, and leave no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failure = await sql
        .transaction(async (tx) => {
          const p = pipelined(tx);
          p.send('INSERT INTO t VALUES (2, $1)', ['two']);
          p.send('INSERT INTO t VALUES (1, $1)', ['one again']); // a duplicate key
          p.send('INSERT INTO t VALUES (3, $1)', ['three']); // refused: the transaction is aborted
          // The caller awaits something else while the statements fail.
          await new Promise((resolve) => setTimeout(resolve, 100));
          await p.all();
        })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as StoreError).message).toContain('SQLSTATE 23505');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(await sql.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }]);
    expect(warnings.map((w) => w.message)).toEqual([]);
  });
}

describe('statements sent together, on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-pipelined-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  pipelinedStatements(() => createSqlClient({ kind: 'embedded', path: join(dir, 'pg'), bufferMb: 16 }));
});

describePostgres('statements sent together, on a PostgreSQL server', () => {
  pipelinedStatements(async () => createSqlClient({ kind: 'server', url: await createDatabase(usePostgres().url) }));
});
