import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StoreError, VerityError } from '../errors.ts';
import { Health } from './health.ts';
import { OutageError, OutageRetry, type Dependency } from './outage-retry.ts';

const refused = () => new StoreError('STORE_WRITE_FAILED', 'insert into records failed: ECONNREFUSED', { retriable: true });

/** A retry on a manual clock: sleeping advances the clock instead of waiting. */
function harness(budgetMs = 60_000) {
  let now = Date.parse('2026-06-01T00:00:00Z');
  const events: string[] = [];
  const health = new Health();
  const sleeps: number[] = [];
  const retry = new OutageRetry({
    policy: { budgetMs, firstDelayMs: 100, maxDelayMs: 1000 },
    logger: pino({ level: 'silent' }),
    health,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
    onOutage: (d: Dependency) => events.push(`down:${d}`),
    onRecovered: (d: Dependency) => events.push(`up:${d}`),
    onRetry: (d: Dependency) => events.push(`retry:${d}`),
  });
  return { retry, health, events, sleeps, advance: (ms: number) => (now += ms) };
}

/** A call that fails `n` times with `error`, then returns 'ok'. */
function failing(n: number, error: () => unknown = refused) {
  let calls = 0;
  return {
    call: async () => {
      calls += 1;
      if (calls <= n) throw error();
      return 'ok';
    },
    get calls() {
      return calls;
    },
  };
}

describe('OutageRetry', () => {
  it('retries a retriable failure with capped exponential backoff, reports the outage, and ends it on success', async () => {
    const h = harness();
    const seen: string[] = [];
    const flaky = failing(6);
    const result = await h.retry.run('store', 'writing a batch', async () => {
      seen.push(h.health.readiness().reason);
      return flaky.call();
    });
    expect(result).toBe('ok');
    expect(flaky.calls).toBe(7);
    expect(h.events).toEqual(['down:store', ...Array(6).fill('retry:store'), 'up:store']);
    // 100, 200, 400, 800, then capped at 1000, each within ±20 % jitter.
    const nominal = [100, 200, 400, 800, 1000, 1000];
    h.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(nominal[i]! * 0.8 - 1);
      expect(ms).toBeLessThanOrEqual(nominal[i]! * 1.2 + 1);
    });
    // While it failed, /readyz gave the reason: what, since when, which attempt, and the error's code.
    expect(seen[3]).toMatch(/^store unavailable since 2026-06-01T00:00:00\.000Z \(writing a batch, attempt 3\): insert into records failed: ECONNREFUSED$/);
    expect(h.health.readiness()).toEqual({ ready: true, reason: '' });
    expect(h.retry.isDown('store')).toBe(false);
  });

  it('is down while any dependency is: one recovering while another still fails leaves it down', async () => {
    const h = harness();
    const downWhenRecovered: string[] = [];
    const retry = new OutageRetry({
      policy: { budgetMs: 60_000, firstDelayMs: 100, maxDelayMs: 1000 },
      logger: pino({ level: 'silent' }),
      health: h.health,
      sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
      onRecovered: (d: Dependency) => downWhenRecovered.push(`${d}:${retry.isDown() ? 'still down' : 'all up'}`),
    });
    const store = failing(2);
    const state = failing(20);
    await Promise.all([retry.run('store', 'writing a batch', store.call), retry.run('state', 'a batch transaction', state.call)]);
    // The store came back first while the state store still failed: consumption must stay paused.
    expect(downWhenRecovered).toEqual(['store:still down', 'state:all up']);
    expect(retry.isDown()).toBe(false);
    expect(retry.isDown('state')).toBe(false);
  });

  it('does not retry an error that is not retriable', async () => {
    const h = harness();
    const broken = failing(1, () => new StoreError('STORE_WRITE_FAILED', 'insert into records failed: ClickHouse 27 CANNOT_PARSE_INPUT_ASSERTION_FAILED', { retriable: false }));
    await expect(h.retry.run('store', 'writing a batch', broken.call)).rejects.toThrow('CANNOT_PARSE_INPUT');
    expect(broken.calls).toBe(1);
    expect(h.events).toEqual([]);
    expect(h.health.readiness().ready).toBe(true);
  });

  it('gives up past the budget with an error saying how long and how often, and stays unready', async () => {
    const h = harness(5_000);
    const down = failing(Infinity);
    const error = await h.retry.run('store', 'writing a batch', down.call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutageError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: false });
    expect((error as Error).message).toMatch(/^writing a batch: still failing after [45] s and \d+ attempts \(the retry budget\): insert into records failed: ECONNREFUSED$/);
    expect(down.calls).toBeGreaterThan(5);
    expect(h.health.readiness().ready).toBe(false);
    expect(h.events).not.toContain('up:store');
  });

  it('stops retrying at once when the batch is abandoned, with the signal\'s reason', async () => {
    const h = harness();
    const lost = new AbortController();
    const reason = new VerityError('SCOPE_LOST', 'lost the partition');
    let calls = 0;
    const run = h.retry.run(
      'store',
      'writing a batch',
      async () => {
        calls += 1;
        if (calls === 3) lost.abort(reason);
        throw refused();
      },
      { fence: lost.signal },
    );
    await expect(run).rejects.toBe(reason);
    expect(calls).toBe(3);
    // The abandoned call no longer counts as failing: the outage ended with it.
    expect(h.health.readiness().ready).toBe(true);
  });

  it('ends an outage only when every failing call has succeeded', async () => {
    const h = harness();
    const slow = failing(4);
    const quick = failing(1);
    const both = Promise.all([h.retry.run('store', 'writing a batch', slow.call), h.retry.run('store', 'looking up stored events', quick.call)]);
    await expect(both).resolves.toEqual(['ok', 'ok']);
    expect(h.events.filter((e) => !e.startsWith('retry')).join(' ')).toBe('down:store up:store');
  });

  it('lets a stop end the retrying but still makes a first attempt', async () => {
    const h = harness();
    const stop = new AbortController();
    stop.abort(new Error('stop requested'));
    await expect(h.retry.run('store', 'writing a batch', async () => 'ok', { stop: stop.signal })).resolves.toBe('ok');
    await expect(h.retry.run('store', 'writing a batch', failing(3).call, { stop: stop.signal })).rejects.toThrow('stop requested');
    const fence = new AbortController();
    fence.abort(new Error('lost'));
    await expect(h.retry.run('store', 'writing a batch', async () => 'ok', { fence: fence.signal })).rejects.toThrow('lost');
  });

  it('keeps the store and the topics apart', async () => {
    const h = harness();
    await h.retry.run('topics', 'publishing', failing(2).call);
    expect(h.events.filter((e) => !e.startsWith('retry'))).toEqual(['down:topics', 'up:topics']);
  });
});
