import { describe, expect, it } from 'vitest';
import { IssueEvent } from '../../pipelines/contract/issue-event.ts';
import type { IssueChange, IssueState } from '../../pipelines/quality/model.ts';
import { lifecycleDefaults } from '../../pipelines/contract/issue.ts';
import { routeLine } from './produce-file.ts';
import { deadLetterMessage, issueMessage } from './topic-publisher.ts';

const issue: IssueState = {
  issueId: 'i-1', queue: 'identity-verification', ruleId: 'id-number-format', ruleVersion: 1, customerToken: 'tok',
  status: 'open', resolution: '', priority: 'P2', severity: 'high', openedAt: '2026-11-20T09:30:00+08:00',
  openedByEventId: 'e-1', dueAt: '2026-11-25T23:59:59.999+08:00', dueDate: '2026-11-25', deadlineBasis: 'working-days:3',
  deadlineProvisional: false, occurrences: 1, lastEventId: 'e-1', lastSeenAt: '2026-11-20T09:30:00+08:00',
  updatedAt: '2026-11-20T09:30:00+08:00', version: 1, ...lifecycleDefaults(),
};

describe('topic messages', () => {
  it('a dead letter keeps the original key and bytes and carries its reason and coordinates in headers', () => {
    const payload = Buffer.from('{"broken');
    const m = deadLetterMessage({
      payload,
      key: Buffer.from('C1'),
      deadLetter: {
        deadLetterId: 'd1', reasonCode: 'INVALID_JSON', reason: 'not valid JSON', errorPath: '', sizeBytes: payload.length,
        payloadSha256: 'x', firstSeenAt: '2026-11-25T00:00:00.000Z',
        coordinates: { kind: 'kafka', topic: 'customer.changes', partition: 3, offset: '42' },
      },
    });
    expect(m.value).toBe(payload);
    expect(m.key?.toString()).toBe('C1');
    expect(m.headers).toMatchObject({
      'verity-reason': 'not valid JSON', 'verity-reason-code': 'INVALID_JSON', 'verity-error-path': '',
      'verity-source-topic': 'customer.changes', 'verity-source-partition': '3', 'verity-source-offset': '42',
      'verity-first-seen-at': '2026-11-25T00:00:00.000Z',
    });
  });

  it('an issue change is a valid dq-issue-event/v1 keyed by issue id, with a stable event id', () => {
    const change: IssueChange = { change: 'opened', issue, eventId: 'e-1', occurredAt: '2026-11-20T09:30:00+08:00' };
    const m = issueMessage(change);
    expect(m.key).toBe('i-1');
    const event = IssueEvent.parse(JSON.parse(String(m.value)));
    expect(event).toMatchObject({ schema: 'dq-issue-event/v1', change: 'opened', issueId: 'i-1', version: 1, triggeringEventId: 'e-1' });
    expect(JSON.parse(String(issueMessage(change).value)).eventId).toBe(event.eventId);
  });
});

describe('verity produce routing', () => {
  it('keys customers by customerId, agents by agentId on their topic, and sends non-objects unkeyed to customers', () => {
    expect(routeLine('{"schema":"customer-change/v1","customerId":"C1"}')).toMatchObject({ topic: 'customer', message: { key: 'C1' } });
    expect(routeLine('{"schema":"agent-change/v1","agentId":"A1"}')).toMatchObject({ topic: 'agent', message: { key: 'A1' } });
    expect(routeLine('{"cut')).toMatchObject({ topic: 'customer', message: { key: null }, keyed: false });
    expect(routeLine('[1,2]')).toMatchObject({ topic: 'customer', keyed: false });
    expect(routeLine('').message.value).toEqual(Buffer.alloc(0));
  });
});
