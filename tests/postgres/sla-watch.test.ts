// The issues the SLA clock still watches (verity.sla_watch, migration 12), against real PostgreSQL:
// a server, and PGlite embedded for the trigger. The clock pages over these rows alone, so an
// issue missing from them would never be reminded or breached, and one left in them would be
// walked by every sweep for nothing.
//
// The model (the specification): an issue is watched from its opening or reopening until its
// breach or its closing. The properties: after every statement that appends history, whatever
// issues and entries it holds and however the issues' histories interleave, the table holds
// exactly the issues the model watches; and a store written before the table existed fills it in
// when it upgrades, the same. Synthetic ids only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateState, MIGRATIONS } from '../../connectors/postgres/migrations.ts';
import { createSqlClient, type SqlClient, type SqlRunner } from '../../connectors/postgres/sql-client.ts';
import { writeHistory } from '../../connectors/postgres/steward-desk.ts';
import type { IssueChangeKind, IssueStatus } from '../../pipelines/contract/issue.ts';
import { PIPELINE_ACTOR } from '../../pipelines/stewardship/lifecycle.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';

const STEPS = ['update', 'claim', 'breach', 'close', 'reopen'] as const;
type Step = (typeof STEPS)[number];

interface Entry {
  readonly issueId: string;
  readonly seq: number;
  readonly action: IssueChangeKind;
  readonly toStatus: IssueStatus;
  /** A breach's episode: its notice goes in with it. */
  readonly breachOf?: number;
}

const ACTIVE = new Set<IssueStatus>(['open', 'claimed']);

/** An issue's history from its steps (a step that does not apply to the issue as it stands is skipped). */
function historyOf(issueId: string, steps: readonly Step[]): Entry[] {
  let status: IssueStatus = 'open';
  let seq = 1;
  let episode = 1;
  let breached = false;
  const entries: Entry[] = [{ issueId, seq, action: 'opened', toStatus: status }];
  const add = (action: IssueChangeKind, breachOf?: number) => entries.push({ issueId, seq: ++seq, action, toStatus: status, ...(breachOf ? { breachOf } : {}) });
  for (const step of steps) {
    const active = ACTIVE.has(status);
    if (step === 'update' && active) add('updated');
    else if (step === 'claim' && status === 'open') {
      status = 'claimed';
      add('claim');
    } else if (step === 'breach' && active && !breached) {
      breached = true;
      add('breached', episode);
    } else if (step === 'close' && active) {
      status = 'resolved';
      add('resolved');
    } else if (step === 'reopen' && !active) {
      status = 'open';
      breached = false;
      add('reopened');
      episode = seq;
    }
  }
  return entries;
}

/** What the model watches after `entries` (in order): opened or reopened until breached or closed. */
function watchedAfter(entries: readonly Entry[]): string[] {
  const watched = new Map<string, boolean>();
  for (const e of entries) {
    if (e.action === 'opened' || e.action === 'reopened') watched.set(e.issueId, true);
    else if (e.action === 'breached' || !ACTIVE.has(e.toStatus)) watched.set(e.issueId, false);
  }
  return [...watched].filter(([, w]) => w).map(([id]) => id).sort();
}

/** The histories interleaved as `picks` say (each issue's entries in their order), cut into statements where `cuts` say. */
function statementsOf(histories: readonly Entry[][], picks: readonly number[], cuts: readonly boolean[]): Entry[][] {
  const queues = histories.map((h) => [...h]);
  const statements: Entry[][] = [[]];
  for (let k = 0; queues.some((q) => q.length > 0); k++) {
    const waiting = queues.filter((q) => q.length > 0);
    statements.at(-1)!.push(waiting[(picks[k % picks.length] ?? 0) % waiting.length]!.shift()!);
    if (cuts[k % cuts.length]) statements.push([]);
  }
  return statements.filter((s) => s.length > 0);
}

const lifeArb = fc.array(fc.array(fc.constantFrom(...STEPS), { maxLength: 10 }), { minLength: 1, maxLength: 6 });
const picksArb = fc.array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 20 });
const cutsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 8 });

/**
 * One statement's entries as the writers leave them, in one transaction: the issues' rows at their
 * last status, the breaches' notices, then the history rows in one INSERT by the desk's and the
 * clock's writer (writeHistory; the pipeline's is one INSERT too): a statement of many rows fires
 * the trigger once.
 */
