import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CustomerCorrection } from '../contract/correction.ts';
import { lifecycleDefaults, type IssueChange, type IssueState } from '../contract/issue.ts';
import { systemClock } from './clock.ts';
import { OUTBOX_CORRECTION, OUTBOX_ISSUE_CHANGE, OutboxRelay, sealerOver, type OutboxKind, type OutboxPage, type OutboxStore, type SealedCorrection } from './outbox-relay.ts';

const issue: IssueState = {
  issueId: 'i-1', queue: 'contact-verification', ruleId: 'mobile-format', ruleVersion: 1, customerToken: 'ct', status: 'claimed', resolution: '',
  priority: 'P2', severity: 'medium', openedAt: '2026-10-08T09:00:00+08:00', openedByEventId: 'e-1', dueAt: '2026-10-12T23:59:59.999+08:00',
  dueDate: '2026-10-12', deadlineBasis: 'working-days:3', deadlineProvisional: false, occurrences: 1, lastEventId: 'e-1',
  lastSeenAt: '2026-10-08T09:00:00+08:00', updatedAt: '2026-10-08T10:00:00+08:00', version: 2, ...lifecycleDefaults(), assignee: 'li',
};
const change: IssueChange = { change: 'claim', issue, eventId: 'e-1', occurredAt: issue.updatedAt };
const correction: CustomerCorrection = { schema: 'customer-correction/v1', eventId: 'c-1', customerId: 'C1', issueId: 'i-1', fields: { mobile: '13900000000' }, steward: 'li', correctedAt: issue.updatedAt };

/** An outbox in memory: rows, sent flags, and a failure to inject. */
function memoryOutbox(rows: { kind: OutboxKind; payload: unknown }[]) {
  const sent = new Set<number>();
  const store: OutboxStore & { sent: Set<number> } = {
    sent,
    async drain(limit, kind, send) {
      const page = rows.map((r, id) => ({ ...r, id })).filter((r) => r.kind === kind && !sent.has(r.id)).slice(0, limit);
      if (page.length === 0) return 0;
      const out: OutboxPage =
        kind === OUTBOX_ISSUE_CHANGE
          ? { issueChanges: page.map((r) => ({ id: String(r.id), change: r.payload as IssueChange })), corrections: [] }
          : { issueChanges: [], corrections: page.map((r) => ({ id: String(r.id), correction: r.payload as SealedCorrection })) };
      await send(out);
      for (const r of page) sent.add(r.id);
      if (kind === OUTBOX_CORRECTION) for (const _ of page) rows.push({ kind: OUTBOX_ISSUE_CHANGE, payload: { ...change, change: 'correction-sent' } });
      return page.length;
    },
    async unsent(kind) {
      return rows.filter((r, id) => r.kind === kind && !sent.has(id)).length;
    },
  };
  return store;
}

const sealed: SealedCorrection = { issueId: 'i-1', customerToken: 'ct', sealed: 'SEALED' };
const logger = pino({ level: 'silent' });

describe('OutboxRelay', () => {
  it('sends issue changes to every mirror and corrections upstream, then the correction-sent changes', async () => {
    const store = memoryOutbox([{ kind: OUTBOX_ISSUE_CHANGE, payload: change }, { kind: OUTBOX_CORRECTION, payload: sealed }]);
    const mirrored: string[] = [];
    const upstream: CustomerCorrection[] = [];
    const relay = new OutboxRelay({
      store,
      mirrors: [{ name: 'm', writeIssueChanges: async (_id, cs) => void mirrored.push(...cs.map((c) => c.change)) }],
      corrections: { name: 'c', send: async (cs) => void upstream.push(...cs) },
      sealer: { seal: () => 'SEALED', open: (s, token) => (s === 'SEALED' && token === 'ct' ? correction : (undefined as never)) },
      logger,
      clock: systemClock,
      pageSize: 1,
    });
    expect(await relay.drain()).toBe(3);
    expect(mirrored).toEqual(['claim', 'correction-sent']);
    expect(upstream).toEqual([correction]);
    expect(relay.sent).toEqual({ issueChanges: 2, corrections: 1 });
    expect(await relay.drain()).toBe(0);
  });

  it('without a correction sink or sealer, corrections wait in the outbox and issue changes still flow', async () => {
    const store = memoryOutbox([{ kind: OUTBOX_CORRECTION, payload: sealed }, { kind: OUTBOX_ISSUE_CHANGE, payload: change }]);
    const mirrored: string[] = [];
    const relay = new OutboxRelay({ store, mirrors: [{ name: 'm', writeIssueChanges: async (_id, cs) => void mirrored.push(...cs.map((c) => c.change)) }], logger, clock: systemClock });
    expect(await relay.drain()).toBe(1);
    expect(mirrored).toEqual(['claim']);
    expect(await store.unsent(OUTBOX_CORRECTION)).toBe(1);
  });

  it('seals over a JSON cipher bound to the customer token', () => {
    const cipher = { sealJson: (v: unknown, c: string) => `${c}|${JSON.stringify(v)}`, openJson: (s: string, c: string) => JSON.parse(s.slice(c.length + 1)) as unknown };
    const sealer = sealerOver(cipher);
    expect(sealer.open(sealer.seal(correction, 'ct'), 'ct')).toEqual(correction);
    expect(() => sealer.open('ct|{}', 'ct')).toThrow();
  });

  it('a mirror that fails leaves the page unsent, for the next pass', async () => {
    const store = memoryOutbox([{ kind: OUTBOX_ISSUE_CHANGE, payload: change }]);
    let fail = true;
    const relay = new OutboxRelay({
      store,
      mirrors: [{ name: 'm', writeIssueChanges: async () => { if (fail) throw new Error('store down'); } }],
      logger,
      clock: systemClock,
    });
    await expect(relay.drain()).rejects.toThrow('store down');
    expect(await store.unsent(OUTBOX_ISSUE_CHANGE)).toBe(1);
    fail = false;
    expect(await relay.drain()).toBe(1);
  });
});
