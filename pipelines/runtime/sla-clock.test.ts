// The SLA clock on a real embedded store, driven by a manual clock through fixed instants around
// the 2026 National Day holiday (10-01 to 10-07 off, Saturday 10-10 worked): when each notice is
// raised, that each is raised once per issue and kind however many sweeps look, and that a new
// clock over the same store (a restart) does not raise them again. Nothing here reads today's date.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import { migrate } from '../../connectors/clickhouse/migrations.ts';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { endOfShanghaiDay } from '../calendar/shanghai-time.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import type { IssueState, IssueStatus } from '../quality/model.ts';
import { lifecycleDefaults } from '../contract/issue.ts';
import type { SlaNotice } from '../quality/sla.ts';
import type { Clock } from './clock.ts';
import { SlaClock, type SlaClockDeps } from './sla-clock.ts';

const HOUR = 3_600_000;

/**
 * Time moves only when the test says so. A tick fires at its own instant and is waited for before
 * the next one, so each sweep sees exactly the time it was scheduled for.
 */
class ManualClock implements Clock {
  #ms: number;
  readonly #timers = new Set<{ readonly intervalMs: number; next: number; readonly tick: () => void | Promise<unknown> }>();

  constructor(start: string) {
    this.#ms = Date.parse(start);
  }

  now(): string {
    return new Date(this.#ms).toISOString();
  }

  every(intervalMs: number, tick: () => void | Promise<unknown>): () => void {
    const timer = { intervalMs, next: this.#ms + intervalMs, tick };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  async advanceTo(instant: string): Promise<void> {
    const end = Date.parse(instant);
    for (;;) {
      const due = [...this.#timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.#ms = due.next;
      due.next += due.intervalMs;
      await due.tick();
    }
    this.#ms = end;
  }
}

const OPENED = '2026-09-21T09:00:00.000+08:00';

function issue(issueId: string, dueDate: string, status: IssueStatus = 'open'): IssueState {
  return {
    issueId,
    queue: 'contact-verification',
    ruleId: 'mobile-format',
    ruleVersion: 1,
    customerToken: `ct_${issueId}`,
    status,
    resolution: status === 'open' ? '' : 'corrected-upstream',
    priority: 'P2',
    severity: 'medium',
    openedAt: OPENED,
    openedByEventId: `ev-${issueId}`,
    dueAt: endOfShanghaiDay(dueDate),
    dueDate,
    deadlineBasis: 'working-days:3',
    deadlineProvisional: false,
    occurrences: 1,
    lastEventId: `ev-${issueId}`,
    lastSeenAt: OPENED,
    updatedAt: OPENED,
    version: 1,
    ...lifecycleDefaults(),
  };
}

// Due dates chosen so that each notice lands on a day the PRC calendar, not Monday–Friday, decides.
const ISSUES = [
  issue('past', '2026-09-24'), // already late when the clock starts
  issue('soon', '2026-09-30'), // the last working day before National Day
  issue('holiday', '2026-10-08'), // the first working day after it: due soon from 09-30
  issue('saturday', '2026-10-10'), // the worked Saturday: due soon from Friday 10-09, not Monday 10-12
  issue('far', '2026-10-20'),
  issue('closed', '2026-09-24', 'resolved'),
];

let dir: string;
let client: ClickHouseClient;
let databases = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verity-sla-clock-'));
  client = createStoreClient({ kind: 'embedded', path: join(dir, 'chdb') });
});

afterAll(async () => {
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh database holding ISSUES, as the pipeline writes them. */
async function storeWithIssues(): Promise<{ store: AnalyticsStore; database: string }> {
  const database = `verity_sla_${++databases}`;
  await migrate(client, database);
  const store = new AnalyticsStore(client, database, 2);
  const issueChanges = ISSUES.map((i) => ({ change: 'opened' as const, issue: i, eventId: i.openedByEventId, occurredAt: OPENED }));
  await store.write({ id: `sla-issues-${databases}`, scope: 'sla.jsonl' }, { records: [], findings: [], issueChanges, deadLetters: [] }, OPENED);
  return { store, database };
}

/** What a clock published, as `instant issueId/kind` in the order it was published. */
function recorder(): { readonly raised: string[]; readonly publish: NonNullable<SlaClockDeps['publish']> } {
  const raised: string[] = [];
  return {
    raised,
    publish: async (notices: readonly SlaNotice[]) => {
      raised.push(...notices.map((n) => `${n.at} ${n.issue.issueId}/${n.kind}`).sort());
    },
  };
}

/** Each notice as stored, with how many rows it has (no FINAL: a second write would show). */
async function storedNotices(database: string): Promise<Record<string, number>> {
  const result = await client.query({
    query: `SELECT concat(issue_id, '/', toString(kind)) AS notice, count() AS n FROM ${database}.issue_sla_events GROUP BY notice ORDER BY notice`,
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await result.json<{ notice: string; n: string }>()).map((r) => [r.notice, Number(r.n)]));
}

const silent = pino({ level: 'silent' });

describe('SlaClock', () => {
  it('raises due-soon and breached once per issue and kind, on PRC working days, over many sweeps', async () => {
    const { store, database } = await storeWithIssues();
    // Monday 2026-09-28, 09:00 in Shanghai; then a sweep every 12 hours (09:00 and 21:00).
    const clock = new ManualClock('2026-09-28T01:00:00.000Z');
    const { raised, publish } = recorder();
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, publish });
    await sla.sweep();
    const stop = sla.every(12 * HOUR, () => true);
    await clock.advanceTo('2026-10-13T01:00:00.000Z');
    await stop();

    // Instants are UTC: 01:00Z is 09:00 in Shanghai.
    expect(raised).toEqual([
      '2026-09-28T01:00:00.000Z past/breached',
      '2026-09-29T01:00:00.000Z soon/due-soon', // due Wed 09-30, the next working day
      '2026-09-30T01:00:00.000Z holiday/due-soon', // the next working day after 09-30 is 10-08
      '2026-10-01T01:00:00.000Z soon/breached', // the first sweep after 23:59:59.999 on 09-30
      '2026-10-09T01:00:00.000Z holiday/breached',
      '2026-10-09T01:00:00.000Z saturday/due-soon', // Saturday 10-10 is worked
      '2026-10-11T01:00:00.000Z saturday/breached',
    ]);
    // 31 sweeps; only 7 raised anything, and each notice is stored once.
    expect(sla.raised).toEqual({ dueSoon: 3, breached: 4 });
    expect(await storedNotices(database)).toEqual({
      'holiday/breached': 1,
      'holiday/due-soon': 1,
      'past/breached': 1,
      'saturday/breached': 1,
      'saturday/due-soon': 1,
      'soon/breached': 1,
      'soon/due-soon': 1,
    });
  });

  it('breaches at the first sweep after the last millisecond of the due day, not at it', async () => {
    const { store } = await storeWithIssues();
    const clock = new ManualClock('2026-09-30T15:59:59.999Z'); // 23:59:59.999 on 09-30 in Shanghai
    const { raised, publish } = recorder();
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, publish });
    await sla.sweep();
    expect(raised.filter((n) => n.includes(' soon/'))).toEqual(['2026-09-30T15:59:59.999Z soon/due-soon']);
    await clock.advanceTo('2026-09-30T16:00:00.000Z');
    await sla.sweep();
    expect(raised.filter((n) => n.includes(' soon/'))).toEqual(['2026-09-30T15:59:59.999Z soon/due-soon', '2026-09-30T16:00:00.000Z soon/breached']);
  });

