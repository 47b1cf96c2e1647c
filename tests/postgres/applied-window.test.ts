// The applied-id window (StateStore.housekeeping, pipelines/runtime/state-housekeeping.ts) against
// real PostgreSQL: a server (a database of its own) and PGlite embedded, with the same suite.
//
// The property: after housekeeping, the store recognises exactly the ids a model keeps (applied
// within the retention, and among the newest N), so a re-delivery of a kept id changes nothing and
// one of a forgotten id is applied again. Outbox rows the relay sent a day ago or more are
// deleted. And the embedded store, where no autovacuum runs, gives back the space of deleted
// pending outputs. Synthetic ids only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import { StateHousekeeping, housekeepingPlan } from '../../pipelines/runtime/state-housekeeping.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { noStateChanges } from '../support/postgres/no-changes.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';

const DAY = 86_400_000;


/** Applies `ids` in one batch of `scope` (as the pipeline's apply does) and confirms its output. */
async function applyIds(store: PostgresStateStore, scope: string, batchId: string, ids: readonly string[]): Promise<void> {
  const output = { batchId, scope, position: '', records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [], derivedAt: new Date().toISOString() };
  const { id } = await store.transaction(scope, (tx) => tx.apply(noStateChanges(), ids, output));
  await store.confirm(id);
}

const recognised = (store: PostgresStateStore, scope: string, ids: readonly string[]) => store.transaction(scope, (tx) => tx.applied(ids));

let runs = 0;

