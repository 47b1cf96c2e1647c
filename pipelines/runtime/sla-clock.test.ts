// The SLA clock's scheduling over an in-memory store, driven by a manual clock through fixed
// instants around the 2026 National Day holiday (10-01..10-07 off, Thursday 10-08 and Saturday
// 10-10 worked): when each notice is raised, that each is raised once per issue and kind however
// many sweeps look, that a new clock (a restart) raises nothing again, and that failed sweeps are
// retried. The same on a real PostgreSQL store: tests/postgres/sla-clock.test.ts.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../tests/support/manual-clock.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import type { IssueState } from '../contract/issue.ts';
import type { SlaNotice, SlaNoticeKind } from '../quality/sla.ts';
import fc from 'fast-check';
import { chunked, SLA_CHUNK, SLA_PAGE, SlaClock, type RaisedNotice, type SlaCandidatePage, type SlaDecision, type SlaPageRequest, type SlaStore } from './sla-clock.ts';
import { slaIssue } from '../../tests/support/sla-issues.ts';

const HOUR = 3_600_000;

/** An issue opened at `openedAt` (Shanghai time) due `workingDays` PRC working days later. */
const issue = slaIssue;

/** The SlaStore contract in memory: notices unique per issue and kind, a breach escalates. */
class MemorySlaStore implements SlaStore {
  readonly issues = new Map<string, { issue: IssueState; had: Set<SlaNoticeKind> }>();
  failures = 0;

  constructor(issues: readonly IssueState[]) {
    for (const i of issues) this.issues.set(i.issueId, { issue: i, had: new Set() });
  }

  /** The pages each sweep asked for, in call order. */
  readonly pages: SlaPageRequest[] = [];

  async slaCandidates(request: SlaPageRequest): Promise<SlaCandidatePage> {
    if (this.failures > 0 && this.failures--) throw new Error('operational store unreachable');
    this.pages.push(request);
    const page = [...this.issues.values()]
      .filter(({ issue }) => ['open', 'claimed', 'in-verification'].includes(issue.status) && (request.after === undefined || issue.issueId > request.after))
      .sort((a, b) => (a.issue.issueId < b.issue.issueId ? -1 : a.issue.issueId > b.issue.issueId ? 1 : 0))
      .slice(0, request.limit);
    return {
      candidates: page.filter(({ issue, had }) => !issue.pausedSince && !had.has('breached')).map(({ issue, had }) => ({ issue, had: [...had], pauses: [] })),
      next: page.length === request.limit ? page.at(-1)!.issue.issueId : undefined,
    };
  }

  /** The issue ids of each raiseSlaNotices call, in call order. */
  readonly chunks: string[][] = [];

  async raiseSlaNotices(issueIds: readonly string[], at: string, decide: SlaDecision): Promise<SlaNotice[]> {
    this.chunks.push([...issueIds]);
    const notices: SlaNotice[] = [];
    for (const issueId of issueIds) {
      const entry = this.issues.get(issueId)!;
      const kind = decide({ issue: entry.issue, had: [...entry.had], pauses: [] });
      if (!kind || entry.had.has(kind)) continue;
      entry.had.add(kind);
      entry.issue = { ...entry.issue, escalated: entry.issue.escalated || kind === 'breached', version: entry.issue.version + 1, updatedAt: at };
      notices.push({ kind, issue: entry.issue, at });
    }
    return notices;
  }
}

const ISSUES = [
  // Wed 09-30 10:00, 3 working days: due Sat 10-10 (worked). 86 h allowed: 14 h before the
  // holiday, then 10-08, 10-09, 10-10. 50 % at 10-09 05:00, 80 % at 10-10 06:48.
  issue('holiday', '2026-09-30T10:00:00.000+08:00', 3),
  // Mon 09-28 09:00, 1 working day: due Tue 09-29. 39 h: 50 % at 09-29 04:30, 80 % at 16:12.
  issue('short', '2026-09-28T09:00:00.000+08:00', 1),
  // Opened the week before and already late when the clock starts: the breach alone.
  issue('past', '2026-09-21T09:00:00.000+08:00', 3),
  // Opened on the worked Saturday 10-10 at 12:00, 1 working day: due Mon 10-12. 36 h: 12 h on
  // 10-10, none on Sunday, 24 h on 10-12. 50 % at 10-12 06:00, 80 % at 16:48.
  issue('saturday', '2026-10-10T12:00:00.000+08:00', 1),
  // Paused with a reason, and closed: nothing.
  issue('paused', '2026-09-21T09:00:00.000+08:00', 3, { pausedSince: '2026-09-22T10:00:00.000+08:00', pauseReason: 'waiting for the customer’s documents' }),
  issue('closed', '2026-09-21T09:00:00.000+08:00', 3, { status: 'resolved', resolution: 'corrected', outcome: 'corrected' }),
];

