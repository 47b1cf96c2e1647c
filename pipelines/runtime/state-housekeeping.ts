// The state store's housekeeping, a chore on the wall clock (one process of a group does it, as
// the SLA clock). Its main work is the applied-id window: every event and dead-letter id a batch
// applied is kept so that a re-delivery changes nothing, one row per event; kept for ever, that
// set grew without bound (a 500-million-record backfill would leave 500 million rows). So it is a
// window, sized in config: ids applied within `retentionDays`, and at most `maxIds` of them. A
// duplicate that arrives later than that is applied again (README, "The applied-id window").
// It also deletes the outbox rows the relay sent a day ago or more: they served nothing after
// that, and a correction's row holds the steward's raw values (sealed), which should not outlive
// their delivery.
import type { Logger } from 'pino';
import type { RunConfig } from '../config/run-config.ts';
import { Chore } from './chore.ts';
import type { Clock } from './clock.ts';
import type { HousekeepingPlan, StateStore } from './state-store.ts';

/** How long, and how many, applied ids the store keeps: as configured. */
export type AppliedIdRetention = RunConfig['appliedIds'];

/** Between two passes; the first runs when the run starts. */
export const HOUSEKEEPING_EVERY_MS = 10 * 60_000;

const DAY_MS = 86_400_000;

/** Sent outbox rows are kept this long, for whoever looks into a delivery. */
export const OUTBOX_SENT_KEPT_MS = DAY_MS;

/** The plan as of `now` (ISO 8601). */
export function housekeepingPlan(retention: AppliedIdRetention, now: string): HousekeepingPlan {
  const at = Date.parse(now);
  return {
    appliedBefore: new Date(at - retention.retentionDays * DAY_MS).toISOString(),
    keepApplied: retention.maxIds,
    sentBefore: new Date(at - OUTBOX_SENT_KEPT_MS).toISOString(),
  };
}

export interface StateHousekeepingDeps {
  readonly store: Pick<StateStore, 'housekeeping'>;
  readonly retention: AppliedIdRetention;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class StateHousekeeping {
  readonly #deps: StateHousekeepingDeps;
  readonly #chore: Chore<void>;
  readonly #stop = new AbortController();
  /** What this process's passes removed so far (each pass also logs its own). */
  readonly done = { appliedIdsForgotten: 0, outboxRowsDeleted: 0 };

  constructor(deps: StateHousekeepingDeps) {
    this.#deps = deps;
    this.#chore = new Chore({ name: 'state housekeeping', pass: () => this.#pass(), clock: deps.clock, logger: deps.logger });
  }

  /** One pass; passes never overlap. */
  run(): Promise<void> {
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

  async #pass(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const { store, retention, clock, logger } = this.#deps;
    const plan = housekeepingPlan(retention, clock.now());
    const done = await store.housekeeping(plan, this.#stop.signal);
    this.done.appliedIdsForgotten += done.appliedIdsForgotten;
    this.done.outboxRowsDeleted += done.outboxRowsDeleted;
    if (done.appliedIdsForgotten > 0 || done.outboxRowsDeleted > 0) logger.info({ ...done, ...plan }, 'state housekeeping: applied ids outside the window forgotten, sent outbox rows deleted');
  }
}
