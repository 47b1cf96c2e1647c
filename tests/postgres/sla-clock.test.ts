import { vaultHooks } from '../../pipelines/console/desk-wiring.ts';
import { VaultCipher } from '../../pipelines/privacy/vault-crypto.ts';
// The SLA clock on the operational store, against a real PostgreSQL server, driven by a manual
// clock through fixed instants around the 2026 National Day holiday (10-01..10-07 off, Thursday
// 10-08 and Saturday 10-10 worked): reminders at 50 % and 80 % of the allowed PRC working time,
// the breach and its escalation to the supervisors' queue, each once per issue and kind across
// sweeps, restarts and two processes sweeping at once; a pause with a recorded reason (nothing is
// raised while paused, the resume moves the due time on, both show in the history); the breach
// board's counts. Generated tokens only; nothing here reads today's date.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresSlaStore } from '../../connectors/postgres/sla-store.ts';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import { PostgresStewardDesk } from '../../connectors/postgres/steward-desk.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { IssueState } from '../../pipelines/contract/issue.ts';
import { StaleVersionError } from '../../pipelines/errors.ts';
import { SlaClock, type RaisedNotice, type SlaCandidatePage } from '../../pipelines/runtime/sla-clock.ts';
import type { Actor, StewardAction } from '../../pipelines/stewardship/actions.ts';
import { fold, PIPELINE_ACTOR, reopen, systemEntry, type HistoryEntry } from '../../pipelines/stewardship/lifecycle.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';
import { slaIssue } from '../support/sla-issues.ts';

const HOUR = 3_600_000;
const silent = pino({ level: 'silent' });

const issue = (issueId: string, openedAt: string, workingDays: number, queue = 'callback-verification'): IssueState => slaIssue(issueId, openedAt, workingDays, { queue });

// The same issues as the in-memory test (pipelines/runtime/sla-clock.test.ts), with their maths.
const ISSUES = [
  // Wed 09-30 10:00, 3 working days: due Sat 10-10 (worked); 86 h; 50 % 10-09 05:00, 80 % 10-10 06:48.
  issue('holiday', '2026-09-30T10:00:00.000+08:00', 3),
  // Mon 09-28 09:00, 1 working day: due Tue 09-29; 39 h; 50 % 09-29 04:30, 80 % 16:12.
  issue('short', '2026-09-28T09:00:00.000+08:00', 1, 'data-correction'),
  // Already late when the clock starts: the breach alone.
  issue('past', '2026-09-21T09:00:00.000+08:00', 3),
  // The worked Saturday 10-10 12:00, 1 working day: due Mon 10-12; 36 h; 50 % 10-12 06:00, 80 % 16:48.
  issue('saturday', '2026-10-10T12:00:00.000+08:00', 1, 'agent-review'),
];

