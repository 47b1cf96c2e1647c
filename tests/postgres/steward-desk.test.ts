// The stewards' desk, the issue history and the outbox relay against a real PostgreSQL server,
// with the real pipeline writing issues in batches: the lifecycle through the desk, the history
// that cannot be edited and folds to the state, stewards and the pipeline changing one issue at
// once without a lost update, two claims racing through two "processes", a correction sent and
// then confirmed by the upstream's next event, a legitimate pattern suppressed until its group's
// membership changes, and the analytics store mirroring stewards' transitions once the relay ran.
// Generated data only.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import fc from 'fast-check';
import { Client } from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import { migrate } from '../../connectors/clickhouse/migrations.ts';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { FileCorrectionSink } from '../../connectors/file/correction-outbox.ts';
import { PostgresOutboxStore } from '../../connectors/postgres/outbox-store.ts';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import { PostgresStewardDesk, type DeskVaultHooks } from '../../connectors/postgres/steward-desk.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { CustomerCorrection } from '../../pipelines/contract/correction.ts';
import { CustomerChange, type ChangeEvent } from '../../pipelines/contract/customer-change.ts';
import type { IssueChange, IssueState } from '../../pipelines/contract/issue.ts';
import { ConflictError, ForbiddenError, IssueRequestError, StaleVersionError } from '../../pipelines/errors.ts';
import { createTokenizer, type Tokenizer } from '../../pipelines/privacy/tokens.ts';
import { candidateOf, evaluateBatch, loadRequestOf } from '../../pipelines/quality/evaluate-batch.ts';
import { PatternEngine } from '../../pipelines/quality/patterns/pattern-engine.ts';
import { correctionToken } from '../../pipelines/quality/patterns/pattern-state.ts';
import { systemClock } from '../../pipelines/runtime/clock.ts';
import { OutboxRelay, type CorrectionSealer, type IssueMirror } from '../../pipelines/runtime/outbox-relay.ts';
import type { AnalyticsOutput } from '../../pipelines/runtime/state-store.ts';
import type { Actor, StewardAction } from '../../pipelines/stewardship/actions.ts';
import { fold } from '../../pipelines/stewardship/lifecycle.ts';
import { loadRulePack, type CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { createDatabase, describePostgres, usePostgres } from '../support/postgres/use-postgres.ts';

const NOW = '2026-09-28T02:00:00.000Z';
const li: Actor = { username: 'li', role: 'steward' };
const wang: Actor = { username: 'wang', role: 'steward' };
const boss: Actor = { username: 'zhao', role: 'supervisor' };
const logger = pino({ level: 'silent' });

let rules: readonly CompiledRule[];
let engine: PatternEngine;
const tokenizer: Tokenizer = createTokenizer(Buffer.alloc(32, 0x5a));
const tokenOf = (id: string) => tokenizer.token('customer', id);

/** A real AES-256-GCM sealer, as the vault's would be: the outbox must never hold a raw value. */
function testSealer(): CorrectionSealer {
  const key = randomBytes(32);
  return {
    seal(correction, customerToken) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(customerToken));
      const body = Buffer.concat([cipher.update(JSON.stringify(correction)), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, customerToken) {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12)).setAAD(Buffer.from(customerToken));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return CustomerCorrection.parse(JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')));
    },
  };
}

/** The vault as the desk sees it: customer ids by token (what the vault's sealed rows hold), drops recorded. */
function testVault(ids: readonly string[]): DeskVaultHooks & { dropped: string[] } {
  const byToken = new Map(ids.map((id) => [tokenOf(id), id]));
  const dropped: string[] = [];
  return {
    dropped,
    deleteVaultIfNoActive: async (_tx, token) => void dropped.push(token),
    customerIdOf: async (_tx, token) => byToken.get(token),
    sealer: testSealer(),
  };
}

