// The pipeline's ordering promises and its write units, on a state store that can be held
// mid-transaction. The stores' own behaviour is tested against PostgreSQL in tests/postgres; here
// only the order and the grouping matter.
import fc from 'fast-check';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from '../contract/bounds.ts';
import { ScopeLostError, StoreError } from '../errors.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import { emptySnapshot } from '../quality/patterns/pattern-state.ts';
import { loadRulePack, type CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { Health } from './health.ts';
import { OutageRetry } from './outage-retry.ts';
import { QualityPipeline } from './quality-pipeline.ts';
import { RunStats } from './run-stats.ts';
import type { Sink } from './sink.ts';
import type { SourceBatch } from './source.ts';
import type { StateStore } from './state-store.ts';

let rules: readonly CompiledRule[];
beforeAll(async () => {
  rules = (await loadRulePack()).rules;
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Applies nothing for real; a transaction waits for `hold` when one is set. */
function heldStore(): StateStore & { hold?: Promise<void>; running: number } {
  const store = {
    description: 'held',
    running: 0,
    hold: undefined as Promise<void> | undefined,
    takeOver: async () => [],
    async transaction<T>(_scope: string, work: (tx: Parameters<StateStore['transaction']>[1] extends (tx: infer X) => unknown ? X : never) => Promise<T>): Promise<T> {
      store.running += 1;
      try {
        await store.hold;
        return await work({ applied: async () => new Set(), load: async () => emptySnapshot(), apply: async (_changes, _applied, output) => ({ id: 'out-1', output }), holdsPending: async () => false });
      } finally {
        store.running -= 1;
      }
    },
    confirm: async () => undefined,
    activeFindingCounts: async () => ({}),
    openIssueCount: async () => 0,
    housekeeping: async () => ({ appliedIdsForgotten: 0, outboxRowsDeleted: 0 }),
    close: async () => undefined,
  };
  return store;
}

const line = (id: string) =>
  Buffer.from(JSON.stringify({ schema: 'customer-change/v1', eventId: id, source: 'unit', op: 'update', occurredAt: '2026-06-01T01:00:00Z', customerId: id, customer: { kind: 'person', name: '样例' } }));

const batchOf = (id: string, scope: string): SourceBatch => ({ id, scope, tenure: 1, messages: [{ value: line(id), key: null, coordinates: { kind: 'file', file: scope, line: 1 } }] });

/** An exclusive pipeline over `state` and `analytics`, retrying for `budgetMs` without waiting. */
function pipelineOver(state: StateStore, analytics: Sink, stats: RunStats, budgetMs: number, ownership: 'exclusive' | 'shared' = 'exclusive', unitMessages = 5000): QualityPipeline {
  return new QualityPipeline({
    rules,
    tokenizer: createTokenizer(Buffer.alloc(32, 1)),
    calendar: prcCalendar,
    ownership,
    adapters: [],
    bounds: { limits: DEFAULT_INPUT_LIMITS, eventTimeEarliest: DEFAULT_EVENT_TIME.earliest, eventTimeAheadHours: DEFAULT_EVENT_TIME.aheadHours },
    state,
    sinks: [],
    analytics,
    writeUnit: { messages: unitMessages, waitMs: 0 },
    stats,
    logger: pino({ level: 'silent' }),
    retry: new OutageRetry({ policy: { budgetMs, firstDelayMs: 1, maxDelayMs: 1 }, logger: pino({ level: 'silent' }), health: new Health() }),
    now: () => '2026-06-01T02:00:00.000Z',
  });
}

describe('QualityPipeline ordering', () => {
  it("a batch handed after one whose write failed settles only once its own transaction has: the stores may be closed after it", async () => {
    const state = heldStore();
    let writes = 0;
    const analytics: Sink = {
      name: 'analytics store',
      dependency: 'store',
      write: async () => {
        writes += 1;
        throw new StoreError('STORE_WRITE_FAILED', 'insert into records failed: a test', { retriable: false });
      },
    };
    const pipeline = pipelineOver(state, analytics, new RunStats(rules.map((r) => r.definition.id)), 0);

    const first = pipeline.handle(batchOf('a', 'one'));
    await expect(first).rejects.toThrow('insert into records failed');
    expect(writes).toBe(1);

    const held = gate();
    state.hold = held.opened;
    let settled = false;
    const second = pipeline.handle(batchOf('b', 'two')).finally(() => (settled = true));
    second.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.running).toBe(1);
    expect(settled).toBe(false);
    held.open();
    await expect(second).rejects.toThrow('insert into records failed');
    expect(state.running).toBe(0);
    // The failed run writes nothing more: the second batch's output is left pending for the next run.
    expect(writes).toBe(1);
  });
});

describe('QualityPipeline and a commit whose acknowledgement was lost', () => {
  it('a batch transaction that committed although its commit failed (the server killed mid-COMMIT) is not lost on retry', async () => {
    // A state store that keeps what commits, and fails the first commit after making it durable:
    // the connection was cut between the server committing and the client hearing so.
    const applied = new Set<string>();
    const pending = new Set<string>();
    const confirmed: string[] = [];
    let transactions = 0;
    let nextId = 0;
    const state: StateStore = {
      description: 'commit-lost',
      takeOver: async () => [],
      async transaction(_scope, work) {
        transactions += 1;
        const staged = { applied: [] as string[], pending: [] as string[] };
        const result = await work({
          applied: async (ids) => new Set(ids.filter((id) => applied.has(id))),
          load: async () => emptySnapshot(),
          apply: async (_changes, ids, output) => {
            staged.applied.push(...ids);
            const id = `out-${++nextId}`;
            staged.pending.push(id);
            return { id, output };
          },
          holdsPending: async (id) => pending.has(id),
        });
        for (const id of staged.applied) applied.add(id);
        for (const id of staged.pending) pending.add(id);
        if (transactions === 1) throw new StoreError('STORE_UNAVAILABLE', 'state store: commit failed: connection lost', { retriable: true });
        return result;
      },
      confirm: async (id) => {
        confirmed.push(id);
        pending.delete(id);
      },
      activeFindingCounts: async () => ({}),
      openIssueCount: async () => 0,
      housekeeping: async () => ({ appliedIdsForgotten: 0, outboxRowsDeleted: 0 }),
      close: async () => undefined,
    };
    const written: { records: number; attempt: string }[] = [];
    const analytics: Sink = {
      name: 'analytics store',
      dependency: 'store',
      write: async (_batch, out, options) => void written.push({ records: out.records.length, attempt: options.attempt }),
    };
    const stats = new RunStats(rules.map((r) => r.definition.id));
    const pipeline = pipelineOver(state, analytics, stats, 60_000);

    await pipeline.handle(batchOf('a', 'one'));
    expect(transactions).toBe(2);
    // The output the first attempt committed is written and confirmed, once; the event is
    // accepted once and not taken for a duplicate of itself.
    expect(written).toEqual([{ records: 1, attempt: 'pending:out-1' }]);
    expect(confirmed).toEqual(['out-1']);
    expect(pending.size).toBe(0);
    expect({ accepted: stats.accepted, duplicates: stats.duplicates }).toEqual({ accepted: 1, duplicates: 0 });
  });
});

/** Records what each transaction was over and what it applied; a transaction waits for `hold` when set. */
function unitStore(lost: ReadonlySet<string> = new Set()) {
  const transactions: string[][] = [];
  const applied = new Set<string>();
  let hold: Promise<void> | undefined;
  let outputs = 0;
  const state: StateStore = {
    description: 'units',
    takeOver: async () => [],
    async transaction(scopes, work) {
      const over = typeof scopes === 'string' ? [scopes] : [...scopes];
      await hold;
      const gone = over.find((s) => lost.has(s));
      if (gone) throw new ScopeLostError(gone, 'a test took it over');
      transactions.push(over);
      const staged: string[] = [];
      const result = await work({
        applied: async (ids) => new Set(ids.filter((id) => applied.has(id))),
        load: async () => emptySnapshot(),
        apply: async (_changes, ids, output) => {
          staged.push(...ids);
          return { id: `out-${++outputs}`, output };
        },
        holdsPending: async () => false,
      });
      for (const id of staged) applied.add(id);
      return result;
    },
    confirm: async () => undefined,
    activeFindingCounts: async () => ({}),
    openIssueCount: async () => 0,
    housekeeping: async () => ({ appliedIdsForgotten: 0, outboxRowsDeleted: 0 }),
    close: async () => undefined,
  };
  const writes: { id: string; scope: string; eventIds: string[] }[] = [];
  const analytics: Sink = {
    name: 'analytics store',
    dependency: 'store',
    write: async (batch, out) => void writes.push({ id: batch.id, scope: batch.scope, eventIds: out.records.map((r) => r.eventId) }),
  };
  return {
    state,
    analytics,
    transactions,
    writes,
    hold(until: Promise<void> | undefined) {
      hold = until;
    },
  };
}

/** A batch of `ids.length` messages of one scope, lines numbered from `firstLine`. */
const batchOfMany = (id: string, scope: string, ids: readonly string[], firstLine = 1): SourceBatch => ({
  id,
  scope,
  tenure: 1,
  messages: ids.map((e, i) => ({ value: line(e), key: null, coordinates: { kind: 'file' as const, file: scope, line: firstLine + i } })),
});

describe('QualityPipeline write units', () => {
  it('takes the batches handed over while a transaction runs through the next one together: one transaction over their scopes, one analytics write', async () => {
    const store = unitStore();
    const pipeline = pipelineOver(store.state, store.analytics, new RunStats(rules.map((r) => r.definition.id)), 0);
    const held = gate();
    store.hold(held.opened);
    const first = pipeline.handle(batchOf('a', 'one'));
    // Past the first unit's wait: it is in its transaction, held.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const settled: string[] = [];
    const later = ['b', 'c'].map((id, i) => pipeline.handle(batchOf(id, ['two', 'three'][i]!)).then(() => void settled.push(id)));
    expect(settled).toEqual([]);
    held.open();
    await Promise.all([first, ...later]);
    expect(store.transactions).toEqual([['one'], ['two', 'three']]);
    // A batch alone keeps its id; a unit of several gets one of its own, the same for the same batches.
    expect(store.writes.map((w) => w.eventIds)).toEqual([['a'], ['b', 'c']]);
    expect(store.writes[0]!.id).toBe('a');
    expect(store.writes[1]!.id).toMatch(/^unit:[0-9a-f]{32}$/);
    expect(settled.sort()).toEqual(['b', 'c']);
  });

  it("gives up a batch whose scope was lost in the unit's transaction, alone: the rest of the unit is written", async () => {
    const store = unitStore(new Set(['lost']));
    const pipeline = pipelineOver(store.state, store.analytics, new RunStats(rules.map((r) => r.definition.id)), 0, 'shared');
    const held = gate();
    store.hold(held.opened);
    const first = pipeline.handle(batchOf('a', 'one'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const gone = pipeline.handle(batchOf('b', 'lost'));
    gone.catch(() => undefined);
    const kept = pipeline.handle(batchOf('c', 'kept'));
    held.open();
    await first;
    await expect(gone).rejects.toBeInstanceOf(ScopeLostError);
    await kept;
    expect(store.transactions).toEqual([['one'], ['kept']]);
    expect(store.writes.map((w) => ({ id: w.id, eventIds: w.eventIds }))).toEqual([
      { id: 'a', eventIds: ['a'] },
      { id: 'c', eventIds: ['c'] },
    ]);
  });

  it('writes every event once, in the order handed over, whatever the units the load makes (property)', async () => {
    const batchArb = fc.record({ scope: fc.constantFrom('s1', 's2', 's3'), size: fc.integer({ min: 1, max: 4 }), awaited: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 10 }), async (plan, budget) => {
        const store = unitStore();
        const pipeline = pipelineOver(store.state, store.analytics, new RunStats(rules.map((r) => r.definition.id)), 0, 'exclusive', budget);
        const handed: Promise<void>[] = [];
        const all: string[] = [];
        for (const [b, { scope, size, awaited }] of plan.entries()) {
          const ids = Array.from({ length: size }, (_, i) => `e${b}-${i}`);
          all.push(...ids);
          const done = pipeline.handle(batchOfMany(`b${b}`, scope, ids));
          handed.push(done);
          // Some batches wait for their write before the next is handed over, others do not.
          if (awaited) await done;
        }
        await Promise.all(handed);
        expect(store.writes.flatMap((w) => w.eventIds)).toEqual(all);
        // A unit stays within the budget unless it is one batch larger than it.
        let b = 0;
        for (const scopes of store.transactions) {
          const members = plan.slice(b, b + scopes.length);
          expect(members.map((m) => m.scope)).toEqual(scopes);
          const messages = members.reduce((n, m) => n + m.size, 0);
          expect(members.length === 1 || messages <= budget).toBe(true);
          b += scopes.length;
        }
        expect(b).toBe(plan.length);
      }),
      { numRuns: 60 },
    );
  });
});
