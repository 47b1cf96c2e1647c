// The embedded store's thread (pglite-thread.ts) behind the SqlClient interface: transactions
// commit and roll back as PGlite's own, errors keep their SQLSTATE across the thread (it decides
// retries), a query outside a transaction waits for it, close frees the folder, and the WAL is
// checkpointed away while the store is open.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../pipelines/errors.ts';
import { createSqlClient } from './sql-client.ts';

describe('PGlite on its own thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-pglite-thread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const target = { kind: 'embedded', path: join(dir, 'pg'), bufferMb: 16 } as const;

  it('commits, rolls back, keeps SQLSTATEs, orders queries after the transaction they met, and frees the folder on close', { timeout: 180_000 }, async () => {
    const sql = await createSqlClient(target);
    try {
      // The page cache is the configured one (stateBufferMb), not PostgreSQL's 128 MB.
      expect(await sql.query("SELECT current_setting('shared_buffers') AS b")).toEqual([{ b: '16MB' }]);
      await sql.exec('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)');
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'one']);
      });
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1, $2)', [2, 'two']);
          throw new Error('the work failed');
        }),
      ).rejects.toThrow('the work failed');
      expect(await sql.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'one' }]);

      // A duplicate key: a StoreError labelled with the SQLSTATE, not retriable, the cause's code kept.
      const duplicate = await sql.query('INSERT INTO t VALUES (1, $1)', ['again']).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(StoreError);
      expect((duplicate as StoreError).message).toContain('SQLSTATE 23505');
      expect((duplicate as StoreError).retriable).toBe(false);
      expect(((duplicate as StoreError).cause as { code?: string }).code).toBe('23505');

      // A query sent while a transaction is open runs after it, and sees what it committed.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const inside = sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [3, 'three']);
        await held;
        await tx.query('UPDATE t SET v = $1 WHERE id = 3', ['three, committed']);
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const outside = sql.query<{ v: string }>('SELECT v FROM t WHERE id = 3');
      release();
      await inside;
      expect(await outside).toEqual([{ v: 'three, committed' }]);
    } finally {
      await sql.close();
    }
    // Closed: the folder's lock is free, and the data is there.
    const again = await createSqlClient(target);
    try {
      expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0]?.n).toBe(2);
    } finally {
      await again.close();
    }
  });

  it('hands text, text[], json and jsonb parameters over as UTF-8 bytes and gets back what was sent', { timeout: 180_000 }, async () => {
    const sql = await createSqlClient({ ...target, path: join(dir, 'params') });
    try {
      // PostgreSQL text holds no NUL, and jsonb refuses one escaped (\u0000).
      const text = fc.string({ unit: 'grapheme', maxLength: 200 }).filter((t) => !t.includes('\u0000'));
      const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('\\u0000'));
      await fc.assert(
        fc.asyncProperty(text, json, async (t, value) => {
          const doc = JSON.stringify(value);
          const [row] = await sql.query<{ t: string; n: number; j: unknown; b: unknown; same: boolean }>(
            'SELECT $1::text AS t, octet_length($1::text) AS n, $2::json AS j, $2::jsonb AS b, $3::jsonb = $2::jsonb AS same',
            [t, doc, doc],
          );
          expect(row).toEqual({ t, n: Buffer.byteLength(t), j: JSON.parse(doc), b: JSON.parse(doc), same: true });
        }),
        { numRuns: 150 },
      );
      const element = fc.option(text, { nil: null });
      await fc.assert(
        fc.asyncProperty(fc.array(element, { maxLength: 30 }), async (list) => {
          const [row] = await sql.query<{ a: (string | null)[]; n: number; k: number | null }>(
            'SELECT $1::text[] AS a, cardinality($1::text[]) AS n, array_lower($1::text[], 1) AS k',
            [list],
          );
          expect(row).toEqual({ a: list, n: list.length, k: list.length === 0 ? null : 1 });
        }),
        { numRuns: 150 },
      );
      // A number for a text parameter is its decimal text; a unit's writes are megabytes of JSON.
      expect(await sql.query('SELECT $1::text AS t', [42])).toEqual([{ t: '42' }]);
      const rows = Array.from({ length: 20_000 }, (_, i) => ({ k: `客户-${i}`, v: 'é'.repeat(i % 50) }));
      const [big] = await sql.query<{ n: number; last: string }>("SELECT jsonb_array_length($1::jsonb) AS n, $1::jsonb->-1->>'k' AS last", [JSON.stringify(rows)]);
      expect(big).toEqual({ n: 20_000, last: '客户-19999' });
    } finally {
      await sql.close();
    }
  });

  it('checkpoints once checkpointMb of WAL was written, so the WAL folder stays bounded', { timeout: 180_000 }, async () => {
    const walTarget = { kind: 'embedded', path: join(dir, 'wal'), bufferMb: 16, checkpointMb: 16 } as const;
    const sql = await createSqlClient(walTarget);
    const sinceCheckpointMb = async () =>
      (await sql.query<{ mb: number }>('SELECT (pg_current_wal_insert_lsn() - redo_lsn)::float8 / 1048576 AS mb FROM pg_control_checkpoint()'))[0]!.mb;
    const segments = () => readdirSync(join(walTarget.path, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).length;
    try {
      // Without fsync (PGlite's -F), full-page images guard nothing (pglite-thread.ts).
      expect(await sql.query("SELECT current_setting('full_page_writes') AS f, current_setting('fsync') AS s")).toEqual([{ f: 'off', s: 'off' }]);
      await sql.exec('CREATE TABLE w (id int PRIMARY KEY, v text NOT NULL)');
      // Random text does not compress: about 64 MB of WAL in committed transactions.
      const write = async (from: number) => {
        for (let batch = 0; batch < 16; batch++) {
          await sql.transaction(async (tx) => {
            await tx.query("INSERT INTO w SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 128) i) FROM generate_series($1::int, $2::int) g", [from + batch * 1000, from + batch * 1000 + 999]);
          });
        }
      };
      // The check runs after a commit, at most every 5 s: past that, a commit brings the checkpoint.
      // (On a slow machine one may come while the writes are still going on: as it should.)
      const commitAfterTheInterval = async () => {
        await new Promise((resolve) => setTimeout(resolve, 5_200));
        await sql.transaction(async (tx) => void (await tx.query('DELETE FROM w WHERE id < 0')));
      };
      // 64 MB written, and whenever the checks came (one may come while the writes still go on, on
      // a slow machine), after the last one less than checkpointMb is left unchecked: never 64.
      await write(0);
      await commitAfterTheInterval();
      // The checkpoint runs after that commit's reply, between the thread's next requests.
      await expect.poll(sinceCheckpointMb, { timeout: 10_000 }).toBeLessThan(walTarget.checkpointMb);
      // Under checkpointMb nothing is checkpointed, however many checks pass: from a checkpoint,
      // about 4 MB written and kept.
      await sql.exec('CHECKPOINT');
      await sql.transaction(async (tx) => {
        await tx.query("INSERT INTO w SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 128) i) FROM generate_series(200000, 200999) g");
      });
      await commitAfterTheInterval();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await sinceCheckpointMb()).toBeGreaterThan(2);
      await write(100_000);
      await commitAfterTheInterval();
      await expect.poll(sinceCheckpointMb, { timeout: 10_000 }).toBeLessThan(walTarget.checkpointMb);
      // Segments before the last checkpoint are removed past max_wal_size (2 × checkpointMb), not kept for the run.
      expect(segments() * 16).toBeLessThanOrEqual(2 * walTarget.checkpointMb + 32);
      expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM w'))[0]?.n).toBe(33_000);
    } finally {
      await sql.close();
    }
  });
});
