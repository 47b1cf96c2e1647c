// The state store's sessions on a PostgreSQL server (connectors/postgres/sql-client.ts) run with
// JIT compilation off, on every connection of its pool, set as the connection starts (PostgreSQL's
// startup options), together with any the URL gives. A server built with LLVM compiled the SLA
// clock's chunk read on every call otherwise (270 ms a call for 10 ms of work); the test server's
// binaries have no LLVM, so what is checked is the setting, against the server's own default.
import pg from 'pg';
import { expect, it } from 'vitest';
import { createSqlClient } from '../../connectors/postgres/sql-client.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';

/** Connections the store's pool opens at most (sql-client.ts). */
const POOL_MAX = 4;

describePostgres("the state store's sessions on a PostgreSQL server", () => {
  it('run without JIT compilation, on every connection of the pool, for statements alone and in transactions', async () => {
    const url = await createDatabase(usePostgres().url);
    const plain = new pg.Client({ connectionString: url });
    const sql = await createSqlClient({ kind: 'server', url });
    try {
      await plain.connect();
      expect((await plain.query<{ jit: string }>("SELECT current_setting('jit') AS jit")).rows[0]!.jit).toBe('on');

      // The pool's first connection, through a statement of its own (no transaction).
      expect(await sql.query("SELECT current_setting('jit') AS jit")).toEqual([{ jit: 'off' }]);
      // As many transactions at once as the pool has connections, each held until all have read.
      let started = 0;
      let allStarted!: () => void;
      const barrier = new Promise<void>((resolve) => (allStarted = resolve));
      const sessions = await Promise.all(
        Array.from({ length: POOL_MAX }, () =>
          sql.transaction(async (tx) => {
            const [row] = await tx.query<{ pid: number; jit: string }>("SELECT pg_backend_pid() AS pid, current_setting('jit') AS jit");
            if (++started === POOL_MAX) allStarted();
            await barrier;
            return row!;
          }),
        ),
      );
      expect(new Set(sessions.map((s) => s.pid)).size).toBe(POOL_MAX);
      expect(sessions.map((s) => s.jit)).toEqual(Array(POOL_MAX).fill('off'));
    } finally {
      await plain.end();
      await sql.close();
      await dropDatabase(url);
    }
  });

  it("keep the session options of a URL that gives its own, and take the URL's where both set one", async () => {
    const url = await createDatabase(usePostgres().url);
    const withOptions = new URL(url);
    withOptions.searchParams.set('options', '-c statement_timeout=7s');
    const overriding = new URL(url);
    overriding.searchParams.set('options', '-c jit=on');
    const settings = "SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS timeout";
    for (const [target, expected] of [
      [withOptions, { jit: 'off', timeout: '7s' }],
      [overriding, { jit: 'on', timeout: '0' }],
    ] as const) {
      const sql = await createSqlClient({ kind: 'server', url: target.href });
      try {
        expect(await sql.query(settings)).toEqual([expected]);
        expect(await sql.transaction((tx) => tx.query(settings))).toEqual([expected]);
      } finally {
        await sql.close();
      }
    }
    await dropDatabase(url);
  });
});
