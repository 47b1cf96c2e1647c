// The operational store (connectors/postgres) against real PostgreSQL: a server (the run's, a
// database per test) and PGlite embedded, with the same suite.
//
// The main property: events cut into batches, each batch evaluated over only what the store
// loads for it and written back in its transaction (batches re-delivered on the way), end in
// exactly the state one workspace holding every event reaches. A key the store failed to lock
// and load, or a change it failed to write, shows up as a difference. Synthetic values only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../connectors/postgres/migrations.ts';
import { PostgresStateStore } from '../../connectors/postgres/state-store.ts';
import type { StateTarget } from '../../connectors/postgres/sql-client.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { AgentChange, CustomerChange, type ChangeEvent } from '../../pipelines/contract/customer-change.ts';
import { ISSUE_STATUSES, isActive, OUTCOMES } from '../../pipelines/contract/issue.ts';
import { ScopeLostError } from '../../pipelines/errors.ts';
import { REOPENABLE_OUTCOMES } from '../../pipelines/quality/issue-tracker.ts';
import { createTokenizer, type Tokenizer } from '../../pipelines/privacy/tokens.ts';
import { candidateOf, evaluateBatch, loadRequestOf } from '../../pipelines/quality/evaluate-batch.ts';
import { PatternEngine } from '../../pipelines/quality/patterns/pattern-engine.ts';
import { emptySnapshot, type BatchLoadRequest, type PatternSnapshot } from '../../pipelines/quality/patterns/pattern-state.ts';
import type { AnalyticsOutput, ScopePosition, StateStore } from '../../pipelines/runtime/state-store.ts';
import { loadRulePack, type CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { noStateChanges } from '../support/postgres/no-changes.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';

const NOW = '2026-07-01T00:00:00.000Z';
let rules: readonly CompiledRule[];
let engine: PatternEngine;

beforeAll(async () => {
  rules = (await loadRulePack()).rules;
  engine = new PatternEngine(rules, prcCalendar, () => NOW);
});

// ── a small world where customers collide often ───────────────────────────────────────────────
const CUSTOMERS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
const AGENTS = ['AG-1', 'AG-2'];
const MOBILES = ['13912340001', '+86 139 1234 0001', '13912340002', '13912340003', '15800000004'];
const ACCOUNTS = ['6222020000001234', '6222 0200 0000 1234', '6222020000005678'];
const ADDRESSES = ['北京市海淀区测试路1号', '北京市海淀区测试路 １ 号', '上海市浦东新区样例路2号'];

type Step =
  | { kind: 'customer'; id: string; gap: number; mobile?: string; account?: string; address?: string; agent?: string }
  | { kind: 'customer-delete'; id: string; gap: number }
  | { kind: 'agent'; id: string; gap: number; mobile: string; relative?: string; address?: string }
  | { kind: 'agent-delete'; id: string; gap: number };

const gap = fc.integer({ min: 0, max: 20 });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('customer' as const), id: fc.constantFrom(...CUSTOMERS), gap, mobile: opt(fc.constantFrom(...MOBILES)), account: opt(fc.constantFrom(...ACCOUNTS)), address: opt(fc.constantFrom(...ADDRESSES)), agent: opt(fc.constantFrom(...AGENTS)) }, { requiredKeys: ['kind', 'id', 'gap'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('customer-delete' as const), id: fc.constantFrom(...CUSTOMERS), gap }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('agent' as const), id: fc.constantFrom(...AGENTS), gap, mobile: fc.constantFrom(...MOBILES), relative: opt(fc.constantFrom(...MOBILES)), address: opt(fc.constantFrom(...ADDRESSES)) }, { requiredKeys: ['kind', 'id', 'gap', 'mobile'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('agent-delete' as const), id: fc.constantFrom(...AGENTS), gap }) },
);