function suite(openStore: () => Promise<PostgresStateStore>, closeAll: () => Promise<void>, { embedded }: { embedded: boolean }) {
  let store: PostgresStateStore;
  beforeAll(async () => {
    store = await openStore();
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await closeAll();
  });

  it('forgets exactly the ids applied before the cutoff or past the newest N; a forgotten id is applied again', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        // Batches of ids, oldest first: each one's age in days, never younger than the next one's.
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 12 }), age: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 60 }),
        async (batches, retentionDays, keepNewest) => {
          const run = `w${++runs}-${Date.now().toString(36)}`;
          const scope = `${run}/customers-0`;
          // The window is global: each case starts from an empty set.
          await store.client.query('DELETE FROM verity.applied');
          await store.takeOver(scope);
          const now = Date.now();
          const ages = batches.map((b) => b.age).sort((a, b) => b - a);
          const ids: { id: string; age: number }[] = [];
          for (const [i, batch] of batches.entries()) {
            const own = Array.from({ length: batch.size }, (_, k) => `${run}-e${i}-${k}`);
            await applyIds(store, scope, `${run}-b${i}`, own);
            // An hour more than the whole days, so that no id sits on the cutoff itself.
            await store.client.query('UPDATE verity.applied SET applied_at = $2 WHERE id = ANY($1::text[])', [own, new Date(now - ages[i]! * DAY - 3_600_000).toISOString()]);
            ids.push(...own.map((id) => ({ id, age: ages[i]! })));
          }
          const plan = housekeepingPlan({ retentionDays, maxIds: keepNewest }, new Date(now).toISOString());
          const { appliedIdsForgotten } = await store.housekeeping(plan);

          const kept = ids.filter((x, index) => x.age < retentionDays && index >= ids.length - keepNewest).map((x) => x.id);
          const all = ids.map((x) => x.id);
          expect(await recognised(store, scope, all)).toEqual(new Set(kept));
          expect(appliedIdsForgotten).toBe(all.length - kept.length);
          // A re-delivery of every id: the kept ones change nothing, the forgotten ones are applied again.
          await applyIds(store, scope, `${run}-again`, all.filter((id) => !kept.includes(id)));
          expect(await recognised(store, scope, all)).toEqual(new Set(all));
        },
      ),
      { numRuns: Number(process.env.VERITY_FUZZ_SCALE ?? 1) * 40, seed: Number(process.env.VERITY_FUZZ_SEED ?? 7_010_001), endOnFailure: true },
    );
  });

  it('runs as a chore on the clock: a pass at start, one per interval, the ids it forgot counted', { timeout: 120_000 }, async () => {
    const run = `chore-${Date.now().toString(36)}`;
    const scope = `${run}/customers-0`;
    await store.client.query('DELETE FROM verity.applied');
    await store.takeOver(scope);
    const ids = Array.from({ length: 30 }, (_, k) => `${run}-e${k}`);
    await applyIds(store, scope, `${run}-b0`, ids);
    const clock = new ManualClock(new Date().toISOString());
    const housekeeping = new StateHousekeeping({ store, retention: { retentionDays: 7, maxIds: 20 }, clock, logger: pino({ level: 'silent' }) });
    const stop = housekeeping.start(() => true);
    // The first pass runs at once: the ten oldest are past the newest 20.
    await housekeeping.run();
    expect(housekeeping.done.appliedIdsForgotten).toBe(10);
    expect(await recognised(store, scope, ids)).toEqual(new Set(ids.slice(10)));
    // Eight days on, the next tick forgets the rest by age.
    await clock.advanceTo(new Date(Date.now() + 8 * DAY).toISOString());
    await stop();
    expect(housekeeping.done.appliedIdsForgotten).toBe(30);
    expect(await recognised(store, scope, ids)).toEqual(new Set());
  });

  it('deletes the outbox rows sent a day ago or more, never one unsent or sent since', { timeout: 120_000 }, async () => {
    await store.client.query('DELETE FROM verity.outbox');
    const now = Date.now();
    const hoursAgo = (h: number) => new Date(now - h * 3_600_000).toISOString();
    // Unsent (created long ago), sent 30 hours ago, sent 23 hours ago, sent just now.
    const rows: [string, string | null][] = [
      ['unsent', null],
      ['old', hoursAgo(30)],
      ['recent', hoursAgo(23)],
      ['now', hoursAgo(0)],
    ];
    for (const [payload, sentAt] of rows) {
      await store.client.query(`INSERT INTO verity.outbox (kind, payload, created_at, sent_at) VALUES ('issue-change', $1, $2, $3)`, [payload, hoursAgo(48), sentAt]);
    }
    const done = await store.housekeeping(housekeepingPlan({ retentionDays: 7, maxIds: 1_000_000 }, new Date(now).toISOString()));
    expect(done.outboxRowsDeleted).toBe(1);
    expect((await store.client.query<{ payload: string }>('SELECT payload FROM verity.outbox ORDER BY id')).map((r) => r.payload)).toEqual(['unsent', 'recent', 'now']);
  });

  it(
    embedded ? 'gives back the space of confirmed pending outputs (no autovacuum runs in PGlite)' : 'leaves reclaiming deleted rows to the server (its autovacuum)',
    { timeout: 120_000 },
    async () => {
      const scope = `space-${Date.now().toString(36)}`;
      await store.takeOver(scope);
      const size = async () => Number((await store.client.query<{ n: string }>(`SELECT pg_total_relation_size('verity.pending_outputs') AS n`))[0]!.n);
      // 24 outputs of 1 MB each (incompressible, as deflated outputs are), then confirmed.
      const ids: string[] = [];
      for (let i = 0; i < 24; i += 1) {
        const body = Buffer.from(Array.from({ length: 768 * 1024 }, () => Math.floor(Math.random() * 256))).toString('base64');
        const [row] = await store.client.query<{ id: string }>('INSERT INTO verity.pending_outputs (scope, batch_id, output_deflated) VALUES ($1, $2, $3) RETURNING id', [scope, `${scope}-${i}`, body]);
        ids.push(String(row!.id));
      }
      for (const id of ids) await store.confirm(id);
      const before = await size();
      expect(before).toBeGreaterThan(20 * 1024 * 1024);
      await store.housekeeping(housekeepingPlan({ retentionDays: 7, maxIds: 1_000_000 }, new Date().toISOString()));
      if (embedded) expect(await size()).toBeLessThan(before / 4);
      else expect(store.client.vacuumsItself).toBe(true);
    },
  );
}

describePostgres('the applied-id window on a PostgreSQL server', () => {
  const { url } = usePostgres();
  let database = '';
  suite(
    async () => {
      database ||= await createDatabase(url);
      return (await PostgresStateStore.open({ kind: 'server', url: database })).store;
    },
    async () => {
      if (database) await dropDatabase(database);
    },
    { embedded: false },
  );
});

describe('the applied-id window on PGlite (embedded)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-applied-window-'));
  suite(
    async () => (await PostgresStateStore.open({ kind: 'embedded', path: join(dir, 'pg') })).store,
    async () => rmSync(dir, { recursive: true, force: true }),
    { embedded: true },
  );
});
