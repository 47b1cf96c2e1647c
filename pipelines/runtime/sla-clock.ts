// The SLA clock: on the wall clock, finds active issues that reached 50 % or 80 % of their allowed
// PRC working time or passed their due time, and raises one notice per issue and kind. A breach
// also escalates the issue to the supervisors' queue. It reads the operational store, not the
// pipeline's in-memory state, so it sees every active issue whichever process holds the
// customer's partition; in a consumer group only the group leader sweeps, and a sweep at start
// catches up on whatever fell due while nothing ran.
//
// Exactly once per issue and kind, across processes and crashes: the store raises notices in one
// transaction per chunk of due issues that records each (unique per issue and kind), appends it to
// the issue's history, changes the issue and queues its mirrors (outbox); a second clock that
// decided the same finds it raised and does nothing. The store re-decides inside that transaction
// on each issue as it is then (a steward may have paused or resolved it since the sweep read it).
// Chunks, not one transaction per issue: a backfill of old records (or a first run over a past
// stream) makes thousands of issues due at once, and per-issue transactions cost ~9 statements
// each; one transaction for all of them would hold thousands of customers' locks at once.
//
// Its store and its clock are interfaces so that it can be tested on a real store with fixed
// instants; run-job passes the system clock.
import type { Logger } from 'pino';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { PauseInterval } from '../calendar/working-time.ts';
import type { IssueState } from '../contract/issue.ts';
import { slaNoticeToRaise, type SlaNotice, type SlaNoticeKind } from '../quality/sla.ts';
import { Chore } from './chore.ts';
import type { Clock } from './clock.ts';

/** An active issue as the clock judges it: its state, the notices it had and its ended pauses. */
export interface SlaCandidate {
  readonly issue: IssueState;
  readonly had: readonly SlaNoticeKind[];
  readonly pauses: readonly PauseInterval[];
}

/** Decides, on a candidate as it stands, which notice to raise now (if any). */
export type SlaDecision = (candidate: SlaCandidate) => SlaNoticeKind | undefined;

/** Which page of the watched issues to look at: the first `limit` whose id sorts after `after` (from the first when absent). */
export interface SlaPageRequest {
  readonly after?: string | undefined;
  readonly limit: number;
}

/** The candidates among one page of watched issues, and where the next page starts. */
export interface SlaCandidatePage {
  readonly candidates: readonly SlaCandidate[];
  /** The page's last issue id, to pass as `after`; undefined when the page was the last. */
  readonly next: string | undefined;
}

/** Where the clock finds active issues and raises its notices. */
export interface SlaStore {
  /**
   * Of one page of the issues the clock watches, in issue-id order, those that are candidates:
   * active, not paused, and without their `breached` notice (nothing follows it). Watched are the
   * active issues not yet breached in their current episode; a store may page over every active
   * issue instead, at the cost of walking the breached ones. A sweep holds one page at a time,
   * however many issues are active.
   */
  slaCandidates(page: SlaPageRequest): Promise<SlaCandidatePage>;
  /**
   * In one transaction on the issues (the clock passes a chunk of them): decides again on each one's
   * current state and, for each that is due a notice it has not had, records the notice, appends
   * the history entry (actor `sla-clock`), changes the issue (a breach escalates it) and queues
   * the change for the mirrors. Returns the notices raised, in issue order; an issue that was due
   * none any more (or whose notice another clock raised) has none.
   */
  raiseSlaNotices(issueIds: readonly string[], at: string, decide: SlaDecision): Promise<readonly SlaNotice[]>;
}

/**
 * Issues per transaction of a sweep. Each holds its customers' key locks until it commits, so it
 * must stay well under the store's cap on key locks per transaction (1,000: state-store.ts
 * MAX_KEY_LOCKS) and short enough not to keep the pipeline's batches waiting long.
 */
export const SLA_CHUNK = 500;

/**
 * Watched issues a sweep looks at a time. A sweep read every candidate at once: over a backfill of
 * old records, tens of thousands of issue states (a breach each) crossed from the store and were
 * parsed together, and the process's memory jumped with every sweep (README, Benchmarks).
 */
export const SLA_PAGE = 2_000;

/** A size that lets a loop over pages or chunks end and drop nothing. */
function assertPositiveInteger(what: string, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${what} ${size}: a positive integer is needed`);
}

/** `items` in consecutive chunks of at most `size`, every item once, in order. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  assertPositiveInteger('chunk size', size);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export interface SlaClockDeps {
  readonly store: SlaStore;
  readonly calendar: WorkingDayCalendar;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Issues per transaction (SLA_CHUNK unless a test wants several chunks from a few issues). */
  readonly chunkSize?: number;
  /** Watched issues looked at a time (SLA_PAGE unless a test wants several pages from a few issues). */
  readonly pageSize?: number;
}

/** A notice a sweep raised: which issue, which kind, when (the issue's new state went to the outbox). */
export interface RaisedNotice {
  readonly kind: SlaNoticeKind;
  readonly issueId: string;
  readonly at: string;
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
  readonly #chore: Chore<readonly RaisedNotice[]>;

  constructor(deps: SlaClockDeps) {
    if (deps.pageSize !== undefined) assertPositiveInteger('SLA page size', deps.pageSize);
    this.#deps = deps;
    this.#chore = new Chore({ name: 'SLA clock sweep', pass: () => this.#sweep(), clock: deps.clock, logger: deps.logger });
  }

  /** One pass over the active issues; sweeps never overlap. */
  sweep(): Promise<readonly RaisedNotice[]> {
    return this.#chore.run();
  }

  async #sweep(): Promise<readonly RaisedNotice[]> {
    const { store, calendar, logger } = this.#deps;
    const now = this.#deps.clock.now();
    const decide: SlaDecision = (c) => slaNoticeToRaise(c.issue, { had: c.had, pauses: c.pauses }, now, calendar);
    const limit = this.#deps.pageSize ?? SLA_PAGE;
    const notices: RaisedNotice[] = [];
    // Page after page in issue-id order: an issue opened meanwhile with an id already passed is
    // the next sweep's, as one opened after the single read was before.
    for (let after: string | undefined; ; ) {
      const page = await store.slaCandidates({ after, limit });
      const due = page.candidates.filter((c) => decide(c) !== undefined).map((c) => c.issue.issueId);
      for (const chunk of chunked(due, this.#deps.chunkSize ?? SLA_CHUNK)) {
        // Counted per chunk as it commits: a later chunk's failure does not undo this one's notices.
        for (const notice of await store.raiseSlaNotices(chunk, now, decide)) {
          notices.push({ kind: notice.kind, issueId: notice.issue.issueId, at: notice.at });
          this.raised[COUNTER[notice.kind]] += 1;
        }
      }
      if (page.next === undefined) break;
      after = page.next;
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
    if (active()) await this.#chore.runLogged();
    return intervalMs > 0 ? this.every(intervalMs, active) : () => this.#chore.settled();
  }

  /**
   * Sweeps every `intervalMs` while `active()` says this process should (the group leader);
   * returns a stop function that waits for a running sweep. A failed sweep is logged and tried
   * again at the next tick: notices are late, never lost.
   */
  every(intervalMs: number, active: () => boolean): () => Promise<void> {
    return this.#chore.every(intervalMs, active);
  }
}