/** Steps as contract events; `run` keeps event ids apart between runs sharing one database. */
function eventsOf(steps: readonly Step[], run: string): ChangeEvent[] {
  let at = Date.parse('2026-05-04T09:00:00+08:00');
  return steps.map((step, i) => {
    at += step.gap * 86_400_000 + 60_000;
    const head = { eventId: `${run}-e${i}`, source: 'state-store-test', occurredAt: new Date(at).toISOString() };
    switch (step.kind) {
      case 'customer':
        return CustomerChange.parse({
          ...head,
          schema: 'customer-change/v1',
          op: 'update',
          customerId: step.id,
          customer: {
            kind: 'person',
            name: '样例',
            ...(step.mobile ? { mobile: step.mobile } : {}),
            ...(step.account ? { bankAccounts: [{ number: step.account }] } : {}),
            ...(step.address ? { address: step.address } : {}),
          },
          ...(step.agent ? { policy: { policyId: `P-${step.id}`, role: 'policyholder', agentId: step.agent, channel: 'bancassurance' } } : {}),
        });
      case 'customer-delete':
        return CustomerChange.parse({ ...head, schema: 'customer-change/v1', op: 'delete', customerId: step.id });
      case 'agent':
        return AgentChange.parse({
          ...head,
          schema: 'agent-change/v1',
          op: 'update',
          agentId: step.id,
          agent: { name: '代理人', mobile: step.mobile, ...(step.address ? { address: step.address } : {}), ...(step.relative ? { relatives: [{ mobile: step.relative }] } : {}) },
        });
      case 'agent-delete':
        return AgentChange.parse({ ...head, schema: 'agent-change/v1', op: 'delete', agentId: step.id });
    }
  });
}

/** Kafka-like scopes: customers spread over two partitions by id, agents on their own topic. */
function scopeOf(event: ChangeEvent, run: string): string {
  if (event.schema === 'agent-change/v1') return `${run}/agents`;
  return `${run}/customers-${CUSTOMERS.indexOf(event.customerId) % 2}`;
}

const deps = (tokenizer: Tokenizer) => ({ rules, tokenizer, calendar: prcCalendar, engine, now: () => NOW });


/**
 * One batch the way the pipeline runs it: applied ids, lock and load, evaluate, write back. With
 * `unit`, a write unit of several scopes' batches (`scope` its first, `batchId` its own id).
 */
async function applyBatch(
  store: StateStore,
  scope: string,
  batchId: string,
  events: readonly ChangeEvent[],
  tokenizer: Tokenizer,
  unit?: { readonly scopes: readonly string[]; readonly batches: readonly ScopePosition[] },
): Promise<string> {
  const { id } = await store.transaction(unit?.scopes ?? scope, async (tx) => {
    const applied = await tx.applied(events.map((e) => e.eventId));
    const candidates = events.filter((e) => !applied.has(e.eventId)).map((event, index) => candidateOf({ index, event, coordinates: `${scope}@${index}` }, tokenizer, rules));
    const snapshot = await tx.load(loadRequestOf(candidates));
    const result = await evaluateBatch(candidates, snapshot, deps(tokenizer));
    const output: AnalyticsOutput = {
      batchId,
      scope,
      position: unit?.batches[0]?.position ?? `${scope}@${events.length}`,
      ...(unit ? { batches: unit.batches } : {}),
      records: result.records,
      findings: result.findings,
      issueChanges: result.issueChanges,
      deadLetters: [],
      findingMirror: result.changes.findingMirror,
      derivedAt: NOW,
    };
    return tx.apply(result.changes, candidates.map((c) => c.event.eventId), output);
  });
  return id;
}

/** Everything the oracle holds: every customer, agent and value the run's events named. */
function everything(oracle: PatternSnapshot): BatchLoadRequest {
  const agents = [...new Set([...oracle.agents.keys(), ...oracle.agentCustomers.keys()])];
  return { customers: [...oracle.customers.keys()], agents, agentsChanged: agents, values: [...oracle.holders.keys()] };
}

/** A snapshot as plain sorted data, without holders' empty entries: what two snapshots compare by. */
function normalise(s: PatternSnapshot) {
  const sortBy = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    customers: sortBy([...s.customers]),
    holders: sortBy([...s.holders].filter(([, m]) => m.size > 0).map(([k, m]) => [k, sortBy([...m])] as [string, unknown])),
    agents: sortBy([...s.agents]),
    agentCustomers: sortBy([...s.agentCustomers].filter(([, c]) => c.size > 0).map(([k, c]) => [k, [...c].sort()] as [string, unknown])),
    mobileChanges: sortBy([...s.mobileChanges].filter(([, c]) => c.length > 0)),
    findings: sortBy([...s.findings]),
    openIssues: sortBy([...s.openIssues].filter(([, m]) => m.size > 0).map(([k, m]) => [k, sortBy([...m])] as [string, unknown])),
  };
}