const silent = pino({ level: 'silent' });
const log = (notices: readonly RaisedNotice[]) => notices.map((n) => `${n.at} ${n.issueId}/${n.kind}`).sort();

/** Sweeps at 09:00 and 21:00 Shanghai time (01:00Z, 13:00Z) from Monday 09-28 to Tuesday 10-13. */
async function run(store: SlaStore, clock: ManualClock): Promise<{ sla: SlaClock; raised: string[] }> {
  const raised: string[] = [];
  const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
  const sweep = async () => raised.push(...log(await sla.sweep()));
  await sweep();
  const cancel = clock.every(12 * HOUR, sweep);
  await clock.advanceTo('2026-10-13T01:00:00.000Z');
  cancel();
  return { sla, raised };
}

describe('SlaClock', () => {
  it('reminds at 50 % and 80 % and breaches once per issue and kind, on PRC working time, over many sweeps', async () => {
    const store = new MemorySlaStore(ISSUES);
    const { sla, raised } = await run(store, new ManualClock('2026-09-28T01:00:00.000Z'));
    expect(raised).toEqual([
      '2026-09-28T01:00:00.000Z past/breached',
      '2026-09-29T01:00:00.000Z short/reminder-50',
      '2026-09-29T13:00:00.000Z short/reminder-80',
      '2026-09-30T01:00:00.000Z short/breached', // the first sweep after 23:59:59.999 on 09-29
      '2026-10-09T01:00:00.000Z holiday/reminder-50', // nothing over the holiday; 10-08 alone is not half
      '2026-10-10T01:00:00.000Z holiday/reminder-80', // the worked Saturday
      '2026-10-11T01:00:00.000Z holiday/breached',
      '2026-10-12T01:00:00.000Z saturday/reminder-50', // Sunday 10-11 counts nothing
      '2026-10-12T13:00:00.000Z saturday/reminder-80',
      '2026-10-13T01:00:00.000Z saturday/breached',
    ]);
    expect(sla.raised).toEqual({ reminder50: 3, reminder80: 3, breached: 4 });
    // A breach escalates to the supervisors' queue; reminders do not.
    expect([...store.issues.values()].filter((e) => e.issue.escalated).map((e) => e.issue.issueId).sort()).toEqual(['holiday', 'past', 'saturday', 'short']);
    expect(store.issues.get('paused')!.had.size).toBe(0);
  });

  it('breaches at the first sweep after the last millisecond of the due day, not at it', async () => {
    const store = new MemorySlaStore(ISSUES.filter((i) => i.issueId === 'short'));
    const clock = new ManualClock('2026-09-29T15:59:59.999Z'); // 23:59:59.999 on 09-29 in Shanghai
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    expect(log(await sla.sweep())).toEqual(['2026-09-29T15:59:59.999Z short/reminder-80']);
    await clock.advanceTo('2026-09-29T16:00:00.000Z');
    expect(log(await sla.sweep())).toEqual(['2026-09-29T16:00:00.000Z short/breached']);
  });

  it('raises nothing again after a restart: a new clock over the same store', async () => {
    const store = new MemorySlaStore(ISSUES);
    const clock = new ManualClock('2026-10-09T01:00:00.000Z');
    expect(log(await new SlaClock({ store, calendar: prcCalendar, logger: silent, clock }).sweep())).toEqual([
      '2026-10-09T01:00:00.000Z holiday/reminder-50',
      '2026-10-09T01:00:00.000Z past/breached',
      '2026-10-09T01:00:00.000Z short/breached',
    ]);
    const restarted = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    await clock.advanceTo('2026-10-09T09:00:00.000Z');
    expect(await restarted.sweep()).toEqual([]);
    await clock.advanceTo('2026-10-10T01:00:00.000Z');
    expect(log(await restarted.sweep())).toEqual(['2026-10-10T01:00:00.000Z holiday/reminder-80']);
    expect(await restarted.sweep()).toEqual([]);
  });

  it('tries again at the next tick when a sweep failed: late, never lost', async () => {
    const store = new MemorySlaStore(ISSUES);
    store.failures = 1;
    const clock = new ManualClock('2026-09-29T01:00:00.000Z');
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    const sla = new SlaClock({ store, calendar: prcCalendar, logger, clock });
    const stop = sla.every(HOUR, () => true);
    await clock.advanceTo('2026-09-29T02:00:00.000Z');
    expect(warnings).toEqual(['SLA clock sweep failed; trying again at the next tick']);
    expect(sla.raised).toEqual({ reminder50: 0, reminder80: 0, breached: 0 });
    await clock.advanceTo('2026-09-29T03:00:00.000Z');
    await stop();
    expect(sla.raised).toEqual({ reminder50: 1, reminder80: 0, breached: 1 });
  });

  it('start: sweeps at once (catching up after a restart), then on schedule', async () => {
    const store = new MemorySlaStore(ISSUES);
    const clock = new ManualClock('2026-10-09T01:00:00.000Z');
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    const stop = await sla.start(12 * HOUR, () => true);
    expect(sla.raised).toEqual({ reminder50: 1, reminder80: 0, breached: 2 });
    await clock.advanceTo('2026-10-10T01:00:00.000Z');
    await stop();
    expect(sla.raised).toEqual({ reminder50: 1, reminder80: 1, breached: 2 });
  });

  it('sweeps only while this process leads, and not after it was stopped', async () => {
    const store = new MemorySlaStore(ISSUES);
    const clock = new ManualClock('2026-09-29T01:00:00.000Z');
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock });
    let leads = false;
    const stop = sla.every(HOUR, () => leads);
    await clock.advanceTo('2026-09-29T05:00:00.000Z');
    expect(sla.raised.breached).toBe(0);
    leads = true;
    // Not awaited: stop() must itself wait for the sweep this tick starts.
    const advancing = clock.advanceTo('2026-09-29T06:00:00.000Z');
    await stop();
    expect(sla.raised).toEqual({ reminder50: 1, reminder80: 0, breached: 1 });
    await advancing;
    await clock.advanceTo('2026-10-12T01:00:00.000Z');
    expect(sla.raised).toEqual({ reminder50: 1, reminder80: 0, breached: 1 });
  });

  it('raises the due issues in chunks of at most the chunk size, only those due, each once', async () => {
    const store = new MemorySlaStore(ISSUES);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z'); // every active, unpaused issue is past due
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, chunkSize: 3 });
    expect(log(await sla.sweep()).map((n) => n.split(' ')[1])).toEqual(['holiday/breached', 'past/breached', 'saturday/breached', 'short/breached']);
    // Paused and closed issues are not candidates; the four due ones go in chunks of 3 and 1.
    expect(store.chunks.map((c) => c.length)).toEqual([3, 1]);
    expect(store.chunks.flat().sort()).toEqual(['holiday', 'past', 'saturday', 'short']);
    expect(sla.raised).toEqual({ reminder50: 0, reminder80: 0, breached: 4 });
    // Nothing due any more: no transaction at all.
    expect(await sla.sweep()).toEqual([]);
    expect(store.chunks).toHaveLength(2);
  });

  it('reads the candidates a page at a time, in issue-id order, each page after the last', async () => {
    const store = new MemorySlaStore(ISSUES);
    const clock = new ManualClock('2026-10-13T01:00:00.000Z');
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, pageSize: 2 });
    expect(log(await sla.sweep()).map((n) => n.split(' ')[1])).toEqual(['holiday/breached', 'past/breached', 'saturday/breached', 'short/breached']);
    // Five active issues (one of them paused) in pages of 2, each page's due issues in a chunk;
    // the short last page ends the sweep.
    expect(store.pages).toEqual([{ limit: 2 }, { after: 'past', limit: 2 }, { after: 'saturday', limit: 2 }]);
    expect(store.chunks).toEqual([['holiday', 'past'], ['saturday'], ['short']]);
    await expect(new SlaClock({ store, calendar: prcCalendar, logger: silent, clock }).sweep()).resolves.toEqual([]);
    expect(store.pages.at(-1)).toEqual({ limit: SLA_PAGE });
  });

  it('refuses a page size that would never end', () => {
    for (const pageSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => new SlaClock({ store: new MemorySlaStore([]), calendar: prcCalendar, logger: silent, clock: new ManualClock('2026-10-13T01:00:00.000Z'), pageSize })).toThrow(RangeError);
    }
  });

  it('pages and chunks of any size raise what one read of every candidate raises, each notice once', async () => {
    const openedAt = fc.constantFrom(
      '2026-09-21T09:00:00.000+08:00',
      '2026-09-28T09:00:00.000+08:00',
      '2026-09-30T10:00:00.000+08:00',
      '2026-10-10T12:00:00.000+08:00',
      '2026-10-12T15:30:00.000+08:00',
    );
    const state = fc.record({
      openedAt,
      workingDays: fc.integer({ min: 1, max: 5 }),
      status: fc.constantFrom('open', 'claimed', 'in-verification', 'resolved'),
      paused: fc.boolean(),
    });
    const sweepsAt = fc.uniqueArray(fc.integer({ min: 0, max: 20 * 24 }), { minLength: 1, maxLength: 6 }).map((hours) => hours.sort((a, b) => a - b));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 0, maxLength: 30 }),
        fc.array(state, { minLength: 30, maxLength: 30 }),
        sweepsAt,
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        async (ids, states, hours, pageSize, chunkSize) => {
          const issues = ids.map((id, n) => {
            const s = states[n]!;
            return issue(id, s.openedAt, s.workingDays, {
              status: s.status as IssueState['status'],
              ...(s.paused ? { pausedSince: s.openedAt, pauseReason: 'waiting for the customer' } : {}),
            });
          });
          const sweepAll = async (options: { pageSize?: number; chunkSize?: number }) => {
            const store = new MemorySlaStore(issues);
            const clock = new ManualClock('2026-09-21T01:00:00.000Z');
            const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, ...options });
            const raised: string[] = [];
            for (const h of hours) {
              await clock.advanceTo(new Date(Date.parse('2026-09-21T01:00:00.000Z') + h * HOUR).toISOString());
              raised.push(...log(await sla.sweep()));
            }
            return { raised, counts: sla.raised, store };
          };
          const paged = await sweepAll({ pageSize, chunkSize });
          const whole = await sweepAll({ pageSize: ids.length + 1, chunkSize: ids.length + 1 });
          expect(paged.raised).toEqual(whole.raised);
          expect(paged.counts).toEqual(whole.counts);
          expect(new Set(paged.raised).size).toBe(paged.raised.length);
          // Every page of the size asked for; within a sweep (each starts with no cursor), each
          // page after the last, so no issue is looked at twice.
          for (const page of paged.store.pages) expect(page.limit).toBe(pageSize);
          let cursor: string | undefined;
          for (const { after } of paged.store.pages) {
            if (after !== undefined) expect(cursor === undefined || after > cursor).toBe(true);
            cursor = after;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('chunked', () => {
  it('keeps every item once, in order, in chunks of at most the size, only the last one shorter', () => {
    fc.assert(
      fc.property(fc.array(fc.nat()), fc.integer({ min: 1, max: 40 }), (items, size) => {
        const chunks = chunked(items, size);
        expect(chunks.flat()).toEqual(items);
        expect(chunks.every((c) => c.length >= 1 && c.length <= size)).toBe(true);
        expect(chunks.slice(0, -1).every((c) => c.length === size)).toBe(true);
        expect(chunks.length).toBe(Math.ceil(items.length / size));
      }),
    );
  });

  it('refuses a size that would never end or drop items', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => chunked([1], size)).toThrow(RangeError);
  });

  it('fits a chunk under the store\'s cap on key locks per transaction', () => {
    expect(SLA_CHUNK).toBeLessThanOrEqual(1000);
  });
});
