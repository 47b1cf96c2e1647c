import { describe, expect, it } from 'vitest';
import { MaskedRecord } from '../../pipelines/privacy/masked-record.ts';
import { camelCase, fromColumns, snakeCase, toColumns } from './columns.ts';

// Field names of the rows the pipeline writes (model.ts); each must survive the round trip.
const FIELDS = [
  ...Object.keys(MaskedRecord.shape),
  'eventId', 'source', 'op', 'occurredAt', 'ingestedAt', 'sourceRef', 'failedRules',
  'findingId', 'ruleId', 'ruleVersion', 'severity', 'field', 'reason', 'evidence', 'detectedAt', 'issueId',
  'queue', 'status', 'resolution', 'priority', 'openedAt', 'openedByEventId', 'dueAt', 'dueDate',
  'deadlineBasis', 'deadlineProvisional', 'occurrences', 'lastEventId', 'lastSeenAt', 'updatedAt', 'version',
  'payloadSha256', 'sizeBytes', 'firstSeenAt',
];

describe('snakeCase / camelCase', () => {
  it('maps camelCase fields to the analyst column names', () => {
    expect(snakeCase('customerToken')).toBe('customer_token');
    expect(snakeCase('legalRepresentativeMasked')).toBe('legal_representative_masked');
    expect(snakeCase('payloadSha256')).toBe('payload_sha256');
    expect(snakeCase('op')).toBe('op');
    expect(camelCase('opened_by_event_id')).toBe('openedByEventId');
    expect(camelCase('payload_sha256')).toBe('payloadSha256');
    expect(camelCase('kind')).toBe('kind');
  });

  it('round-trips every field the pipeline writes', () => {
    for (const field of FIELDS) {
      expect(snakeCase(field)).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(camelCase(snakeCase(field)), field).toBe(field);
    }
    // Distinct fields stay distinct columns.
    expect(new Set(FIELDS.map(snakeCase)).size).toBe(new Set(FIELDS).size);
  });
});

describe('toColumns / fromColumns', () => {
  it('renames keys and leaves values untouched', () => {
    const row = { issueId: 'i-1', deadlineProvisional: false, bankAccountTokens: ['a', 'b'], occurrences: 2, empty: '' };
    const columns = toColumns(row);
    expect(columns).toEqual({ issue_id: 'i-1', deadline_provisional: false, bank_account_tokens: ['a', 'b'], occurrences: 2, empty: '' });
    expect(columns['bank_account_tokens']).toBe(row.bankAccountTokens);
    expect(fromColumns(columns)).toEqual(row);
  });
});