let runs = 0;

function suite(openStore: () => Promise<StateStore>, closeAll: () => Promise<void>, numRuns: number, { processes }: { processes: 'several' | 'one' }) {
  let store: StateStore;
  beforeAll(async () => {
    store = await openStore();
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await closeAll();
  });

  it('batches over what the store loads end where one workspace with every event ends, re-deliveries included', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), async (steps, cuts, redeliver) => {
        const run = `r${++runs}-${Date.now().toString(36)}`;
        // A key per run: its tokens share nothing with earlier runs in the same database.
        const tokenizer = createTokenizer(Buffer.alloc(32, runs % 251));
        const events = eventsOf(steps, run);

        const oracle = emptySnapshot();
        const all = events.map((event, index) => candidateOf({ index, event, coordinates: `oracle@${index}` }, tokenizer, rules));
        await evaluateBatch(all, oracle, deps(tokenizer));

        // Consecutive events of one scope form a batch, cut further where `cuts` says.
        const batches: { scope: string; events: ChangeEvent[] }[] = [];
        for (const [i, event] of events.entries()) {
          const scope = scopeOf(event, run);
          const last = batches.at(-1);
          if (last && last.scope === scope && !cuts[i]) last.events.push(event);
          else batches.push({ scope, events: [event] });
        }
        const taken = new Set<string>();
        for (const [b, batch] of batches.entries()) {
          if (!taken.has(batch.scope)) {
            expect(await store.takeOver(batch.scope)).toEqual([]);
            taken.add(batch.scope);
          }
          const id = await applyBatch(store, batch.scope, `${run}-b${b}`, batch.events, tokenizer);
          expect(id).not.toBe('');
          await store.confirm(id);
          // A re-delivered batch finds every id applied: it changes nothing.
          if (redeliver[b % redeliver.length]) await applyBatch(store, batch.scope, `${run}-b${b}-again`, batch.events, tokenizer).then((again) => store.confirm(again));
        }

        const stored = await store.transaction(batches[0]!.scope, (tx) => tx.load(everything(oracle)));
        expect(normalise(stored)).toEqual(normalise(oracle));
      }),
      { numRuns, seed: Number(process.env.VERITY_FUZZ_SEED ?? 7_007_001), endOnFailure: true },
    );
  });

  it('a batch reaching more keys than one transaction may lock takes the store alone, beside a small batch on the same values', { timeout: 120_000 }, async () => {
    const run = `wide-${Date.now().toString(36)}`;
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x53));
    const pairs = 10_000;
    // 1391…: 13900000000 is a stand-in (the placeholder rule's), which forms no group.
    const mobile = (i: number) => `1391${String(i).padStart(7, '0')}`;
    // 20,000 customers in pairs on 10,000 mobiles: 30,000 keys, more than the shared lock table of
    // a default server or PGlite holds (about 6,400 with some slack): such a batch failed with
    // SQLSTATE 53200 while it took a lock per key.
    const wide = eventsOf(
      Array.from({ length: 2 * pairs }, (_, i) => ({ kind: 'customer' as const, id: `W${i}`, gap: 0, mobile: mobile(i % pairs) })),
      `${run}-wide`,
    );
    const small = eventsOf([{ kind: 'customer', id: 'W-third', gap: 0, mobile: mobile(0) }], `${run}-small`);
    const before = (await store.activeFindingCounts())['shared-mobile'] ?? 0;
    await store.takeOver(`${run}/wide`);
    await store.takeOver(`${run}/small`);
    const ids = await Promise.all([applyBatch(store, `${run}/wide`, `${run}-wide-1`, wide, tokenizer), applyBatch(store, `${run}/small`, `${run}-small-1`, small, tokenizer)]);
    for (const id of ids) await store.confirm(id);
    // Every pair member, and the third holder of the first mobile, whichever batch ran first.
    expect(((await store.activeFindingCounts())['shared-mobile'] ?? 0) - before).toBe(2 * pairs + 1);
  });

  it('tells a retried batch whether its earlier attempt committed its output: committed and pending, rolled back, or confirmed', async () => {
    const scope = `held-${Date.now().toString(36)}`;
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x52));
    await store.takeOver(scope);
    const committed = await applyBatch(store, scope, `${scope}-1`, eventsOf([{ kind: 'customer', id: 'C1', gap: 0, mobile: MOBILES[0] }], scope), tokenizer);
    // An attempt whose transaction rolled back after apply: its id was taken, its row never committed.
    let rolledBack = '';
    await expect(
      store.transaction(scope, async (tx) => {
        const output = { batchId: `${scope}-2`, scope, position: '', records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [], derivedAt: NOW };
        rolledBack = (await tx.apply(noStateChanges(), [], output)).id;
        throw new Error('the commit never happened');
      }),
    ).rejects.toThrow('the commit never happened');
    const holds = () => store.transaction(scope, async (tx) => ({ committed: await tx.holdsPending(committed), rolledBack: await tx.holdsPending(rolledBack) }));
    expect(rolledBack).not.toBe('');
    expect(await holds()).toEqual({ committed: true, rolledBack: false });
    await store.confirm(committed);
    expect(await holds()).toEqual({ committed: false, rolledBack: false });
  });

  it("reads an agent's whole customer list only for an agent event or a steward's suppression of the agent's group", async () => {
    const run = `agents-${Date.now().toString(36)}`;
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x54));
    await store.takeOver(run);
    // Ids of this run only: the store is shared with the other tests of the suite.
    const [c1, c2, agentId] = [`${run}-C1`, `${run}-C2`, `${run}-AG`];
    const events = eventsOf(
      [
        { kind: 'customer', id: c1, gap: 0, agent: agentId },
        { kind: 'customer', id: c2, gap: 0, agent: agentId },
      ],
      run,
    );
    await store.confirm(await applyBatch(store, run, `${run}-1`, events, tokenizer));
    const agent = tokenizer.token('agent', agentId);
    const listOf = (request: Pick<BatchLoadRequest, 'agentsChanged'>) =>
      store.transaction(run, async (tx) => {
        const snapshot = await tx.load({ customers: [], values: [], agents: [agent], ...request });
        return snapshot.agentCustomers.get(agent);
      });
    const customers = [c1, c2].map((c) => tokenizer.token('customer', c)).sort();
    // A customer event names the agent: its contacts are read, not its customers.
    expect(await listOf({ agentsChanged: [] })).toBeUndefined();
    // An agent event re-judges every customer of the agent.
    expect([...((await listOf({ agentsChanged: [agent] })) ?? [])].sort()).toEqual(customers);
    // A suppression of the agent's group holds while its membership stays: the list is needed to tell.
    await (store as PostgresStateStore).client.query(`INSERT INTO verity.suppressions (rule_id, group_token, membership, issue_id) VALUES ('agent-contact-reuse', $1, 'x', 'i')`, [agent]);
    expect([...((await listOf({ agentsChanged: [] })) ?? [])].sort()).toEqual(customers);
    await (store as PostgresStateStore).client.query(`DELETE FROM verity.suppressions WHERE group_token = $1`, [agent]);
  });

  it('gives back a pending output whole: serialised as written now, deflated JSON as migrations 7 to 12 wrote it, and JSON text as stores before them', async () => {
    const scope = `pending-${Date.now().toString(36)}`;
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x53));
    await store.takeOver(scope);
    const events = eventsOf([{ kind: 'customer', id: 'C1', gap: 0, mobile: MOBILES[0] }], scope);
    const written = await applyBatch(store, scope, `${scope}-1`, events, tokenizer);
    const client = (store as PostgresStateStore).client;
    const [form] = await client.query<{ serialized: boolean; deflated: boolean; text: boolean }>(
      'SELECT output_serialized IS NOT NULL AS serialized, output_deflated IS NOT NULL AS deflated, output IS NOT NULL AS text FROM verity.pending_outputs WHERE id = $1',
      [written],
    );
    expect(form).toEqual({ serialized: true, deflated: false, text: false });
    // Rows as earlier releases wrote them: deflated JSON in base64 (migrations 7 to 12), and the JSON as text (before 7).
    const older = (n: number) => ({ batchId: `${scope}-${n}`, scope, position: '', records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [], derivedAt: NOW });
    const [deflated, text] = [older(2), older(3)];
    await client.query(`INSERT INTO verity.pending_outputs (scope, batch_id, output_deflated) VALUES ($1, $2, $3)`, [
      scope,
      deflated.batchId,
      deflateRawSync(JSON.stringify(deflated)).toString('base64'),
    ]);
    await client.query(`INSERT INTO verity.pending_outputs (scope, batch_id, output) VALUES ($1, $2, $3)`, [scope, text.batchId, JSON.stringify(text)]);
    // A row holds one form, never two (check_violation; the store's errors carry the SQLSTATE, never the row).
    await expect(
      client.query(`INSERT INTO verity.pending_outputs (scope, batch_id, output, output_serialized) VALUES ($1, $2, $3, $3)`, [scope, `${scope}-4`, 'x']),
    ).rejects.toThrow(/SQLSTATE 23514/);
    const pending = await store.takeOver(scope);
    expect(pending.map((p) => p.id)[0]).toBe(written);
    const [now, fromDeflated, fromText] = pending.map((p) => p.output);
    expect(now?.batchId).toBe(`${scope}-1`);
    expect(now?.records.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
    expect(now?.records[0]?.customerToken).toBe(tokenizer.token('customer', 'C1'));
    expect(fromDeflated).toEqual(deflated);
    expect(fromText).toEqual(text);
    for (const p of pending) await store.confirm(p.id);
    expect(await store.takeOver(scope)).toEqual([]);
  });

  it("takes a write unit of several scopes' batches through one transaction: each scope's position, one pending output any of them finds", async () => {
    const run = `unit-${Date.now().toString(36)}`;
    const tokenizer = createTokenizer(Buffer.alloc(32, 0x55));
    const [a, b] = [`${run}/a`, `${run}/b`];
    await store.takeOver(a);
    await store.takeOver(b);
    const events = eventsOf(
      [
        { kind: 'customer', id: 'C1', gap: 0, mobile: MOBILES[0] },
        { kind: 'customer', id: 'C2', gap: 0, mobile: MOBILES[0] },
      ],
      run,
    );
    const batches = [
      { scope: a, batchId: `${a}-1`, position: `${a}@1` },
      { scope: b, batchId: `${b}-1`, position: `${b}@1` },
    ];
    // Scopes given in any order: the store locks them in one.
    const id = await applyBatch(store, a, `unit:${run}`, events, tokenizer, { scopes: [b, a], batches });
    const client = (store as PostgresStateStore).client;
    const scopes = await client.query<{ scope: string; position: string; last_batch_id: string }>(`SELECT scope, position, last_batch_id FROM verity.scopes WHERE scope = ANY($1::text[]) ORDER BY scope`, [[a, b]]);
    expect(scopes).toEqual(batches.map((x) => ({ scope: x.scope, position: x.position, last_batch_id: x.batchId })));
    // Whoever takes either scope over writes the unit's output again (under the unit's id).
    for (const scope of [b, a]) {
      const pending = await store.takeOver(scope);
      expect(pending.map((p) => p.id)).toEqual([id]);
      expect(pending[0]!.output.batchId).toBe(`unit:${run}`);
      expect(pending[0]!.output.batches).toEqual(batches);
      expect(pending[0]!.output.records.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
    }
    await store.confirm(id);
    expect(await store.takeOver(a)).toEqual([]);
    expect(await store.takeOver(b)).toEqual([]);
    // Both events applied, the shared mobile found across the unit.
    expect(await store.transaction([a, b], (tx) => tx.applied(events.map((e) => e.eventId)))).toEqual(new Set(events.map((e) => e.eventId)));
    if (processes === 'several') {
      const other = await openStore();
      try {
        await other.takeOver(b);
        // The unit is refused naming the scope lost, so the pipeline can go on without its batch.
        const lost = await store.transaction([a, b], async () => 'written').catch((error: unknown) => error);
        expect(lost).toBeInstanceOf(ScopeLostError);
        expect((lost as ScopeLostError).scope).toBe(b);
        expect(await store.transaction([a], async () => 'written')).toBe('written');
      } finally {
        await other.close();
      }
    }
  });

  it("loads each (rule, customer)'s active issue, or else its last one if a steward closed it as correct or corrected", { timeout: 300_000 }, async () => {
    const client = (store as PostgresStateStore).client;
    const issueArb = fc.record({ status: fc.constantFrom(...ISSUE_STATUSES), outcome: fc.constantFrom('', ...OUTCOMES), version: fc.integer({ min: 1, max: 3 }) });
    const pairArb = fc.record({ customer: fc.integer({ min: 0, max: 3 }), rule: fc.constantFrom('mobile-format', 'shared-mobile', 'required-fields'), issues: fc.array(issueArb, { maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(pairArb, { selector: (p) => `${p.customer}/${p.rule}`, maxLength: 8 }), async (pairs) => {
        const run = `issues-${(runs += 1)}-${Date.now().toString(36)}`;
        const customers = [0, 1, 2, 3].map((i) => `${run}-c${i}`);
        const expected = { open: new Map<string, string>(), reopenable: new Map<string, string>() };
        const rows = pairs.flatMap(({ customer, rule, issues }) => {
          const customerToken = customers[customer]!;
          // At most one active issue per pair (the store's unique index); each a distinct time.
          let active = false;
          const states = issues.map((issue, k) => {
            const status = isActive(issue.status) && active ? 'withdrawn' : issue.status;
            active ||= isActive(status);
            const updatedAt = new Date(Date.parse(NOW) + k * 60_000).toISOString();
            return { issueId: `${customerToken}-${rule}-${k}`, ruleId: rule, customerToken, status, version: issue.version, updatedAt, outcome: status === 'resolved' ? issue.outcome : '' };
          });
          const open = states.find((state) => isActive(state.status));
          const last = [...states].sort((a, b) => b.version - a.version || (a.updatedAt < b.updatedAt ? 1 : -1))[0];
          const key = `${customerToken}/${rule}`;
          if (open) expected.open.set(key, open.issueId);
          else if (last?.status === 'resolved' && REOPENABLE_OUTCOMES.includes(last.outcome)) expected.reopenable.set(key, last.issueId);
          return states.map((state) => ({ issue_id: state.issueId, rule_id: rule, customer_token: customerToken, status: state.status, version: state.version, state }));
        });
        if (rows.length > 0) await client.query(`INSERT INTO verity.issues SELECT * FROM jsonb_populate_recordset(NULL::verity.issues, $1::jsonb)`, [JSON.stringify(rows)]);
        await store.takeOver(run);
        const snapshot = await store.transaction(run, (tx) => tx.load({ customers, values: [], agents: [], agentsChanged: [] }));
        const found = (issues: PatternSnapshot['openIssues']) => new Map([...issues].flatMap(([customer, byRule]) => [...byRule].map(([rule, state]) => [`${customer}/${rule}`, state.issueId] as const)));
        expect(found(snapshot.openIssues)).toEqual(expected.open);
        expect(found(snapshot.reopenable)).toEqual(expected.reopenable);
      }),
      { numRuns: 40 },
    );
  });

  if (processes === 'several') it('refuses a transaction of an earlier tenure once another process took the scope over', { timeout: 120_000 }, async () => {
    const other = await openStore();
    try {
      const scope = `fence-${Date.now().toString(36)}`;
      const tokenizer = createTokenizer(Buffer.alloc(32, 0x51));
      await store.takeOver(scope);
      const events = eventsOf([{ kind: 'customer', id: 'C1', gap: 0, mobile: MOBILES[0] }], scope);
      const first = await applyBatch(store, scope, `${scope}-1`, events, tokenizer);
      // Taken over before the first batch's output was confirmed: the new owner gets it as pending.
      const pending = await other.takeOver(scope);
      expect(pending.map((p) => p.id)).toEqual([first]);
      expect(pending[0]!.output.records).toHaveLength(1);
      const late = eventsOf([{ kind: 'customer', id: 'C2', gap: 1, mobile: MOBILES[0] }], `${scope}-late`);
      await expect(applyBatch(store, scope, `${scope}-2`, late, tokenizer)).rejects.toBeInstanceOf(ScopeLostError);
      // The new owner goes on; confirmed outputs are no longer pending.
      await other.confirm(first);
      await other.confirm(await applyBatch(other, scope, `${scope}-2`, late, tokenizer));
      expect(await other.takeOver(scope)).toEqual([]);
    } finally {
      await other.close();
    }
  });
}

describePostgres('the state store on a PostgreSQL server', () => {
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
    Number(process.env.VERITY_FUZZ_SCALE ?? 1) * 200,
    { processes: 'several' },
  );

  it('processes that share values write concurrently: no update lost, no deadlock left unbroken', { timeout: 600_000 }, async () => {
    const db = await createDatabase(url);
    const stores = await Promise.all([1, 2, 3].map(async () => (await PostgresStateStore.open({ kind: 'server', url: db })).store));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 10, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), async (steps, batchSize) => {
          const run = `c${++runs}`;
          const tokenizer = createTokenizer(Buffer.alloc(32, runs % 251));
          const events = eventsOf(steps, run);
          const oracle = emptySnapshot();
          await evaluateBatch(events.map((event, index) => candidateOf({ index, event, coordinates: `oracle@${index}` }, tokenizer, rules)), oracle, deps(tokenizer));

          // Each scope in its own process, all at once: per scope in order, across scopes in any order.
          const scopes = [...new Set(events.map((e) => scopeOf(e, run)))];
          await Promise.all(
            scopes.map(async (scope, i) => {
              const store = stores[i % stores.length]!;
              await store.takeOver(scope);
              const own = events.filter((e) => scopeOf(e, run) === scope);
              for (let at = 0; at < own.length; at += batchSize) {
                await store.confirm(await applyBatch(store, scope, `${run}-${scope}-${at}`, own.slice(at, at + batchSize), tokenizer));
              }
            }),
          );

          // What does not depend on the order across scopes: who holds what, which findings hold
          // for whom and over how large a group, which issues are open. (Times and evidence do.)
          const stored = await stores[0]!.transaction(scopes[0]!, (tx) => tx.load(everything(oracle)));
          const shape = (snap: PatternSnapshot) => ({
            holders: [...snap.holders].filter(([, m]) => m.size > 0).map(([k, m]) => `${k}=${[...m.keys()].sort().join(',')}`).sort(),
            findings: [...snap.findings.values()].map((f) => `${f.ruleId}/${f.customerToken}/${f.groupToken}/${f.groupSize}`).sort(),
            openIssues: [...snap.openIssues].flatMap(([c, m]) => [...m.keys()].map((r) => `${r}/${c}`)).sort(),
          });
          expect(shape(stored)).toEqual(shape(oracle));
        }),
        { numRuns: Number(process.env.VERITY_FUZZ_SCALE ?? 1) * 60, seed: Number(process.env.VERITY_FUZZ_SEED ?? 7_007_002), endOnFailure: true },
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropDatabase(db);
    }
  });

  it('applies its migrations once when several processes start at once', { timeout: 120_000 }, async () => {
    const db = await createDatabase(url);
    try {
      const opened = await Promise.all([1, 2, 3].map(() => PostgresStateStore.open({ kind: 'server', url: db })));
      expect(opened.map((o) => o.migrations).sort()).toEqual([[], [], MIGRATIONS.map((m) => m.version)]);
      await Promise.all(opened.map((o) => o.store.close()));
    } finally {
      await dropDatabase(db);
    }
  });
});

describe('the state store on PGlite (embedded)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-state-pglite-'));
  const target: StateTarget = { kind: 'embedded', path: join(dir, 'pg') };
  // One process opens an embedded store (its lock file): the tests of several processes are the server's.
  suite(
    async () => (await PostgresStateStore.open(target)).store,
    async () => rmSync(dir, { recursive: true, force: true }),
    Number(process.env.VERITY_FUZZ_SCALE ?? 1) * 100,
    { processes: 'one' },
  );
});