async function write(tx: SqlRunner, entries: readonly Entry[]): Promise<void> {
  const last = new Map(entries.map((e) => [e.issueId, e]));
  for (const e of last.values()) {
    await tx.query(
      `INSERT INTO verity.issues (issue_id, rule_id, customer_token, status, version, state) VALUES ($1, 'mobile-format', $2, $3, $4, '{}')
       ON CONFLICT (issue_id) DO UPDATE SET status = excluded.status, version = excluded.version`,
      [e.issueId, `ct_${e.issueId}`, e.toStatus, e.seq],
    );
  }
  for (const e of entries.filter((x) => x.breachOf !== undefined)) {
    await tx.query(`INSERT INTO verity.sla_notices (issue_id, episode, kind, noticed_at, issue_version, queue) VALUES ($1, $2, 'breached', now(), $3, 'q')`, [
      e.issueId,
      e.breachOf,
      e.seq,
    ]);
  }
  await writeHistory(
    tx,
    entries.map((e) => ({ issueId: e.issueId, seq: e.seq, at: '2026-10-13T09:00:00.000+08:00', ...PIPELINE_ACTOR, action: e.action, fromStatus: '', toStatus: e.toStatus, note: '', evidence: {}, versionAfter: e.seq })),
  );
}

const watchedIn = async (sql: SqlClient, prefix: string) =>
  (await sql.query<{ issue_id: string }>(`SELECT issue_id FROM verity.sla_watch WHERE issue_id LIKE $1 ORDER BY issue_id`, [`${prefix}%`])).map((r) => r.issue_id);

const numRuns = (n: number) => Number(process.env.VERITY_FUZZ_SCALE ?? 1) * n;
let runs = 0;

function followsEveryStatement(open: () => Promise<SqlClient>, close: () => Promise<void>, runsOf: number) {
  let sql: SqlClient;
  beforeAll(async () => {
    sql = await open();
  }, 180_000);
  afterAll(close);

  it('after every statement that appends history, holds exactly the issues opened or reopened and not yet breached or closed', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(lifeArb, picksArb, cutsArb, async (lives, picks, cuts) => {
        const prefix = `w${++runs}-`;
        const histories = lives.map((steps, n) => historyOf(`${prefix}${n}`, steps));
        const done: Entry[] = [];
        for (const statement of statementsOf(histories, picks, cuts)) {
          await sql.transaction((tx) => write(tx, statement));
          done.push(...statement);
          expect(await watchedIn(sql, prefix)).toEqual(watchedAfter(done));
        }
      }),
      { numRuns: numRuns(runsOf), seed: Number(process.env.VERITY_FUZZ_SEED ?? 12_060_001), endOnFailure: true },
    );
  });
}

describePostgres('the watched issues on a PostgreSQL server', () => {
  const { url } = usePostgres();
  const databases: string[] = [];
  const clients: SqlClient[] = [];
  /** A fresh database migrated through `through`. */
  async function fresh(through?: number): Promise<SqlClient> {
    const db = await createDatabase(url);
    databases.push(db);
    const sql = await createSqlClient({ kind: 'server', url: db });
    clients.push(sql);
    await migrateState(sql, through === undefined ? {} : { through });
    return sql;
  }
  const closeAll = async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const db of databases.splice(0)) await dropDatabase(db);
  };

  describe('kept by the history', () => followsEveryStatement(() => fresh(), closeAll, 60));

  it('a store written before the table existed fills it in when it upgrades', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(lifeArb, picksArb, cutsArb, async (lives, picks, cuts) => {
        const sql = await fresh(11);
        const prefix = `u${++runs}-`;
        const histories = lives.map((steps, n) => historyOf(`${prefix}${n}`, steps));
        for (const statement of statementsOf(histories, picks, cuts)) await sql.transaction((tx) => write(tx, statement));
        // Opened before the history existed (episode 1): watched while active and not breached.
        await sql.query(
          `INSERT INTO verity.issues (issue_id, rule_id, customer_token, status, version, state) VALUES
             ($1 || 'old-open', 'r', 'ct1', 'claimed', 3, '{}'), ($1 || 'old-breached', 'r', 'ct2', 'open', 2, '{}'), ($1 || 'old-closed', 'r', 'ct3', 'resolved', 2, '{}')`,
          [prefix],
        );
        await sql.query(`INSERT INTO verity.sla_notices (issue_id, episode, kind, noticed_at, issue_version, queue) VALUES ($1 || 'old-breached', 1, 'breached', now(), 2, 'q')`, [prefix]);
        expect(await migrateState(sql)).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v > 11));
        expect(await watchedIn(sql, prefix)).toEqual([...watchedAfter(histories.flat()), `${prefix}old-open`].sort());
        await closeAll();
      }),
      { numRuns: numRuns(15), seed: Number(process.env.VERITY_FUZZ_SEED ?? 12_060_002), endOnFailure: true },
    );
  });

  afterAll(closeAll);
});

describe('the watched issues on embedded PGlite (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-sla-watch-'));
  let client: SqlClient | undefined;
  followsEveryStatement(
    async () => {
      client = await createSqlClient({ kind: 'embedded', path: join(dir, 'pg') });
      await migrateState(client);
      return client;
    },
    async () => {
      await client?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    15,
  );
});
