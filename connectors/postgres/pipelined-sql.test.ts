// Statements sent together (pipelined-sql.ts) against a real PostgreSQL (PGlite on its thread):
// they run in the order sent, a failure is reported as the statement that failed (not as the
// aborted transaction's later refusals), and one failing while the caller awaits something else
// is no unhandled rejection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../pipelines/errors.ts';
import { pipelined } from './pipelined-sql.ts';
import { createSqlClient, type SqlClient } from './sql-client.ts';

describe('statements sent together', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-pipelined-'));
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await createSqlClient({ kind: 'embedded', path: join(dir, 'pg'), bufferMb: 16 });
    await sql.exec('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
  }, 120_000);
  afterAll(async () => {
    await sql?.close();
    rmSync(dir, { recursive: true, force: true });
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
  });
});
