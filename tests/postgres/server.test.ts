// Proves the tests' PostgreSQL is a real PostgreSQL 17 server, and shows how to use the support:
// the run's server with a database per test, and a dedicated server a test may stop, crash and
// restart without losing committed data (what the state store's outage tests need).
import { Pool } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { POSTGRES_MAJOR } from '../support/postgres/server.ts';
import { EXPECTED_ROWS, readSmokeRows, writeSmokeRows } from '../support/postgres/smoke-sql.ts';
import type { PostgresServer, StopMode } from '../support/postgres/use-postgres.ts';
import { createDatabase, describePostgres, dropDatabase, startDedicatedPostgres, usePostgres } from '../support/postgres/use-postgres.ts';

describePostgres('the test PostgreSQL server', () => {
  const { url } = usePostgres();
  let databaseUrl = '';
  let pool: Pool | undefined;

  beforeAll(async () => {
    databaseUrl = await createDatabase(url);
    pool = new Pool({ connectionString: databaseUrl, max: 4 });
  });

  afterAll(async () => {
    await pool?.end();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it(`is PostgreSQL ${POSTGRES_MAJOR} or later`, async () => {
    const { rows } = await pool!.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(POSTGRES_MAJOR * 10_000);
  });

  it('commits, rolls back and upserts in transactions', async () => {
    const client = await pool!.connect();
    try {
      await writeSmokeRows(client);
    } finally {
      client.release();
    }
    // Read through another connection: what was committed is visible to everyone.
    expect(await readSmokeRows(pool!)).toEqual(EXPECTED_ROWS);
  });

  it('gives every test its own database', async () => {
    const other = await createDatabase(url);
    const otherPool = new Pool({ connectionString: other, max: 1 });
    try {
      const { rows } = await otherPool.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'smoke_issue'");
      expect(rows[0]!.n).toBe('0');
    } finally {
      await otherPool.end();
      await dropDatabase(other);
    }
  });
});

describePostgres(
  'a dedicated PostgreSQL server',
  () => {
    let server: PostgresServer | undefined;
    let pool: Pool | undefined;

    beforeAll(async () => {
      server = await startDedicatedPostgres();
      pool = new Pool({ connectionString: server.url, max: 2, connectionTimeoutMillis: 5_000 });
      // When the server goes away, idle pooled connections fail; the pool drops them and opens new
      // ones on the next query. Without a listener that error would end the test process.
      pool.on('error', () => undefined);
    });

    afterAll(async () => {
      await pool?.end();
      await server?.destroy();
    });

    it('keeps committed data across a clean stop, an immediate shutdown and a kill', async () => {
      await pool!.query('CREATE TABLE outage (n integer PRIMARY KEY)');
      const modes: StopMode[] = ['fast', 'immediate', 'kill'];
      for (const [i, mode] of modes.entries()) {
        await pool!.query('INSERT INTO outage VALUES ($1)', [i + 1]);
        // An open connection, as a running pipeline would hold one when the server dies.
        const held = await pool!.connect();
        held.on('error', () => undefined); // a checked-out client reports the lost server here: expected
        try {
          await server!.stop(mode);
          expect(server!.running).toBe(false);
          await expect(held.query('SELECT 1')).rejects.toThrow();
        } finally {
          held.release(true); // pool.end() would wait for it forever
        }
        await expect(pool!.query('SELECT 1')).rejects.toThrow();

        const restarted = Date.now();
        await server!.restart();
        process.stderr.write(`[postgres] restart after stop('${mode}') took ${Date.now() - restarted} ms\n`);
        expect(server!.running).toBe(true);
        const { rows } = await pool!.query<{ n: number }>('SELECT n FROM outage ORDER BY n');
        expect(rows.map((r) => r.n)).toEqual(Array.from({ length: i + 1 }, (_, k) => k + 1));
      }
    });
  },
  { dedicated: true },
);