  it('does not raise a notice again after a restart: a new clock over the same store', async () => {
    const { store, database } = await storeWithIssues();
    const first = recorder();
    const clock = new ManualClock('2026-09-29T01:00:00.000Z');
    await new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, publish: first.publish }).sweep();
    expect(first.raised).toEqual(['2026-09-29T01:00:00.000Z past/breached', '2026-09-29T01:00:00.000Z soon/due-soon']);

    // The process restarts later the same day: a new store object and a new clock, same tables.
    const second = recorder();
    const restarted = new SlaClock({
      store: new AnalyticsStore(client, database, 2),
      calendar: prcCalendar,
      logger: silent,
      clock,
      publish: second.publish,
    });
    await clock.advanceTo('2026-09-29T09:00:00.000Z');
    await restarted.sweep();
    expect(second.raised).toEqual([]);
    await clock.advanceTo('2026-10-01T01:00:00.000Z');
    await restarted.sweep();
    await restarted.sweep();
    expect(second.raised).toEqual(['2026-10-01T01:00:00.000Z holiday/due-soon', '2026-10-01T01:00:00.000Z soon/breached']);
    expect(restarted.raised).toEqual({ dueSoon: 1, breached: 1 });
    expect(Object.values(await storedNotices(database))).toEqual([1, 1, 1, 1]);
  });

  it('raises the same notices at the next tick when publishing them failed: late, never lost', async () => {
    const { store, database } = await storeWithIssues();
    const clock = new ManualClock('2026-09-29T01:00:00.000Z');
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    const { raised, publish } = recorder();
    let failures = 1;
    const sla = new SlaClock({
      store,
      calendar: prcCalendar,
      logger,
      clock,
      publish: async (notices) => {
        if (failures-- > 0) throw new Error('issue topic unreachable');
        await publish(notices);
      },
    });
    const stop = sla.every(HOUR, () => true);
    await clock.advanceTo('2026-09-29T02:00:00.000Z');
    expect(warnings).toEqual(['SLA clock sweep failed; trying again at the next tick']);
    expect(await storedNotices(database)).toEqual({});
    await clock.advanceTo('2026-09-29T04:00:00.000Z');
    await stop();
    expect(raised).toEqual(['2026-09-29T03:00:00.000Z past/breached', '2026-09-29T03:00:00.000Z soon/due-soon']);
    expect(await storedNotices(database)).toEqual({ 'past/breached': 1, 'soon/due-soon': 1 });
  });

  it('sweeps only while this process leads, and not after it was stopped', async () => {
    const { store } = await storeWithIssues();
    const clock = new ManualClock('2026-09-29T01:00:00.000Z');
    const { raised, publish } = recorder();
    const sla = new SlaClock({ store, calendar: prcCalendar, logger: silent, clock, publish });
    let leads = false;
    const stop = sla.every(HOUR, () => leads);
    await clock.advanceTo('2026-09-29T05:00:00.000Z');
    expect(raised).toEqual([]);
    leads = true;
    // Not awaited: stop() must itself wait for the sweep this tick starts.
    const advancing = clock.advanceTo('2026-09-29T06:00:00.000Z');
    await stop();
    expect(raised).toEqual(['2026-09-29T06:00:00.000Z past/breached', '2026-09-29T06:00:00.000Z soon/due-soon']);
    await advancing;
    await clock.advanceTo('2026-10-12T01:00:00.000Z');
    expect(raised).toHaveLength(2);
  });
});