let seq = 0;
function event(customerId: string, customer: Record<string, unknown>, at: string): ChangeEvent {
  return CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: `desk-${customerId}-${++seq}`,
    source: 'crm',
    op: 'update',
    occurredAt: at,
    customerId,
    customer: { kind: 'person', name: '测试', ...customer },
    policy: { policyId: `P-${customerId}`, role: 'policyholder', agentId: 'AG-1', channel: 'agency' },
  });
}

/** One batch the way the pipeline runs it: applied ids, lock and load, evaluate, write back. */
async function applyBatch(store: PostgresStateStore, scope: string, events: readonly ChangeEvent[]): Promise<readonly IssueChange[]> {
  return store.transaction(scope, async (tx) => {
    const applied = await tx.applied(events.map((e) => e.eventId));
    const candidates = events.filter((e) => !applied.has(e.eventId)).map((e, index) => candidateOf({ index, event: e, coordinates: `${scope}@${index}` }, tokenizer, rules));
    const snapshot = await tx.load(loadRequestOf(candidates));
    const result = await evaluateBatch(candidates, snapshot, { rules, tokenizer, calendar: prcCalendar, engine, now: () => NOW });
    const output: AnalyticsOutput = {
      batchId: `batch-${++seq}`,
      scope,
      position: `${scope}@${seq}`,
      records: result.records,
      findings: result.findings,
      issueChanges: result.issueChanges,
      deadLetters: [],
      findingMirror: result.changes.findingMirror,
      derivedAt: NOW,
    };
    await tx.apply(result.changes, candidates.map((c) => c.event.eventId), output);
    return result.issueChanges;
  });
}

beforeAll(async () => {
  rules = (await loadRulePack()).rules;
  engine = new PatternEngine(rules, prcCalendar, () => NOW);
});

