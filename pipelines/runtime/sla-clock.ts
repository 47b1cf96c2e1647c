// The SLA clock: on the wall clock, finds active issues that reached 50 % or 80 % of their allowed
// PRC working time or passed their due time, and raises one notice per issue and kind. A breach
// also escalates the issue to the supervisors' queue. It reads the operational store, not the
// pipeline's in-memory state, so it sees every active issue whichever process holds the
// customer's partition; in a consumer group only the group leader sweeps, and a sweep at start
// catches up on whatever fell due while nothing ran.
//
// Exactly once per issue and kind, across processes and crashes: the store raises a notice in one
// transaction that records it (unique per issue and kind), appends it to the issue's history,
// changes the issue and queues its mirrors (outbox); a second clock that decided the same finds
// it raised and does nothing. The store re-decides inside that transaction on the issue as it is
// then (a steward may have paused or resolved it since the sweep read it).
//
// Its store and its clock are interfaces so that it can be tested on a real store with fixed
// instants; run-job passes the system clock.
import type { Logger } from 'pino';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { PauseInterval } from '../calendar/working-time.ts';
import type { IssueState } from '../contract/issue.ts';
import { slaNoticeToRaise, type SlaNotice, type SlaNoticeKind } from '../quality/sla.ts';
import type { Clock } from './clock.ts';

/** An active issue as the clock judges it: its state, the notices it had and its ended pauses. */
export interface SlaCandidate {
  readonly issue: IssueState;
  readonly had: readonly SlaNoticeKind[];
  readonly pauses: readonly PauseInterval[];
}

/** Decides, on a candidate as it stands, which notice to raise now (if any). */
export type SlaDecision = (candidate: SlaCandidate) => SlaNoticeKind | undefined;

/** Where the clock finds active issues and raises its notices. */
export interface SlaStore {
  /** Active issues, not paused, that have not had their `breached` notice (nothing follows it). */
  slaCandidates(): Promise<readonly SlaCandidate[]>;
  /**
   * In one transaction on the issue: decides again on its current state and, if a notice is due
   * that it has not had, records the notice, appends the history entry (actor `sla-clock`),
   * changes the issue (a breach escalates it) and queues the change for the mirrors. Returns the
   * notice raised, or undefined when none was due any more (or another clock raised it).
   */
  raiseSlaNotice(issueId: string, at: string, decide: SlaDecision): Promise<SlaNotice | undefined>;
}

export interface SlaClockDeps {
  readonly store: SlaStore;
  readonly calendar: WorkingDayCalendar;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** Notices raised, by kind. */
export interface SlaCounts {
  reminder50: number;
  reminder80: number;
  breached: number;
}

const COUNTER: Record<SlaNoticeKind, keyof SlaCounts> = { 'reminder-50': 'reminder50', 'reminder-80': 'reminder80', breached: 'breached' };

export class SlaClock {
  readonly #deps: SlaClockDeps;
  /** Notices raised by this process, for the report. */
  readonly raised: SlaCounts = { reminder50: 0, reminder80: 0, breached: 0 };
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: SlaClockDeps) {
    this.#deps = deps;
  }

  /** One pass over the active issues; sweeps never overlap. */
  sweep(): Promise<readonly SlaNotice[]> {
    const next = this.#running.catch(() => undefined).then(() => this.#sweep());
    this.#running = next;
    return next;
  }

  async #sweep(): Promise<readonly SlaNotice[]> {
    const { store, calendar, logger } = this.#deps;
    const now = this.#deps.clock.now();
    const decide: SlaDecision = (c) => slaNoticeToRaise(c.issue, { had: c.had, pauses: c.pauses }, now, calendar);
    const notices: SlaNotice[] = [];
    for (const candidate of await store.slaCandidates()) {
      if (!decide(candidate)) continue;
      const notice = await store.raiseSlaNotice(candidate.issue.issueId, now, decide);
      if (!notice) continue;
      notices.push(notice);
      this.raised[COUNTER[notice.kind]] += 1;
    }
    if (notices.length > 0) {
      const count = (kind: SlaNoticeKind) => notices.filter((n) => n.kind === kind).length;
      logger.info(
        { reminder50: count('reminder-50'), reminder80: count('reminder-80'), breached: count('breached') },
        'SLA clock: reminders raised and breached issues escalated',
      );
    }
    return notices;
  }

  /**
   * What a long-running process (`verity run`, `verity console`) starts: a sweep now, which
   * catches up on whatever fell due while no clock ran (a restart, an outage), then one every
   * `intervalMs` (none when 0). A failed first sweep is logged, not thrown: the next tick tries again.
   */
  async start(intervalMs: number, active: () => boolean): Promise<() => Promise<void>> {
    if (active()) await this.sweep().catch((error: unknown) => this.#deps.logger.warn({ err: error }, 'SLA clock sweep failed; trying again at the next tick'));
    return intervalMs > 0 ? this.every(intervalMs, active) : async () => this.#running.catch(() => undefined).then(() => undefined);
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
