// The state store's housekeeping, a chore on the wall clock (one process of a group does it, as
// the SLA clock). Its main work is the applied-id window: every event and dead-letter id a batch
// applied is kept so that a re-delivery changes nothing, one row per event; kept for ever, that
// set grew without bound (a 500-million-record backfill would leave 500 million rows). So it is a
// window, sized in config: ids applied within `retentionDays`, and at most `maxIds` of them. A
// duplicate that arrives later than that is applied again (README, "Duplicates").
import type { Logger } from 'pino';
import { Chore } from './chore.ts';
import type { Clock } from './clock.ts';
import type { AppliedIdWindow, StateStore } from './state-store.ts';

/** How long, and how many, applied ids the store keeps (RunConfig.appliedIds). */
export interface AppliedIdRetention {
  readonly retentionDays: number;
  readonly maxIds: number;
}

/** Between two passes; the first runs when the run starts. */
export const HOUSEKEEPING_EVERY_MS = 10 * 60_000;

const DAY_MS = 86_400_000;

/** The window as of `now` (ISO 8601). */
export function appliedIdWindow(retention: AppliedIdRetention, now: string): AppliedIdWindow {
  return { appliedBefore: new Date(Date.parse(now) - retention.retentionDays * DAY_MS).toISOString(), keepNewest: retention.maxIds };
}

export interface StateHousekeepingDeps {
  readonly store: Pick<StateStore, 'housekeeping'>;
  readonly retention: AppliedIdRetention;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class StateHousekeeping {
  readonly #deps: StateHousekeepingDeps;
  readonly #chore: Chore<number>;
  readonly #stop = new AbortController();
  /** Ids this process's passes forgot, for the report. */
  forgotten = 0;

  constructor(deps: StateHousekeepingDeps) {
    this.#deps = deps;
    this.#chore = new Chore({ name: 'state housekeeping', pass: () => this.#pass(), clock: deps.clock, logger: deps.logger });
  }

  /** One pass; passes never overlap. */
  run(): Promise<number> {
    return this.#chore.run();
  }

  /**
   * A pass now and one every HOUSEKEEPING_EVERY_MS while `active()`. The first is not waited for:
   * on a store that kept every id so far it may take minutes, and batches interleave with it.
   * The stop function ends a running pass after its current statement and waits for it.
   */
  start(active: () => boolean): () => Promise<void> {
    if (active()) void this.#chore.runLogged();
    const cancel = this.#chore.every(HOUSEKEEPING_EVERY_MS, active);
    return () => {
      this.#stop.abort();
      return cancel();
    };
  }

  async #pass(): Promise<number> {
    if (this.#stop.signal.aborted) return 0;
    const { store, retention, clock, logger } = this.#deps;
    const window = appliedIdWindow(retention, clock.now());
    const { appliedIdsForgotten } = await store.housekeeping(window, this.#stop.signal);
    this.forgotten += appliedIdsForgotten;
    if (appliedIdsForgotten > 0) logger.info({ forgotten: appliedIdsForgotten, appliedBefore: window.appliedBefore, keepNewest: window.keepNewest }, 'applied ids outside the window forgotten');
    return appliedIdsForgotten;
  }
}
