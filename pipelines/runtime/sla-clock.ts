// The SLA clock: on the wall clock, finds open issues that became due soon or were breached and
// raises one notice per issue and kind (issue topic + `issue_sla_events`). It reads the store,
// not the pipeline's in-memory state, so it sees every open issue whichever process holds the
// customer's partition; in a consumer group only the group leader sweeps.
//
// A notice is published before it is stored: a crash in between publishes it again on the next
// sweep (consumers de-duplicate on the issue event id), rather than never.
//
// Its store and its clock are interfaces so that it can be tested on a real store with fixed
// instants: the analytics store implements SlaStore, and run-job passes the system clock.
import type { Logger } from 'pino';
import type { CalendarDate } from '../calendar/calendar-date.ts';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { IssueState } from '../quality/model.ts';
import { dueSoonBy, slaNoticeKind, type SlaNotice } from '../quality/sla.ts';
import type { Clock } from './clock.ts';

/** Where the clock finds open issues and remembers which notices it has raised. */
export interface SlaStore {
  /**
   * Open issues past their due time at `nowMs` or due by `dueSoonBy`, except those that already
   * had their `breached` notice (nothing more can happen to them).
   */
  slaCandidates(nowMs: number, dueSoonBy: CalendarDate): Promise<readonly IssueState[]>;
  /** The notices these issues have had, as `issueId/kind`. */
  slaNoticesOf(issueIds: readonly string[]): Promise<ReadonlySet<string>>;
  writeSlaNotices(notices: readonly SlaNotice[]): Promise<void>;
}

export interface SlaClockDeps {
  readonly store: SlaStore;
  readonly calendar: WorkingDayCalendar;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Sends the notices to other systems (the Kafka issue topic); before they are stored. */
  readonly publish?: (notices: readonly SlaNotice[]) => Promise<void>;
}

export class SlaClock {
  readonly #deps: SlaClockDeps;
  /** Notices raised by this process, for the report. */
  readonly raised = { dueSoon: 0, breached: 0 };
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: SlaClockDeps) {
    this.#deps = deps;
  }

  /** One pass over the open issues; sweeps never overlap. */
  sweep(): Promise<readonly SlaNotice[]> {
    const next = this.#running.catch(() => undefined).then(() => this.#sweep());
    this.#running = next;
    return next;
  }

  async #sweep(): Promise<readonly SlaNotice[]> {
    const { store, calendar, logger } = this.#deps;
    const now = this.#deps.clock.now();
    const candidates = await store.slaCandidates(Date.parse(now), dueSoonBy(now, calendar));
    const had = await store.slaNoticesOf(candidates.map((i) => i.issueId));
    const notices: SlaNotice[] = [];
    for (const issue of candidates) {
      const kind = slaNoticeKind(issue, now, calendar);
      if (kind && !had.has(`${issue.issueId}/${kind}`)) notices.push({ kind, issue, at: now });
    }
    if (notices.length === 0) return notices;
    await this.#deps.publish?.(notices);
    await store.writeSlaNotices(notices);
    const breached = notices.filter((n) => n.kind === 'breached').length;
    this.raised.breached += breached;
    this.raised.dueSoon += notices.length - breached;
    logger.info({ dueSoon: notices.length - breached, breached }, 'SLA clock: issues due soon or past their deadline');
    return notices;
  }

  /**
   * Sweeps every `intervalMs` while `active()` says this process should (the group leader);
   * returns a stop function that waits for a running sweep. A failed sweep is logged and tried
   * again at the next tick: notices are late, never lost.
   */
  every(intervalMs: number, active: () => boolean): () => Promise<void> {
    const cancel = this.#deps.clock.every(intervalMs, () => {
      if (!active()) return;
      return this.sweep().catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'SLA clock sweep failed; trying again at the next tick'));
    });
    return async () => {
      cancel();
      await this.#running.catch(() => undefined);
    };
  }
}
