// Outages cost no operator: a store or topic call that fails with a retriable error (the server
// restarting, the network refusing, a timeout) is tried again with capped exponential backoff,
// for up to a budget (default 10 minutes). Meanwhile the dependency is marked unavailable: /readyz
// answers 503 with the reason, and the source pauses consumption so memory stays bounded. When a
// call succeeds again, the outage is over and consumption resumes. Past the budget, or on an error
// that is not retriable, the call fails and with it the run (exit 1, nothing committed past the
// last durable batch).
//
// Every call retried here must be safe to repeat: reads, idempotent writes (insert deduplication
// tokens, deterministic ids, one batch-log attempt id per batch), and at-least-once publishing.
import type { Logger } from 'pino';
import { describeCause, isRetriable, VerityError } from '../errors.ts';
import type { Health } from './health.ts';

/** store: the analytics store; state: the operational store; topics: the brokers; files: the dead-letter archive. */
export type Dependency = 'store' | 'state' | 'topics' | 'files';

/** What ends a retry early; see `OutageRetry.run`. */
export interface RetrySignals {
  readonly fence?: AbortSignal | undefined;
  readonly stop?: AbortSignal | undefined;
}

export interface RetryPolicy {
  /** How long one call may keep failing before the run gives up. */
  readonly budgetMs: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ budgetMs: 600_000, firstDelayMs: 250, maxDelayMs: 10_000 });

export interface OutageRetryDeps {
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  readonly health: Health;
  /** Epoch milliseconds; injectable so tests need not wait. */
  readonly now?: () => number;
  /** Waits `ms`, or rejects with the signal's reason once it aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The first failure of an outage, and its end: the source pauses and resumes consumption. */
  readonly onOutage?: (dependency: Dependency) => void;
  readonly onRecovered?: (dependency: Dependency) => void;
  /** Counts each retry (metrics). */
  readonly onRetry?: (dependency: Dependency) => void;
}

/** The run gave up on a dependency: its retry budget is spent. */
export class OutageError extends VerityError {
  constructor(dependency: Dependency, what: string, seconds: number, attempts: number, cause: unknown) {
    super(
      dependency === 'topics' ? 'PUBLISH_FAILED' : 'STORE_UNAVAILABLE',
      `${what}: still failing after ${seconds} s and ${attempts} attempts (the retry budget): ${describeCause(cause)}`,
      { cause },
    );
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Outage {
  readonly since: number;
  /** Calls currently failing; the outage ends when none is. */
  readonly failing: Set<object>;
  attempts: number;
  label: string;
}

export class OutageRetry {
  readonly #deps: OutageRetryDeps;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #outages = new Map<Dependency, Outage>();

  constructor(deps: OutageRetryDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#sleep = deps.sleep ?? abortableSleep;
  }

  /** Whether `dependency` is failing right now; without one, whether any dependency is. */
  isDown(dependency?: Dependency): boolean {
    return dependency === undefined ? this.#outages.size > 0 : this.#outages.has(dependency);
  }

  /**
   * Calls `call` until it succeeds, fails with an error that is not retriable, or keeps failing
   * past the budget. `fence` (the batch's scope was lost) forbids any further attempt, the first
   * included; `stop` (the run is stopping) only ends the retrying: a first attempt is still made,
   * so a stop lets the batch in progress finish when nothing is down. Either rejects with its reason.
   */
  async run<T>(dependency: Dependency, what: string, call: () => Promise<T>, signals: RetrySignals = {}): Promise<T> {
    const token = {};
    let firstFailure: number | undefined;
    let attempts = 0;
    const { fence, stop } = signals;
    const signal = fence && stop ? AbortSignal.any([fence, stop]) : (fence ?? stop);
    for (;;) {
      fence?.throwIfAborted();
      if (attempts > 0) signal?.throwIfAborted();
      try {
        const result = await call();
        if (firstFailure !== undefined) this.#succeeded(dependency, token, what, attempts);
        return result;
      } catch (error) {
        if (signal?.aborted) {
          this.#release(dependency, token);
          throw signal.reason;
        }
        if (!isRetriable(error)) {
          this.#release(dependency, token, false);
          throw error;
        }
        attempts += 1;
        const now = this.#now();
        firstFailure ??= now;
        const { budgetMs, firstDelayMs, maxDelayMs } = this.#deps.policy;
        // ±20 % jitter: members of a group that lost the same store do not retry in lockstep.
        const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(attempts - 1, 30)) * (0.8 + 0.4 * Math.random());
        if (now - firstFailure + delay > budgetMs) {
          // The outage stays on record (and /readyz at 503): the run is about to stop because of it.
          this.#release(dependency, token, false);
          throw new OutageError(dependency, what, Math.round((now - firstFailure) / 1000), attempts, error);
        }
        this.#failed(dependency, token, what, error, attempts, firstFailure);
        this.#deps.onRetry?.(dependency);
        await this.#sleep(Math.round(delay), signal).catch((reason: unknown) => {
          this.#release(dependency, token);
          throw reason;
        });
      }
    }
  }

  #failed(dependency: Dependency, token: object, what: string, error: unknown, attempts: number, since: number): void {
    const label = describeCause(error);
    let outage = this.#outages.get(dependency);
    if (!outage) {
      outage = { since, failing: new Set(), attempts: 0, label };
      this.#outages.set(dependency, outage);
      this.#deps.logger.warn({ dependency, what, error: label }, `${dependency} unavailable: retrying with backoff, consumption paused`);
      this.#deps.onOutage?.(dependency);
    }
    outage.failing.add(token);
    outage.attempts = Math.max(outage.attempts, attempts);
    outage.label = label;
    this.#deps.health.set(
      `outage:${dependency}`,
      `${dependency} unavailable since ${new Date(outage.since).toISOString()} (${what}, attempt ${outage.attempts}): ${label}`,
    );
  }

  #succeeded(dependency: Dependency, token: object, what: string, attempts: number): void {
    const outage = this.#outages.get(dependency);
    this.#release(dependency, token);
    if (outage && !this.#outages.has(dependency)) {
      this.#deps.logger.warn({ dependency, what, attempts, outageMs: this.#now() - outage.since }, `${dependency} available again: consumption resumed`);
    }
  }

  /**
   * This call no longer fails (it succeeded, was abandoned, or gave up). The outage ends with its
   * last failing call, unless that call gave up (`recovered` false): then the dependency is still
   * down as far as anyone knows.
   */
  #release(dependency: Dependency, token: object, recovered = true): void {
    const outage = this.#outages.get(dependency);
    if (!outage || !outage.failing.delete(token) || outage.failing.size > 0 || !recovered) return;
    this.#outages.delete(dependency);
    this.#deps.health.clear(`outage:${dependency}`);
    this.#deps.onRecovered?.(dependency);
  }
}
