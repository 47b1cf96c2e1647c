// The pipeline's ordering promises, on a state store that can be held mid-transaction. The stores'
// own behaviour is tested against PostgreSQL in tests/postgres; here only the order matters.
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from '../contract/bounds.ts';
import { StoreError } from '../errors.ts';
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
    close: async () => undefined,
  };
  return store;
}

const line = (id: string) =>
  Buffer.from(JSON.stringify({ schema: 'customer-change/v1', eventId: id, source: 'unit', op: 'update', occurredAt: '2026-06-01T01:00:00Z', customerId: id, customer: { kind: 'person', name: '样例' } }));

const batchOf = (id: string, scope: string): SourceBatch => ({ id, scope, tenure: 1, messages: [{ value: line(id), key: null, coordinates: { kind: 'file', file: scope, line: 1 } }] });

/** An exclusive pipeline over `state` and `analytics`, retrying for `budgetMs` without waiting. */
function pipelineOver(state: StateStore, analytics: Sink, stats: RunStats, budgetMs: number): QualityPipeline {
  return new QualityPipeline({
    rules,
    tokenizer: createTokenizer(Buffer.alloc(32, 1)),
    calendar: prcCalendar,
    ownership: 'exclusive',
    adapters: [],
    bounds: { limits: DEFAULT_INPUT_LIMITS, eventTimeEarliest: DEFAULT_EVENT_TIME.earliest, eventTimeAheadHours: DEFAULT_EVENT_TIME.aheadHours },
    state,
    sinks: [],
    analytics,
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
