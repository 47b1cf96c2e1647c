// PGlite, the embedded default of Verity's operational store (data/pg, so `npm start` needs no
// services): real PostgreSQL compiled to WASM, in this process. It runs the same SQL as the server
// smoke test (tests/postgres/server.test.ts) and keeps its data across close and reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_MAJOR } from '../../tests/support/postgres/server.ts';
import { EXPECTED_ROWS, readSmokeRows, writeSmokeRows } from '../../tests/support/postgres/smoke-sql.ts';

const mib = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MiB`;

describe('PGlite, the embedded PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A fresh data dir runs initdb inside WASM: about 10 s on a busy 2-CPU machine, hence the timeout.
  it("runs the server's SQL and finds its data again after close and reopen", { timeout: 180_000 }, async () => {
    const dataDir = join(dir, 'pg');
    const rssBefore = process.memoryUsage().rss;
    let started = performance.now();
    const db = new PGlite(dataDir);
    await db.waitReady;
    const createMs = performance.now() - started;
    const rssOpen = process.memoryUsage().rss;
    try {
      const { rows } = await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      // The embedded and the server path run one set of SQL: same major version, or a feature of
      // one could pass its tests and fail on the other.
      expect(Math.floor(Number(rows[0]!.v) / 10_000)).toBe(POSTGRES_MAJOR);
      await writeSmokeRows(db);
      expect(await readSmokeRows(db)).toEqual(EXPECTED_ROWS);
    } finally {
      await db.close();
    }

    started = performance.now();
    const reopened = new PGlite(dataDir);
    await reopened.waitReady;
    const reopenMs = performance.now() - started;
    try {
      expect(await readSmokeRows(reopened)).toEqual(EXPECTED_ROWS);
    } finally {
      await reopened.close();
    }
    process.stderr.write(
      `[pglite] new data dir ready in ${Math.round(createMs)} ms, reopened in ${Math.round(reopenMs)} ms; ` +
        `worker RSS ${mib(rssBefore)} before, ${mib(rssOpen)} open, ${mib(process.memoryUsage().rss)} after reopen\n`,
    );
  });
});
