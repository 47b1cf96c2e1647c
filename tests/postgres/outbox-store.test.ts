// The outbox relay's store (connectors/postgres/outbox-store.ts) on PGlite and on a PostgreSQL
// server: a page is claimed in one short transaction, sent outside any, and marked sent in
// another. The embedded store has one connection: a page sent inside a transaction kept the
// pipeline's units waiting for the whole send. Payloads here are opaque stand-ins (the store
// only hands them over); the relay's own tests and the stewards' desk cover what they say.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresOutboxStore } from '../../connectors/postgres/outbox-store.ts';
import { SCHEMA } from '../../connectors/postgres/migrations.ts';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import { OUTBOX_ISSUE_CHANGE, type OutboxPage } from '../../pipelines/runtime/outbox-relay.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';

const S = SCHEMA;

/** Resolves with the call's result, or with 'still waiting' after `ms`: a held store shows as the latter. */
const within = <T,>(ms: number, call: Promise<T>) => Promise.race([call, sleep(ms).then(() => 'still waiting' as const)]);

function suite(open: () => Promise<PostgresStateStore>, cleanUp: () => Promise<void>) {
  let store: PostgresStateStore;
  let client: SqlClient;
  let outbox: PostgresOutboxStore;
  let n = 0;
  beforeAll(async () => {
    store = await open();
    client = store.client;
    outbox = new PostgresOutboxStore(client);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cleanUp();
  });

  /** Queues `count` issue-change rows; returns their stand-in issue ids, in order. */
  async function queue(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => `issue-${++n}`);
    await client.query(`INSERT INTO ${S}.outbox (kind, payload) SELECT $1, unnest($2::text[])`, [OUTBOX_ISSUE_CHANGE, ids.map((issueId) => JSON.stringify({ issueId }))]);
    return ids;
  }
  const issueIds = (page: OutboxPage) => page.issueChanges.map((r) => (r.change as unknown as { issueId: string }).issueId);
  const drainAll = async (send: (page: OutboxPage) => Promise<void>) => {
    let total = 0;
    for (let got = -1; got !== 0; total += got) got = await outbox.drain(100, OUTBOX_ISSUE_CHANGE, send);
    return total;
  };

  it('sends a page outside any transaction: the store runs another transaction while the page is being sent', async () => {
    await drainAll(async () => undefined);
    const ids = await queue(3);
    const seen: string[] = [];
    const sent = await outbox.drain(100, OUTBOX_ISSUE_CHANGE, async (page) => {
      seen.push(...issueIds(page));
      // What a pipeline unit does meanwhile; on the embedded store it waited for the send before.
      expect(await within(10_000, client.transaction(async (tx) => Number((await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${S}.outbox WHERE sent_at IS NULL`))[0]!.n)))).toBe(3);
    });
    expect(sent).toBe(3);
    expect(seen).toEqual(ids);
    expect(await outbox.unsent(OUTBOX_ISSUE_CHANGE)).toBe(0);
  });

  it('keeps a second relay off a page while it is claimed, and frees the page at once when its send fails', async () => {
    await drainAll(async () => undefined);
    const ids = await queue(2);
    let second: number | undefined;
    await expect(
      outbox.drain(100, OUTBOX_ISSUE_CHANGE, async () => {
        second = await outbox.drain(100, OUTBOX_ISSUE_CHANGE, async () => undefined);
        throw new Error('the mirror is down');
      }),
    ).rejects.toThrow('the mirror is down');
    expect(second).toBe(0);
    expect(await outbox.unsent(OUTBOX_ISSUE_CHANGE)).toBe(2);
    const retried: string[] = [];
    expect(await outbox.drain(100, OUTBOX_ISSUE_CHANGE, async (page) => void retried.push(...issueIds(page)))).toBe(2);
    expect(retried).toEqual(ids);
  });

  it("sends a page again once its claim ran out (its relay stalled), and keeps the first mark: the stalled relay's does not overwrite it", async () => {
    await drainAll(async () => undefined);
    const ids = await queue(2);
    const sends: string[][] = [];
    let marked: { sent_at: string }[] = [];
    await outbox.drain(100, OUTBOX_ISSUE_CHANGE, async (page) => {
      sends.push(issueIds(page));
      await client.query(`UPDATE ${S}.outbox SET claimed_until = now() - interval '1 second' WHERE sent_at IS NULL`);
      await outbox.drain(100, OUTBOX_ISSUE_CHANGE, async (again) => void sends.push(issueIds(again)));
      marked = await client.query<{ sent_at: string }>(`SELECT sent_at::text FROM ${S}.outbox WHERE payload = ANY($1::text[]) ORDER BY id`, [ids.map((issueId) => JSON.stringify({ issueId }))]);
    });
    expect(sends).toEqual([ids, ids]);
    expect(marked).toHaveLength(2);
    expect(marked.every((r) => r.sent_at !== null)).toBe(true);
    const after = await client.query<{ sent_at: string }>(`SELECT sent_at::text FROM ${S}.outbox WHERE payload = ANY($1::text[]) ORDER BY id`, [ids.map((issueId) => JSON.stringify({ issueId }))]);
    expect(after).toEqual(marked);
    expect(await outbox.unsent(OUTBOX_ISSUE_CHANGE)).toBe(0);
  });
}

describe('the outbox store on PGlite (embedded)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-outbox-pglite-'));
  suite(
    async () => (await PostgresStateStore.open({ kind: 'embedded', path: join(dir, 'pg') })).store,
    async () => rmSync(dir, { recursive: true, force: true }),
  );
});

describePostgres('the outbox store on a PostgreSQL server', () => {
  const { url } = usePostgres();
  let database = '';
  suite(
    async () => {
      database = await createDatabase(url);
      return (await PostgresStateStore.open({ kind: 'server', url: database })).store;
    },
    async () => {
      if (database) await dropDatabase(database);
    },
  );
});