describePostgres('the stewards\' desk on a PostgreSQL server', () => {
  const { url } = usePostgres();
  let databaseUrl: string;
  let store: PostgresStateStore;
  let vault: ReturnType<typeof testVault>;
  let desk: PostgresStewardDesk;
  let pg: Client;
  const SCOPE = 'desk.jsonl';
  const active = async (customerId: string, ruleId: string) => (await desk.list({ ruleId, limit: 500 })).issues.find((i) => i.customerToken === tokenOf(customerId));
  const historyOf = async (issueId: string) => (await desk.get(issueId))!.history;

  beforeAll(async () => {
    databaseUrl = await createDatabase(url);
    store = (await PostgresStateStore.open({ kind: 'server', url: databaseUrl })).store;
    await store.takeOver(SCOPE);
    vault = testVault(['C1', 'C2', 'C3', 'C5', 'C9', 'R1', 'R2']);
    desk = new PostgresStewardDesk(store.client, { calendar: prcCalendar, tokenizer, vault });
    pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await store?.close();
  });

  it('queues by priority; claims, calls back and resolves; refuses what is not allowed; the history folds to the state', async () => {
    await applyBatch(store, SCOPE, [
      event('C1', { mobile: '12345', tier: 'general' }, '2026-09-28T09:00:00+08:00'),
      event('C2', { mobile: '13700000002', tier: 'core' }, '2026-09-28T09:01:00+08:00'),
      event('C3', { mobile: '13700000002', tier: 'general' }, '2026-09-28T09:02:00+08:00'),
    ]);
    // (Other rules find things in these records too: the test follows these two.)
    const ours = new Set(['shared-mobile', 'mobile-format']);
    const all = (await desk.list({})).issues.filter((i) => ours.has(i.ruleId));
    // Severity first (the shared mobile is high, the format medium), then core tier first.
    expect(all.map((i) => [i.ruleId, i.customerToken])).toEqual([
      ['shared-mobile', tokenOf('C2')],
      ['shared-mobile', tokenOf('C3')],
      ['mobile-format', tokenOf('C1')],
    ]);
    expect(all[0]).toMatchObject({ tier: 'core', source: 'crm', channel: 'agency', status: 'open', assignee: '' });
    expect((await desk.list({ queue: 'contact-verification', ruleId: 'mobile-format' })).total).toBe(1);
    expect((await desk.list({ queue: 'callback-verification', channel: 'agency', source: 'crm' })).total).toBe(2);
    expect((await desk.list({ ruleId: 'shared-mobile', agentToken: tokenizer.token('agent', 'AG-1'), dueBefore: '2027-01-01T00:00:00Z' })).total).toBe(2);
    expect((await desk.list({ dueBefore: '2026-09-01T00:00:00Z' })).total).toBe(0);
    const page = await desk.list({ limit: 1, offset: 1 });
    expect(page.issues).toHaveLength(1);
    expect(page.total).toBe((await desk.list({})).total);

    const issue = (await active('C1', 'mobile-format'))!;
    const claimed = await desk.act(issue.issueId, 1, li, { type: 'claim' });
    expect(claimed).toMatchObject({ status: 'claimed', assignee: 'li', version: 2 });
    await expect(desk.act(issue.issueId, 1, wang, { type: 'claim' })).rejects.toBeInstanceOf(StaleVersionError);
    await expect(desk.act(issue.issueId, 2, wang, { type: 'claim' })).rejects.toBeInstanceOf(ConflictError);
    expect((await desk.list({ assignee: 'li' })).issues.map((i) => i.issueId)).toEqual([issue.issueId]);
    expect((await desk.list({ assignee: '', ruleId: 'shared-mobile' })).total).toBe(2);

    const unreachable = await desk.act(issue.issueId, 2, li, { type: 'record-callback', channel: 'phone', result: 'unreachable', note: 'no answer' });
    expect(unreachable).toMatchObject({ status: 'in-verification', callbackAttempts: 1, version: 3 });
    expect(unreachable.nextAttemptAt).toMatch(/T09:00:00\.000\+08:00$/);
    const reached = await desk.act(issue.issueId, 3, li, { type: 'record-callback', channel: 'phone', result: 'reached', note: 'number confirmed' });
    await expect(desk.act(issue.issueId, 4, wang, { type: 'resolve', outcome: 'confirmed-correct', note: '' })).rejects.toBeInstanceOf(ForbiddenError);
    const resolved = await desk.act(issue.issueId, reached.version, li, { type: 'resolve', outcome: 'confirmed-correct', note: 'customer confirmed' });
    expect(resolved).toMatchObject({ status: 'resolved', outcome: 'confirmed-correct', resolution: 'confirmed-correct', version: 5 });
    expect(vault.dropped).toContain(tokenOf('C1'));

    const detail = (await desk.get(issue.issueId))!;
    expect(detail.history.map((h) => [h.seq, h.action, h.actor, h.fromStatus, h.toStatus])).toEqual([
      [1, 'opened', 'pipeline', '', 'open'],
      [2, 'claim', 'li', 'open', 'claimed'],
      [3, 'record-callback', 'li', 'claimed', 'in-verification'],
      [4, 'record-callback', 'li', 'in-verification', 'in-verification'],
      [5, 'resolve', 'li', 'in-verification', 'resolved'],
    ]);
    expect(fold(detail.history, prcCalendar)).toEqual(detail.issue);
    // The pattern issue's evidence: the other holder, masked.
    const pattern = (await desk.get((await active('C2', 'shared-mobile'))!.issueId))!;
    expect(pattern.evidence?.holders?.map((h) => h.customerToken)).toEqual([tokenOf('C3')]);
    expect(JSON.stringify(pattern)).not.toContain('13700000002');

    // Every steward transition is in the outbox for the mirrors.
    const outbox = await pg.query<{ kind: string; payload: string }>(`SELECT kind, payload FROM verity.outbox ORDER BY id`);
    expect(outbox.rows.map((r) => [r.kind, (JSON.parse(r.payload) as IssueChange).change])).toEqual([
      ['issue-change', 'claim'],
      ['issue-change', 'record-callback'],
      ['issue-change', 'record-callback'],
      ['issue-change', 'resolve'],
    ]);

    // Escalate and return; a steward may not return, a supervisor may.
    const other = (await active('C3', 'shared-mobile'))!;
    const escalated = await desk.act(other.issueId, other.version, wang, { type: 'escalate', note: 'unclear ownership' });
    expect((await desk.list({ escalated: 'true' })).issues.map((i) => i.issueId)).toEqual([other.issueId]);
    await expect(desk.act(other.issueId, escalated.version, wang, { type: 'return', note: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(desk.act(other.issueId, escalated.version, wang, { type: 'claim' })).rejects.toBeInstanceOf(ForbiddenError);
    const returned = await desk.act(other.issueId, escalated.version, boss, { type: 'return', note: 'yours' });
    expect(returned.escalated).toBe(false);
    // Bulk assignment by a supervisor; refused per issue where it does not apply.
    const bulk = await desk.assign([other.issueId, issue.issueId, 'no-such-issue'], 'wang', boss);
    expect(bulk.assigned.map((i) => [i.issueId, i.assignee, i.status])).toEqual([[other.issueId, 'wang', 'claimed']]);
    expect(bulk.refused.map((r) => r.status)).toEqual([409, 404]);
    await expect(desk.assign([other.issueId], 'li', wang)).resolves.toMatchObject({ refused: [{ status: 403 }] });
    for (const i of [issue.issueId, other.issueId]) expect(fold(await historyOf(i), prcCalendar)).toEqual((await desk.get(i))!.issue);
  });

  it('refuses every UPDATE, DELETE and TRUNCATE of the history, whoever asks', async () => {
    const [row] = (await pg.query<{ issue_id: string }>('SELECT issue_id FROM verity.issue_history LIMIT 1')).rows;
    expect(row).toBeDefined();
    await expect(pg.query(`UPDATE verity.issue_history SET note = 'edited' WHERE issue_id = $1`, [row!.issue_id])).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(pg.query(`DELETE FROM verity.issue_history WHERE issue_id = $1`, [row!.issue_id])).rejects.toThrow(/append-only: DELETE refused/);
    await expect(pg.query(`TRUNCATE verity.issue_history`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM verity.issue_history WHERE note = 'edited'`);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('the pipeline and a steward change one issue at once: no update is lost, the history has no gap', async () => {
    await applyBatch(store, SCOPE, [event('C9', { mobile: '999' }, '2026-09-29T09:00:00+08:00')]);
    const issue = (await active('C9', 'mobile-format'))!;
    const REPEATS = 12;
    const CALLS = 6;
    // A steward acting on the version they last saw, reloading on 409 as the console would.
    const steward = async () => {
      const steps = [{ type: 'claim' as const }, ...Array.from({ length: CALLS }, () => ({ type: 'record-callback' as const, channel: 'phone' as const, result: 'unreachable' as const, note: 'busy' }))];
      for (const step of steps) {
        for (;;) {
          const current = (await desk.get(issue.issueId))!.issue;
          try {
            await desk.act(issue.issueId, current.version, li, step);
            break;
          } catch (error) {
            if (!(error instanceof StaleVersionError)) throw error;
          }
        }
      }
    };
    const pipeline = async () => {
      for (let i = 0; i < REPEATS; i++) await applyBatch(store, SCOPE, [event('C9', { mobile: `99${i}` }, `2026-09-29T10:${String(i).padStart(2, '0')}:00+08:00`)]);
    };
    await Promise.all([steward(), pipeline()]);
    const { issue: after, history } = (await desk.get(issue.issueId))!;
    expect(after).toMatchObject({ status: 'in-verification', assignee: 'li', occurrences: 1 + REPEATS, callbackAttempts: CALLS, version: 1 + REPEATS + 1 + CALLS });
    expect(history.map((h) => h.seq)).toEqual(Array.from({ length: after.version }, (_, i) => i + 1));
    expect(fold(history, prcCalendar)).toEqual(after);
    const [row] = (await pg.query<{ status: string; version: number }>('SELECT status, version FROM verity.issues WHERE issue_id = $1', [issue.issueId])).rows;
    expect(row).toEqual({ status: 'in-verification', version: after.version });
  });

  it('two claims through two processes at once: one wins, the other gets a 409', async () => {
    await applyBatch(store, SCOPE, [event('R1', { mobile: '13700000077' }, '2026-09-30T09:00:00+08:00'), event('R2', { mobile: '13700000077' }, '2026-09-30T09:01:00+08:00')]);
    const issue = (await active('R1', 'shared-mobile'))!;
    const clients: SqlClient[] = [await createSqlClient({ kind: 'server', url: databaseUrl }), await createSqlClient({ kind: 'server', url: databaseUrl })];
    try {
      const [a, b] = clients.map((c) => new PostgresStewardDesk(c, { calendar: prcCalendar, tokenizer, vault }));
      const results = await Promise.allSettled([a!.act(issue.issueId, issue.version, li, { type: 'claim' }), b!.act(issue.issueId, issue.version, wang, { type: 'claim' })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [lost] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost!.reason instanceof StaleVersionError || lost!.reason instanceof ConflictError).toBe(true);
      expect((lost!.reason as StaleVersionError).status).toBe(409);
      const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<IssueState>).value;
      expect((await desk.get(issue.issueId))!.issue.assignee).toBe(winner.assignee);
      expect((await historyOf(issue.issueId)).filter((h) => h.action === 'claim')).toHaveLength(1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a correction goes upstream sealed, is recorded as sent, and as confirmed when the next event carries it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-corrections-'));
    try {
      await applyBatch(store, SCOPE, [event('C5', { mobile: '5555' }, '2026-10-08T09:00:00+08:00')]);
      const issue = (await active('C5', 'mobile-format'))!;
      const claimed = await desk.act(issue.issueId, issue.version, li, { type: 'claim' });
      await expect(desk.act(issue.issueId, claimed.version, li, { type: 'resolve', outcome: 'corrected', note: 'called back' } as never)).rejects.toThrow();
      const resolved = await desk.act(issue.issueId, claimed.version, li, { type: 'resolve', outcome: 'corrected', note: 'called back', corrected: { mobile: '13912345678' } });
      expect(resolved.outcome).toBe('corrected');
      // Nothing raw outside the sealed payload: not the corrections, not the history, not the outbox.
      for (const table of ['corrections', 'issue_history', 'outbox', 'issues']) {
        const { rows } = await pg.query(`SELECT * FROM verity.${table}`);
        expect(JSON.stringify(rows), table).not.toContain('13912345678');
      }
      const [pending] = (await pg.query<{ value_token: string; sent_at: unknown }>('SELECT value_token, sent_at FROM verity.corrections WHERE issue_id = $1', [issue.issueId])).rows;
      expect(pending).toEqual({ value_token: correctionToken(tokenizer, 'mobile', '13912345678'), sent_at: null });

      const mirrored: IssueChange[] = [];
      const mirror: IssueMirror = { name: 'test mirror', writeIssueChanges: async (_id, changes) => void mirrored.push(...changes) };
      const sink = new FileCorrectionSink(join(dir, 'outbox', 'corrections.jsonl'));
      const relay = new OutboxRelay({ store: new PostgresOutboxStore(store.client), mirrors: [mirror], corrections: sink, sealer: vault.sealer, logger, clock: systemClock });
      expect(await relay.drain()).toBeGreaterThan(0);
      const lines = readFileSync(sink.path, 'utf8').trim().split('\n').map((l) => CustomerCorrection.parse(JSON.parse(l)));
      expect(lines).toEqual([expect.objectContaining({ schema: 'customer-correction/v1', customerId: 'C5', issueId: issue.issueId, fields: { mobile: '13912345678' }, steward: 'li' })]);
      expect(statSync(sink.path).mode & 0o777).toBe(0o600);
      expect(mirrored.filter((c) => c.issue.issueId === issue.issueId).map((c) => c.change)).toEqual(['claim', 'resolve', 'correction-sent']);
      expect(await relay.drain()).toBe(0);

      // The upstream applies it: its next event carries the value (formatted its own way).
      await applyBatch(store, SCOPE, [event('C5', { mobile: '+86 139-1234-5678' }, '2026-10-09T09:00:00+08:00')]);
      const { issue: after, history } = (await desk.get(issue.issueId))!;
      expect(history.slice(-2).map((h) => [h.action, h.actor, h.note])).toEqual([
        ['correction-sent', 'relay', 'sent upstream: mobile'],
        ['correction-confirmed', 'pipeline', 'confirmed upstream: mobile'],
      ]);
      expect(after).toMatchObject({ status: 'resolved', outcome: 'corrected' });
      expect(fold(history, prcCalendar)).toEqual(after);
      const [done] = (await pg.query<{ confirmed_at: string | null }>('SELECT confirmed_at FROM verity.corrections WHERE issue_id = $1', [issue.issueId])).rows;
      expect(done!.confirmed_at).not.toBeNull();
      // Confirmed once: a later event with the same value records nothing more.
      await applyBatch(store, SCOPE, [event('C5', { mobile: '13912345678' }, '2026-10-10T09:00:00+08:00')]);
      expect((await historyOf(issue.issueId)).filter((h) => h.action === 'correction-confirmed')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a pattern judged legitimate opens no issue for its group until the membership changes (002 art. 12(3))', async () => {
    const M1 = '13600000061';
    await applyBatch(store, SCOPE, [event('L1', { mobile: M1 }, '2026-10-12T09:00:00+08:00'), event('L2', { mobile: M1 }, '2026-10-12T09:01:00+08:00')]);
    const first = (await active('L1', 'shared-mobile'))!;
    const held = await desk.act(first.issueId, first.version, li, { type: 'claim' });
    await expect(desk.act(first.issueId, held.version, li, { type: 'resolve', outcome: 'legitimate', note: 'spouses' } as never)).rejects.toThrow();
    await desk.act(first.issueId, held.version, li, { type: 'resolve', outcome: 'legitimate', note: 'spouses', reason: 'a married couple sharing one phone' });
    const { rows } = await pg.query<{ rule_id: string; issue_id: string }>('SELECT rule_id, issue_id FROM verity.suppressions');
    expect(rows).toContainEqual({ rule_id: 'shared-mobile', issue_id: first.issueId });

    // L1 leaves the number (the group dissolves: L2's issue clears) and comes back: same members.
    await applyBatch(store, SCOPE, [event('L1', { mobile: '13600000062' }, '2026-10-13T09:00:00+08:00')]);
    expect(await active('L2', 'shared-mobile')).toBeUndefined();
    await applyBatch(store, SCOPE, [event('L1', { mobile: M1 }, '2026-10-14T09:00:00+08:00')]);
    expect(await active('L1', 'shared-mobile')).toBeUndefined();
    expect(await active('L2', 'shared-mobile')).toBeUndefined();

    // A third customer joins: the membership changed, the pattern is news again.
    await applyBatch(store, SCOPE, [event('L3', { mobile: M1 }, '2026-10-15T09:00:00+08:00')]);
    expect(await active('L3', 'shared-mobile')).toBeDefined();
  });

  it('an issue a steward closed as correct reopens on new evidence: the same issue, back in the queue', async () => {
    await applyBatch(store, SCOPE, [event('O1', { mobile: '4444' }, '2026-10-19T09:00:00+08:00')]);
    const issue = (await active('O1', 'mobile-format'))!;
    const held = await desk.act(issue.issueId, issue.version, li, { type: 'claim' });
    const closed = await desk.act(issue.issueId, held.version, li, { type: 'resolve', outcome: 'confirmed-correct', note: 'customer says it is right' });
    // The next event passes: nothing to reopen. Then another bad value: new evidence.
    await applyBatch(store, SCOPE, [event('O1', { mobile: '13912340000' }, '2026-10-20T09:00:00+08:00')]);
    expect(await active('O1', 'mobile-format')).toBeUndefined();
    await applyBatch(store, SCOPE, [event('O1', { mobile: '4445' }, '2026-10-21T09:00:00+08:00')]);
    const again = (await active('O1', 'mobile-format'))!;
    expect(again).toMatchObject({ issueId: issue.issueId, status: 'open', assignee: '', outcome: '', resolution: '', version: closed.version + 1, occurrences: closed.occurrences + 1 });
    expect(again.dueAt > closed.dueAt).toBe(true);
    const history = await historyOf(issue.issueId);
    expect(history.at(-1)).toMatchObject({ action: 'reopened', actor: 'pipeline', fromStatus: 'resolved', toStatus: 'open' });
    expect(fold(history, prcCalendar)).toEqual(again);
    // A false positive stays closed: the next bad value opens a new issue.
    const held2 = await desk.act(again.issueId, again.version, wang, { type: 'claim' });
    await desk.act(again.issueId, held2.version, wang, { type: 'resolve', outcome: 'false-positive', note: 'test account' });
    await applyBatch(store, SCOPE, [event('O1', { mobile: '4446' }, '2026-10-22T09:00:00+08:00')]);
    expect((await active('O1', 'mobile-format'))!.issueId).not.toBe(issue.issueId);
  });

  it('random actions by random actors, on current or stale versions: typed refusals change nothing, the rest add one version each', { timeout: 120_000 }, async () => {
    const actors = fc.constantFrom<Actor>(li, wang, boss, { username: 'qian', role: 'analyst' }, { username: 'sun', role: 'admin' });
    const actions = fc.constantFrom<StewardAction>(
      { type: 'claim' },
      { type: 'release' },
      { type: 'start-verification' },
      { type: 'record-callback', channel: 'sms', result: 'unreachable', note: '' },
      { type: 'record-callback', channel: 'phone', result: 'reached', note: 'ok' },
      { type: 'pause', reason: 'waiting for documents' },
      { type: 'resume' },
      { type: 'escalate', note: 'help' },
      { type: 'return', note: 'back' },
      { type: 'assign', assignee: 'li' },
      { type: 'resolve', outcome: 'false-positive', note: 'x' },
      { type: 'approve-reveal' },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(actors, actions, fc.boolean()), { minLength: 1, maxLength: 12 }), async (steps) => {
        const id = `P${++n}`;
        await applyBatch(store, SCOPE, [event(id, { mobile: '1' }, '2026-11-02T09:00:00+08:00')]);
        const issue = (await active(id, 'mobile-format'))!;
        let version = issue.version;
        for (const [actor, action, stale] of steps) {
          try {
            const next = await desk.act(issue.issueId, stale ? version - 1 : version, actor, action);
            expect(stale).toBe(false);
            expect(next.version).toBe(version + 1);
            version = next.version;
          } catch (error) {
            expect(error).toBeInstanceOf(IssueRequestError);
            if (stale) expect(error).toBeInstanceOf(StaleVersionError);
            expect((await desk.get(issue.issueId))!.issue.version).toBe(version);
          }
        }
        const { issue: after, history } = (await desk.get(issue.issueId))!;
        expect(history.map((h) => h.seq)).toEqual(Array.from({ length: after.version }, (_, i) => i + 1));
        expect(fold(history, prcCalendar)).toEqual(after);
      }),
      { numRuns: 20 },
    );
  });

  it('every stored history folds to its stored state', async () => {
    const { rows } = await pg.query<{ issue_id: string }>('SELECT issue_id FROM verity.issues ORDER BY issue_id');
    expect(rows.length).toBeGreaterThan(5);
    for (const { issue_id } of rows) {
      const detail = (await desk.get(issue_id))!;
      expect(fold(detail.history, prcCalendar), issue_id).toEqual(detail.issue);
    }
  });

  it('the analytics store mirrors stewards\' transitions once the relay ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-desk-chdb-'));
    let client: ClickHouseClient | undefined;
    try {
      client = createStoreClient({ kind: 'embedded', path: join(dir, 'chdb') });
      await migrate(client, 'verity_desk');
      const analytics = new AnalyticsStore(client, 'verity_desk', 2);
      const mirror: IssueMirror = {
        name: 'analytics store',
        writeIssueChanges: (batchId, issueChanges) => analytics.write({ id: batchId, scope: 'outbox' }, { records: [], findings: [], issueChanges, deadLetters: [] }, NOW),
      };
      // A fresh issue, worked by a steward; the relay drains (corrections left to the other test's relay).
      await applyBatch(store, SCOPE, [event('M1', { mobile: '777' }, '2026-10-16T09:00:00+08:00')]);
      const issue = (await active('M1', 'mobile-format'))!;
      const claimed = await desk.act(issue.issueId, issue.version, wang, { type: 'claim' });
      const verifying = await desk.act(issue.issueId, claimed.version, wang, { type: 'start-verification' });
      const relay = new OutboxRelay({ store: new PostgresOutboxStore(store.client), mirrors: [mirror], logger, clock: systemClock });
      await relay.drain();
      const read = async () =>
        (
          await (
            await client!.query({ query: `SELECT status, assignee, version, tier, source FROM verity_desk.issues FINAL WHERE issue_id = {id:String}`, query_params: { id: issue.issueId }, format: 'JSONEachRow' })
          ).json<{ status: string; assignee: string; version: string; tier: string; source: string }>()
        )[0];
      expect(await read()).toMatchObject({ status: 'in-verification', assignee: 'wang', source: 'crm' });
    expect(Number((await read())!.version)).toBe(verifying.version);
      const events = await (await client.query({ query: `SELECT change FROM verity_desk.issue_events FINAL WHERE issue_id = {id:String} ORDER BY version`, query_params: { id: issue.issueId }, format: 'JSONEachRow' })).json<{ change: string }>();
      expect(events.map((e) => e.change)).toEqual(['claim', 'start-verification']);
    } finally {
      await client?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The default `npm start` store: the same SQL on PGlite, embedded.
describe('the stewards\' desk on PGlite (embedded)', () => {
  it('claims and resolves, keeps the history append-only, and relays the changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-desk-pglite-'));
    const { store } = await PostgresStateStore.open({ kind: 'embedded', path: join(dir, 'pg') });
    try {
      await store.takeOver('embedded.jsonl');
      await applyBatch(store, 'embedded.jsonl', [event('E1', { mobile: '321' }, '2026-10-08T09:00:00+08:00')]);
      const desk = new PostgresStewardDesk(store.client, { calendar: prcCalendar, tokenizer, vault: testVault([]) });
      const [issue] = (await desk.list({ ruleId: 'mobile-format' })).issues;
      const held = await desk.act(issue!.issueId, issue!.version, li, { type: 'claim' });
      await expect(desk.act(issue!.issueId, issue!.version, wang, { type: 'claim' })).rejects.toBeInstanceOf(StaleVersionError);
      const done = await desk.act(issue!.issueId, held.version, li, { type: 'resolve', outcome: 'false-positive', note: 'test record' });
      const { history } = (await desk.get(issue!.issueId))!;
      expect(fold(history, prcCalendar)).toEqual(done);
      // The client reports the SQLSTATE only (messages may quote values): insufficient_privilege.
      await expect(store.client.query(`DELETE FROM verity.issue_history`)).rejects.toThrow(/42501/);
      const mirrored: string[] = [];
      const relay = new OutboxRelay({ store: new PostgresOutboxStore(store.client), mirrors: [{ name: 'm', writeIssueChanges: async (_id, cs) => void mirrored.push(...cs.map((c) => c.change)) }], logger, clock: systemClock });
      expect(await relay.drain()).toBe(2);
      expect(mirrored).toEqual(['claim', 'resolve']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