async function insertEntry(sql: SqlClient | Parameters<Parameters<SqlClient['transaction']>[0]>[0], entry: HistoryEntry): Promise<void> {
  await sql.query(
    `INSERT INTO verity.issue_history (issue_id, seq, at, actor, actor_role, action, from_status, to_status, note, evidence, version_after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [entry.issueId, entry.seq, entry.at, entry.actor, entry.actorRole, entry.action, entry.fromStatus, entry.toStatus, entry.note, JSON.stringify(entry.evidence), entry.versionAfter],
  );
}

/** Opens the issues as the pipeline does: the state and the history's first entry. */
async function openIssues(sql: SqlClient, issues: readonly IssueState[]): Promise<void> {
  for (const i of issues) {
    await sql.query(`INSERT INTO verity.issues (issue_id, rule_id, customer_token, status, version, state) VALUES ($1, $2, $3, $4, $5, $6)`, [
      i.issueId,
      i.ruleId,
      i.customerToken,
      i.status,
      i.version,
      JSON.stringify(i),
    ]);
    await insertEntry(sql, systemEntry(undefined, { change: 'opened', issue: i, eventId: i.openedByEventId, occurredAt: i.openedAt }, PIPELINE_ACTOR));
  }
}

const STEWARD: Actor = { username: 'steward.wang', role: 'steward' };
const SUPERVISOR: Actor = { username: 'supervisor.li', role: 'supervisor' };

let deskNow = '';
/** The stewards' desk (helper A's), its wall clock set by each action. */
const deskOn = (sql: SqlClient) =>
  new PostgresStewardDesk(sql, { calendar: prcCalendar, tokenizer: createTokenizer(Buffer.alloc(32, 7)), vault: vaultHooks(new VaultCipher(Buffer.alloc(32, 9))), now: () => deskNow });

/** A steward's action through the stewards' desk at `at`, at the issue's current version (a resume moves the due time: lifecycle.ts). */
async function act(sql: SqlClient, issueId: string, action: StewardAction, at: string, actor: Actor = STEWARD): Promise<IssueState> {
  deskNow = at;
  const desk = deskOn(sql);
  const before = (await desk.get(issueId))!.issue;
  return desk.act(issueId, before.version, actor, action);
}

const log = (notices: readonly RaisedNotice[]) => notices.map((n) => `${n.at} ${n.issueId}/${n.kind}`).sort();

/** The transactions that raised notices: not those that read a page of candidates. */
const raising = (transactions: string[][]) => transactions.filter((statements) => statements[0] !== 'SET LOCAL enable_bitmapscan = off');

/** `client` with each transaction's statements recorded (their first words), to count them. */
function recorded(client: SqlClient): { client: SqlClient; transactions: string[][] } {
  const transactions: string[][] = [];
  const wrapped: SqlClient = {
    vacuumsItself: client.vacuumsItself,
    query: (sql, params) => client.query(sql, params),
    exec: (sql) => client.exec(sql),
    close: () => client.close(),
    transaction: (work) =>
      client.transaction((tx) => {
        const statements: string[] = [];
        transactions.push(statements);
        return work({ query: (sql, params) => (statements.push(sql.replace(/\s+/g, ' ').trim().slice(0, 40)), tx.query(sql, params)), exec: (sql) => tx.exec(sql) });
      }),
  };
  return { client: wrapped, transactions };
}

describePostgres('the SLA clock on PostgreSQL', () => {
  const { url } = usePostgres();
  const databases: string[] = [];
  const stores: PostgresStateStore[] = [];

  /** A fresh database with the operational schema; `processes` state stores (connections) on it. */
  async function fresh(processes = 1): Promise<PostgresStateStore[]> {
    const db = await createDatabase(url);
    databases.push(db);
    const opened: PostgresStateStore[] = [];
    for (let p = 0; p < processes; p++) opened.push((await PostgresStateStore.open({ kind: 'server', url: db })).store);
    stores.push(...opened);
    return opened;
  }

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const db of databases) await dropDatabase(db);
  });

  const rows = async (sql: SqlClient, query: string, params: unknown[] = []) => sql.query<Record<string, unknown>>(query, params);

  it('reminds at 50 % and 80 %, breaches and escalates once per issue and kind, across National Day 2026', { timeout: 120_000 }, async () => {
    const [state] = await fresh();
    const sql = state!.client;
    await openIssues(sql, ISSUES);
    const store = new PostgresSlaStore(sql);
    const clock = new ManualClock('2026-09-28T01:00:00.000Z'); // Monday 09:00 in Shanghai
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    const raised: string[] = [];
    raised.push(...log(await sla.sweep()));
    const cancel = clock.every(12 * HOUR, async () => void raised.push(...log(await sla.sweep())));
    await clock.advanceTo('2026-10-13T01:00:00.000Z');
    cancel();

    expect(raised).toEqual([
      '2026-09-28T01:00:00.000Z past/breached',
      '2026-09-29T01:00:00.000Z short/reminder-50',
      '2026-09-29T13:00:00.000Z short/reminder-80',
      '2026-09-30T01:00:00.000Z short/breached',
      '2026-10-09T01:00:00.000Z holiday/reminder-50', // nothing over the holiday
      '2026-10-10T01:00:00.000Z holiday/reminder-80', // the worked Saturday
      '2026-10-11T01:00:00.000Z holiday/breached',
      '2026-10-12T01:00:00.000Z saturday/reminder-50', // Sunday 10-11 counts nothing
      '2026-10-12T13:00:00.000Z saturday/reminder-80',
      '2026-10-13T01:00:00.000Z saturday/breached',
    ]);
    expect(sla.raised).toEqual({ reminder50: 3, reminder80: 3, breached: 4 });

    // Each notice once, with a history entry by the clock, and an outbox row for the mirrors.
    expect((await rows(sql, `SELECT issue_id || '/' || kind AS n FROM verity.sla_notices ORDER BY 1`)).map((r) => r.n)).toHaveLength(10);
    const history = await rows(sql, `SELECT issue_id, seq, actor, actor_role, action, from_status, to_status FROM verity.issue_history WHERE issue_id = 'holiday' ORDER BY seq`);
    expect(history.map((h) => `${h.seq} ${h.actor}/${h.actor_role} ${h.action} ${h.from_status}→${h.to_status}`)).toEqual([
      '1 pipeline/pipeline opened →open',
      '2 sla-clock/sla-clock reminder-50 open→open',
      '3 sla-clock/sla-clock reminder-80 open→open',
      '4 sla-clock/sla-clock breached open→open',
    ]);
    const outbox = await rows(sql, `SELECT payload FROM verity.outbox ORDER BY id`);
    expect(outbox).toHaveLength(10);
    const last = JSON.parse(String(outbox.at(-1)!.payload)) as { change: string; issue: IssueState };
    expect(last).toMatchObject({ change: 'breached', issue: { issueId: 'saturday', escalated: true, version: 4 } });

    // Breached issues stay active and countable: in the supervisors' queue, on the breach board.
    const states = (await rows(sql, `SELECT state FROM verity.issues ORDER BY issue_id`)).map((r) => IssueState.parse(r.state));
    expect(states.map((s) => `${s.issueId} ${s.status} escalated=${s.escalated} v${s.version}`)).toEqual([
      'holiday open escalated=true v4',
      'past open escalated=true v2',
      'saturday open escalated=true v4',
      'short open escalated=true v4',
    ]);
    expect(await store.breachCounts()).toEqual([
      { queue: 'callback-verification', breached: 2 },
      { queue: 'agent-review', breached: 1 },
      { queue: 'data-correction', breached: 1 },
    ]);
    expect((await store.breachedIssues()).map((i) => i.issueId)).toEqual(['past', 'short', 'holiday', 'saturday']);
    // Once breached, an issue is no longer a candidate: nothing follows the breach.
    expect(await store.slaCandidates({ limit: 100 })).toEqual({ candidates: [], next: undefined });
    // The history stays the audit trail: folding each issue's history gives its stored state.
    for (const id of ['holiday', 'past', 'saturday', 'short']) {
      const detail = (await deskOn(sql).get(id))!;
      expect(fold(detail.history, prcCalendar), id).toEqual(detail.issue);
    }
  });

  it('raises nothing twice after a restart, nor when two processes sweep at once', { timeout: 120_000 }, async () => {
    const [a, b] = await fresh(2);
    await openIssues(a!.client, ISSUES);
    const clock = new ManualClock('2026-10-09T01:00:00.000Z');
    const first = new SlaClock({ store: new PostgresSlaStore(a!.client), calendar: prcCalendar, logger: silent, clock });
    expect(log(await first.sweep())).toEqual([
      '2026-10-09T01:00:00.000Z holiday/reminder-50',
      '2026-10-09T01:00:00.000Z past/breached',
      '2026-10-09T01:00:00.000Z short/breached',
    ]);

    // A restart: a new clock on a new connection to the same store, later the same day.
    await clock.advanceTo('2026-10-09T09:00:00.000Z');
    const restarted = new SlaClock({ store: new PostgresSlaStore(b!.client), calendar: prcCalendar, logger: silent, clock });
    expect(await restarted.sweep()).toEqual([]);

    // Two processes (two connections) sweep at the same instants, at the same time.
    const again = new SlaClock({ store: new PostgresSlaStore(a!.client), calendar: prcCalendar, logger: silent, clock });
    const raised: string[] = [];
    for (const at of ['2026-10-10T01:00:00.000Z', '2026-10-11T01:00:00.000Z', '2026-10-12T13:00:00.000Z', '2026-10-13T01:00:00.000Z']) {
      await clock.advanceTo(at);
      const [x, y] = await Promise.all([again.sweep(), restarted.sweep()]);
      raised.push(...log(x), ...log(y));
    }
    expect(raised.sort()).toEqual([
      '2026-10-10T01:00:00.000Z holiday/reminder-80',
      '2026-10-11T01:00:00.000Z holiday/breached',
      '2026-10-12T13:00:00.000Z saturday/reminder-80', // its 50 % (06:00) and 80 % (16:48) both passed by 21:00: the furthest alone
      '2026-10-13T01:00:00.000Z saturday/breached',
    ]);
    const notices = await rows(a!.client, `SELECT kind, count(*)::int AS n FROM verity.sla_notices GROUP BY kind ORDER BY kind`);
    expect(notices).toEqual([
      { kind: 'breached', n: 4 },
      { kind: 'reminder-50', n: 1 },
      { kind: 'reminder-80', n: 2 },
    ]);
    // One history entry per notice, versions without gaps.
    const seqs = await rows(a!.client, `SELECT issue_id, array_agg(seq ORDER BY seq) AS seqs FROM verity.issue_history GROUP BY issue_id ORDER BY issue_id`);
    for (const r of seqs) expect(r.seqs, String(r.issue_id)).toEqual((r.seqs as number[]).map((_, i) => i + 1));
  });

  it('pauses only with a recorded reason: nothing while paused, the resume moves the due time, both in the history', { timeout: 120_000 }, async () => {
    const [state] = await fresh();
    const sql = state!.client;
    const subject = ISSUES[0]!; // 'holiday': due Saturday 10-10 at the end of the day
    await openIssues(sql, [subject]);
    const store = new PostgresSlaStore(sql);
    const clock = new ManualClock('2026-10-08T00:00:00.000Z'); // Thursday 08:00 in Shanghai
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    const raised: string[] = [];
    const cancel = clock.every(12 * HOUR, async () => void raised.push(...log(await sla.sweep())));

    await act(sql, 'holiday', { type: 'claim' }, '2026-10-08T08:30:00.000+08:00');
    // 23 h of the 86 used (14 h on 09-30, 9 h on 10-08): paused waiting for the customer's documents.
    await act(sql, 'holiday', { type: 'pause', reason: 'waiting for the customer’s documents (ID card copy)' }, '2026-10-08T09:00:00.000+08:00');
    // Past the original 50 %, 80 % and due time (10-10 23:59:59.999): nothing while paused.
    await clock.advanceTo('2026-10-12T00:00:00.000Z');
    expect(raised).toEqual([]);
    expect(await store.slaCandidates({ limit: 100 })).toEqual({ candidates: [], next: undefined });

    // Resumed Monday 10-12 09:00: 15 h of 10-08, 10-09, the worked Saturday 10-10 and 9 h of 10-12
    // were paused: 72 working hours, so the due time moves from Saturday 10-10 to Wednesday 10-14.
    const resumed = await act(sql, 'holiday', { type: 'resume', note: 'documents received' }, '2026-10-12T09:00:00.000+08:00');
    expect(resumed).toMatchObject({ pausedSince: '', pauseReason: '', dueAt: '2026-10-14T23:59:59.999+08:00', dueDate: '2026-10-14' });
    await clock.advanceTo('2026-10-16T01:00:00.000Z');
    cancel();
    // 50 % is 20 h of work after the resume (10-13 05:00), 80 % 45.8 h (10-14 06:48); breached after 10-14.
    expect(raised).toEqual([
      '2026-10-13T00:00:00.000Z holiday/reminder-50',
      '2026-10-14T00:00:00.000Z holiday/reminder-80',
      '2026-10-15T00:00:00.000Z holiday/breached',
    ]);

    const history = await rows(sql, `SELECT seq, actor, action, note, from_status, to_status FROM verity.issue_history WHERE issue_id = 'holiday' ORDER BY seq`);
    expect(history.map((h) => `${h.seq} ${h.actor} ${h.action} ${h.from_status}→${h.to_status}${h.action === 'pause' || h.action === 'resume' ? ` (${h.note})` : ''}`)).toEqual([
      '1 pipeline opened →open',
      '2 steward.wang claim open→claimed',
      '3 steward.wang pause claimed→claimed (waiting for the customer’s documents (ID card copy))',
      '4 steward.wang resume claimed→claimed (documents received)',
      '5 sla-clock reminder-50 claimed→claimed',
      '6 sla-clock reminder-80 claimed→claimed',
      '7 sla-clock breached claimed→claimed',
    ]);
    // The pause's reason is on record in the desk's issue detail too.
    const detail = (await deskOn(sql).get('holiday'))!;
    expect(detail.history.find((e) => e.action === 'pause')).toMatchObject({ actor: 'steward.wang', actorRole: 'steward', note: 'waiting for the customer’s documents (ID card copy)' });
    // The breach escalates the claimed issue: still held by its steward, now in the supervisors' queue.
    const [final] = await rows(sql, `SELECT state FROM verity.issues WHERE issue_id = 'holiday'`);
    expect(IssueState.parse(final!.state)).toMatchObject({ status: 'claimed', assignee: 'steward.wang', escalated: true, version: 7 });
  });

  it('a resolved issue that reopens is watched afresh: its breach is raised again, once', { timeout: 120_000 }, async () => {
    const [state] = await fresh();
    const sql = state!.client;
    const past = ISSUES[2]!;
    await openIssues(sql, [past]);
    const store = new PostgresSlaStore(sql);
    const clock = new ManualClock('2026-09-28T01:00:00.000Z');
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    // Watched from its opening to its breach, and again from its reopening (sla-watch.test.ts has the property).
    const watched = async () => (await rows(sql, `SELECT issue_id FROM verity.sla_watch`)).map((r) => r.issue_id);
    expect(await watched()).toEqual(['past']);
    expect(log(await sla.sweep())).toEqual(['2026-09-28T01:00:00.000Z past/breached']);
    expect(await watched()).toEqual([]);
    await act(sql, 'past', { type: 'claim' }, '2026-09-28T10:00:00.000+08:00', SUPERVISOR);
    await act(sql, 'past', { type: 'resolve', outcome: 'confirmed-correct', note: 'customer confirmed by phone' }, '2026-09-28T11:00:00.000+08:00', SUPERVISOR);
    expect(await store.breachCounts()).toEqual([]);
    // New evidence: the pipeline reopens it, back in the queue and no longer escalated.
    await sql.transaction(async (tx) => {
      const [row] = await tx.query<{ state: unknown }>(`SELECT state FROM verity.issues WHERE issue_id = 'past' FOR UPDATE`);
      const before = IssueState.parse(row!.state);
      const change = reopen(before, 'ev-past-2', '2026-09-29T10:00:00.000+08:00');
      await insertEntry(tx, systemEntry(before, change, PIPELINE_ACTOR));
      await tx.query(`UPDATE verity.issues SET state = $2, version = $3, status = $4 WHERE issue_id = $1`, ['past', JSON.stringify(change.issue), change.issue.version, change.issue.status]);
    });
    expect(await watched()).toEqual(['past']);
    await clock.advanceTo('2026-09-29T03:00:00.000Z');
    expect(log(await sla.sweep())).toEqual(['2026-09-29T03:00:00.000Z past/breached']);
    expect(await watched()).toEqual([]);
    expect(await sla.sweep()).toEqual([]);
    expect(await rows(sql, `SELECT episode, kind FROM verity.sla_notices ORDER BY episode`)).toEqual([
      { episode: 1, kind: 'breached' },
      { episode: 5, kind: 'breached' },
    ]);
    expect(await store.breachCounts()).toEqual([{ queue: 'callback-verification', breached: 1 }]);
  });

  // Paused Thu 2026-10-08 09:00 → Mon 10-12 09:00: 72 working hours (the 调休 Saturday 10-10 counts, Sunday not); the due time moves by them.
  it("the desk's resume alone moves the due time by the paused working time", { timeout: 120_000 }, async () => {
    const [state] = await fresh();
    const sql = state!.client;
    await openIssues(sql, [ISSUES[0]!]);
    const desk = deskOn(sql);
    deskNow = '2026-10-08T08:30:00.000+08:00';
    await desk.act('holiday', 1, STEWARD, { type: 'claim' });
    deskNow = '2026-10-08T09:00:00.000+08:00';
    await desk.act('holiday', 2, STEWARD, { type: 'pause', reason: 'waiting for the customer’s documents' });
    deskNow = '2026-10-12T09:00:00.000+08:00';
    const resumed = await desk.act('holiday', 3, STEWARD, { type: 'resume' });
    expect(resumed.dueAt).toBe('2026-10-14T23:59:59.999+08:00');
  });

  /** `count` issues already past due, three to a customer (each customer's on three rules). */
  const pastDue = (count: number, prefix: string): IssueState[] =>
    Array.from({ length: count }, (_, n) =>
      slaIssue(`${prefix}-${String(n).padStart(4, '0')}`, '2026-09-21T09:00:00.000+08:00', 3, {
        customerToken: `ct_${prefix}-${Math.floor(n / 3)}`,
        ruleId: ['mobile-format', 'email-format', 'landline-format'][n % 3]!,
      }),
    );

  /** Each issue's notices, clock history rows and outbox rows: one each, for every issue. */
  async function expectOncePerIssue(sql: SqlClient, ids: readonly string[]): Promise<void> {
    const per = async (query: string) => (await rows(sql, query)).map((r) => `${r.issue_id} ${r.n}`);
    const once = ids.map((id) => `${id} 1`);
    expect(await per(`SELECT issue_id, count(*)::int AS n FROM verity.sla_notices GROUP BY 1 ORDER BY 1`)).toEqual(once);
    expect(await per(`SELECT issue_id, count(*)::int AS n FROM verity.issue_history WHERE actor = 'sla-clock' GROUP BY 1 ORDER BY 1`)).toEqual(once);
    expect(await per(`SELECT payload::jsonb->'issue'->>'issueId' AS issue_id, count(*)::int AS n FROM verity.outbox GROUP BY 1 ORDER BY 1`)).toEqual(once);
    // The state, its history and its notice agree: version 2, escalated, the notice at version 2.
    const [bad] = await rows(
      sql,
      `SELECT count(*)::int AS n FROM verity.issues i JOIN verity.sla_notices n USING (issue_id)
        WHERE i.version <> 2 OR n.issue_version <> 2 OR NOT (i.state->>'escalated')::boolean`,
    );
    expect(bad).toEqual({ n: 0 });
  }

  it('raises a sweep over more issues than one chunk once each, also with two processes sweeping at once', { timeout: 120_000 }, async () => {
    const [a, b] = await fresh(2);
    const issues = pastDue(40, 'bulk');
    const ids = issues.map((i) => i.issueId).sort();
    await openIssues(a!.client, issues);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z');
    const chunkSize = 7; // 6 chunks, customers split across them
    const spied = recorded(a!.client);
    const one = new SlaClock({ store: new PostgresSlaStore(spied.client), calendar: prcCalendar, logger: silent, clock, chunkSize });
    const two = new SlaClock({ store: new PostgresSlaStore(b!.client), calendar: prcCalendar, logger: silent, clock, chunkSize });
    const [x, y] = await Promise.all([one.sweep(), two.sweep()]);
    // Between them, every issue's breach once, whichever clock's chunk claimed it.
    expect([...log(x), ...log(y)].sort()).toEqual(ids.map((id) => `2026-10-13T01:00:00.000Z ${id}/breached`));
    expect(one.raised.breached + two.raised.breached).toBe(40);
    await expectOncePerIssue(a!.client, ids);
    // One transaction per chunk, each the store shared, then one call for its customers' key
    // locks, then a fixed number of statements, however many issues it holds.
    expect(raising(spied.transactions)).toHaveLength(6);
    for (const statements of raising(spied.transactions)) {
      expect(statements[0]).toBe('SELECT pg_advisory_xact_lock_shared($1)');
      expect(statements[1]).toMatch(/^SELECT DISTINCT customer_token /);
      expect(statements[2]).toBe('SELECT verity.lock_keys($1::bigint[])');
      expect(statements.length).toBeLessThanOrEqual(8);
    }
    // A second sweep of each, and a clock in chunks of the default size: nothing left to raise.
    expect([...(await one.sweep()), ...(await two.sweep())]).toEqual([]);
    expect(await new SlaClock({ store: new PostgresSlaStore(b!.client), calendar: prcCalendar, logger: silent, clock }).sweep()).toEqual([]);
    await expectOncePerIssue(a!.client, ids);
  });

  it('reads the candidates in pages, each issue once, however the pages and chunks fall', { timeout: 120_000 }, async () => {
    const [a] = await fresh();
    const issues = pastDue(23, 'paged');
    const ids = issues.map((i) => i.issueId).sort();
    await openIssues(a!.client, issues);
    // Two not due (paused, closed) between them, which no page may count or stop at.
    await openIssues(a!.client, [
      issue('paged-0005a', '2026-09-21T09:00:00.000+08:00', 3),
      issue('paged-0011a', '2026-09-21T09:00:00.000+08:00', 3),
    ]);
    await a!.client.query(`UPDATE verity.issues SET state = jsonb_set(state, '{pausedSince}', '"2026-09-22T10:00:00.000+08:00"') WHERE issue_id = 'paged-0005a'`);
    await a!.client.query(`UPDATE verity.issues SET status = 'resolved' WHERE issue_id = 'paged-0011a'`);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z');
    const store = new PostgresSlaStore(a!.client);
    const idsOf = (page: SlaCandidatePage) => page.candidates.map((c) => c.issue.issueId);
    const first = await store.slaCandidates({ limit: 5 });
    expect([idsOf(first), first.next]).toEqual([ids.slice(0, 5), 'paged-0004']);
    // The paused issue takes its place in the page, not among its candidates; the closed one neither.
    const second = await store.slaCandidates({ after: first.next, limit: 5 });
    expect([idsOf(second), second.next]).toEqual([ids.slice(5, 9), 'paged-0008']);
    const last = await store.slaCandidates({ after: 'paged-0020', limit: 5 });
    expect([idsOf(last), last.next]).toEqual([ids.slice(21), undefined]);
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, pageSize: 5, chunkSize: 3 });
    expect(log(await sla.sweep())).toEqual(ids.map((id) => `2026-10-13T01:00:00.000Z ${id}/breached`));
    await expectOncePerIssue(a!.client, ids);
    expect(await store.slaCandidates({ limit: 50 })).toEqual({ candidates: [], next: undefined });
    expect(await sla.sweep()).toEqual([]);
  });

  it('a chunk naming more customers than key locks allow takes the store alone, and raises each once', { timeout: 120_000 }, async () => {
    const [a, b] = await fresh(2);
    // 3,003 issues of 1,001 customers: one chunk of them all would need 1,001 key locks.
    const issues = pastDue(3003, 'wide');
    const ids = issues.map((i) => i.issueId).sort();
    await openIssues(a!.client, issues);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z');
    const spied = recorded(a!.client);
    const wide = new SlaClock({ store: new PostgresSlaStore(spied.client), calendar: prcCalendar, logger: silent, clock, chunkSize: ids.length });
    const chunked = new SlaClock({ store: new PostgresSlaStore(b!.client), calendar: prcCalendar, logger: silent, clock });
    const [x, y] = await Promise.all([wide.sweep(), chunked.sweep()]);
    expect(x.length + y.length).toBe(3003);
    await expectOncePerIssue(a!.client, ids);
    // The wide chunk held the store exclusively and took no key lock; it ran a handful of statements, not thousands.
    const [statements] = raising(spied.transactions);
    expect(statements![0]).toBe('SELECT pg_advisory_xact_lock($1)');
    expect(statements!.some((q) => q.includes('lock_keys') || q.includes('lock_shared'))).toBe(false);
    expect(statements!.length).toBeLessThanOrEqual(6);
    expect([...(await wide.sweep()), ...(await chunked.sweep())]).toEqual([]);
  });

  it('a supervisor acting on the issue while the clock raises a notice: neither change is lost', { timeout: 120_000 }, async () => {
    const [a, b] = await fresh(2);
    await openIssues(a!.client, ISSUES);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z'); // every issue is past due
    const sla = new SlaClock({ store: new PostgresSlaStore(b!.client), calendar: prcCalendar, logger: silent, clock });
    // The supervisor acts on the version they read. When the clock commits in between, the desk
    // refuses the stale claim (StaleVersionError) rather than overwrite the notice, and the
    // supervisor claims again on what they now see: either way both changes stand.
    const claim = () => act(a!.client, 'saturday', { type: 'claim' }, '2026-10-13T09:00:00.000+08:00', SUPERVISOR);
    const claimed = claim().catch((error: unknown) => {
      if (!(error instanceof StaleVersionError)) throw error;
      return claim();
    });
    const [notices] = await Promise.all([sla.sweep(), claimed]);
    expect(log(notices)).toHaveLength(4);
    const [row] = await rows(a!.client, `SELECT state FROM verity.issues WHERE issue_id = 'saturday'`);
    expect(IssueState.parse(row!.state)).toMatchObject({ status: 'claimed', assignee: 'supervisor.li', escalated: true, version: 3 });
  });
});

describe('the SLA clock on embedded PGlite (npm start)', () => {
  it('raises the breaches once, and nothing again after a restart', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-sla-pglite-'));
    try {
      let { store } = await PostgresStateStore.open({ kind: 'embedded', path: join(dir, 'state') });
      await openIssues(store.client, ISSUES);
      const clock = new ManualClock('2026-10-13T01:00:00.000Z');
      // In pages of 3: the embedded store's SQL pages as the server's does.
      const first = new SlaClock({ store: new PostgresSlaStore(store.client), calendar: prcCalendar, logger: silent, clock, pageSize: 3 });
      expect(log(await first.sweep()).map((n) => n.split(' ')[1])).toEqual(['holiday/breached', 'past/breached', 'saturday/breached', 'short/breached']);
      await store.close();
      ({ store } = await PostgresStateStore.open({ kind: 'embedded', path: join(dir, 'state') }));
      const restarted = new SlaClock({ store: new PostgresSlaStore(store.client), calendar: prcCalendar, logger: silent, clock });
      expect(await restarted.sweep()).toEqual([]);
      const escalated = await store.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM verity.issues WHERE (state->>'escalated')::boolean`);
      expect(escalated).toEqual([{ n: 4 }]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the SLA clock test data', () => {
  it('has due times on the days the comments say', () => {
    expect(ISSUES.map((i) => `${i.issueId} ${i.dueDate}`)).toEqual(['holiday 2026-10-10', 'short 2026-09-29', 'past 2026-09-24', 'saturday 2026-10-12']);
  });
});
