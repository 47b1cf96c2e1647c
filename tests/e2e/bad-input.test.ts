// Issue 2 §7 line by line, through the real CLI and the embedded engine: every class of bad input
// is dead-lettered with its reason and coordinates, its original bytes go to the operator-only
// archive and only metadata to the table, every line is accounted for, and an eventId delivered
// twice has one effect. Issue 6 §2: messages beyond the contract's bounds (sizes, dates where the
// calendar maths break) are dead-lettered as too-large or out-of-range, and the run goes on.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity } from './support.ts';

// Synthetic values only: GB 11643's published example and made-up names and numbers.
const NAME = '样例甲';
const MOBILE = '13912340001';
const event = (eventId: string, over: Record<string, unknown> = {}) => ({
  schema: 'customer-change/v1',
  eventId,
  source: 'unit-crm',
  op: 'create',
  occurredAt: '2026-03-02T10:00:00+08:00',
  customerId: 'C-BAD-1',
  customer: {
    kind: 'person', name: NAME, gender: 'F', birthDate: '1949-12-31', idNumber: '11010519491231002X',
    mobile: MOBILE, address: '北京市海淀区中关村大街1号',
  },
  ...over,
});
const line = (value: unknown) => Buffer.from(JSON.stringify(value));
const without = (key: string) => {
  const e: Record<string, unknown> = event(`e-no-${key}`);
  delete e[key];
  return line(e);
};
const debeziumFromUnknownSource = {
  payload: { op: 'c', before: null, after: { id: 1 }, source: { name: 'no-such-system', db: 'x', table: 'y' }, ts_ms: 1 },
};

/** [bytes, expected outcome]: a dead-letter reason code, or 'accepted'. */
const LINES: readonly (readonly [Buffer, string])[] = [
  [line(event('e-1')), 'accepted'],
  [Buffer.from('{"schema":"customer-change/v1","eventId":"e-trunc'), 'not-json'],
  [Buffer.from('[1,2]'), 'not-object'],
  [Buffer.from('"just a string"'), 'not-object'],
  [without('eventId'), 'contract'],
  [without('customerId'), 'contract'],
  [line(event('e-op', { op: 'upsert' })), 'contract'],
  [line(event('e-time', { occurredAt: 'yesterday' })), 'contract'],
  [line(event('e-zone', { occurredAt: '2026-03-02T10:00:00' })), 'contract'],
  [line(event('e-type', { customer: 'see attachment' })), 'contract'],
  [line(event('e-type2', { policy: { policyId: 'P1', role: 'insured', coolingOffDays: '15' } })), 'contract'],
  [line(event('e-no-image', { op: 'update', customer: undefined })), 'contract'],
  [Buffer.concat([Buffer.from('{"schema":"customer-change/v1","name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), 'not-json'],
  [Buffer.alloc(0), 'not-json'],
  [line(debeziumFromUnknownSource), 'unmapped-source'],
  [line(event('e-1')), 'accepted'], // the same event again
  [line(event('e-1', { customer: { kind: 'person', name: NAME, mobile: '12345' } })), 'accepted'], // same id, other content
  [line(event('e-2', { customerId: 'C-BAD-2', customer: { kind: 'person', name: NAME, mobile: '1391234' } })), 'accepted'],
  // An event time from the far future is an upstream clock bug, not data.
  [line(event('e-2099', { customerId: 'C-BAD-3', occurredAt: '2099-06-05T10:00:00+08:00', customer: { kind: 'person', name: NAME, mobile: '1391234' } })), 'out-of-range'],
  // The poison messages of issue 6: each used to throw inside processEvent and stop the run.
  [line(event('e-p1', { occurredAt: '9999-12-31T20:00:00-08:00' })), 'out-of-range'],
  [line(event('e-p2', { occurredAt: '0000-01-01T00:00:00+14:00' })), 'out-of-range'],
  [line(event('e-p3', { occurredAt: '9999-12-31T15:59:59Z' })), 'out-of-range'],
  [line(event('e-p4', { policy: { policyId: 'P1', role: 'policyholder', receivedAt: '9999-12-31', coolingOffDays: 15 } })), 'out-of-range'],
  [line(event('e-p5', { customer: { kind: 'person', name: NAME, bankAccounts: Array.from({ length: 20_000 }, (_, i) => ({ number: `6222${String(i).padStart(12, '0')}` })) } })), 'too-large'],
  [line(event('e-p6', { customer: { kind: 'person', name: NAME, note: JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`) as unknown } })), 'too-large'],
  [line(event('e-p7', { customer: { kind: 'person', name: NAME, address: '北'.repeat(5000) } })), 'too-large'],
  [Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(1_100_000, 0x61), Buffer.from('"}')]), 'too-large'],
  // An unpaired surrogate escape: valid JSON, but the store refused the batch holding it, which
  // stopped the run (found by tests/fuzz).
  [Buffer.from(JSON.stringify(event('e-p8')).replace('"e-p8"', '"e-p8\\ud800"')), 'not-json'],
  // Still processed after all of them.
  [line(event('e-3', { customerId: 'C-BAD-4', customer: { kind: 'person', name: NAME, mobile: '1391234' } })), 'accepted'],
];

describe('bad input, nothing lost (issue 2 §7)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-bad-input-'));
  const input = join(dir, 'bad.jsonl');
  const dataDir = join(dir, 'data');
  let report: RunReport;
  let stderr: string;
  let client: ClickHouseClient;
  const query = async <T>(sql: string) => (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>();

  beforeAll(() => {
    writeFileSync(input, Buffer.concat(LINES.flatMap(([bytes]) => [bytes, Buffer.from('\n')])));
    const run = verity(['run', '--input', input, '--data-dir', dataDir, '--once', '--no-progress']);
    expect(run.status, run.stderr).toBe(0);
    report = JSON.parse(run.stdout) as RunReport;
    stderr = run.stderr;
    client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
  });
  afterAll(async () => {
    await client?.close();
  });

  const expectedDeadLetters = LINES.flatMap(([, outcome], i) => (outcome === 'accepted' ? [] : [{ line: i + 1, code: outcome }]));

  it('logs each dead letter with its file and line, and no value of the line', () => {
    for (const { line } of expectedDeadLetters) expect(stderr, `line ${line}`).toMatch(new RegExp(`"at":"[^"]*bad\\.jsonl:${line}"`));
    expect(stderr).not.toContain(NAME);
  });

  it('accounts for every line: accepted + dead-lettered = read', () => {
    expect(report.events).toBe(LINES.length);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(report.deadLettered).toBe(expectedDeadLetters.length);
    expect(report.duplicates).toBe(2);
  });

  it('dead-letters each bad line with its reason code, a reason and its file and line', async () => {
    const rows = await query<{ line: string; file: string; reason_code: string; reason: string; source_ref: string }>(
      'SELECT line, file, reason_code, reason, source_ref FROM verity.dead_letters FINAL ORDER BY line',
    );
    expect(rows.map((r) => ({ line: Number(r.line), code: r.reason_code }))).toEqual(expectedDeadLetters);
    for (const r of rows) {
      expect(r.reason.length, r.source_ref).toBeGreaterThan(10);
      expect(r.file).toBe(input);
      expect(r.source_ref).toBe(`${input}:${r.line}`);
    }
    const reasons = new Map(rows.map((r) => [Number(r.line), r.reason]));
    expect(reasons.get(7)).toMatch(/^violates the event contract: op: /);
    expect(reasons.get(8)).toMatch(/occurredAt/);
    expect(reasons.get(13)).toMatch(/UTF-8/);
  });

  it('keeps the original bytes in the operator-only archive, and metadata only in the table', async () => {
    const archivePath = report.deadLetterFile;
    expect(statSync(archivePath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(archivePath)).mode & 0o777).toBe(0o700);
    const archived = readFileSync(archivePath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { payloadBase64: string; coordinates: { line: number }; sizeBytes: number; payloadTruncated?: boolean });
    expect(archived.map((a) => a.coordinates.line)).toEqual(expectedDeadLetters.map((d) => d.line));
    for (const a of archived) {
      const original = LINES[a.coordinates.line - 1]![0];
      expect(a.sizeBytes).toBe(original.length);
      // A line longer than the message limit is kept as its first limit + 1 bytes, and says so.
      if (original.length > 1_048_576) expect({ truncated: a.payloadTruncated, payload: Buffer.from(a.payloadBase64, 'base64') }).toEqual({ truncated: true, payload: original.subarray(0, 1_048_577) });
      else expect({ truncated: a.payloadTruncated, payload: Buffer.from(a.payloadBase64, 'base64') }).toEqual({ truncated: undefined, payload: original });
    }

    const table = await (await client.query({ query: 'SELECT * FROM verity.dead_letters', format: 'JSONEachRow' })).text();
    expect(table).not.toContain(NAME);
    expect(table).not.toContain(MOBILE);
    expect(table).not.toContain('see attachment');
    const columns = await query<{ name: string }>("SELECT name FROM system.columns WHERE database = 'verity' AND table = 'dead_letters'");
    // Exactly the documented metadata (README "Analyst schema"): no column for the payload itself.
    expect(columns.map((c) => c.name).sort()).toEqual(
      [
        'dead_letter_id', 'reason_code', 'reason', 'error_path', 'source_kind', 'source_ref', 'file', 'line', 'topic',
        'partition', 'offset', 'size_bytes', 'payload_sha256', 'first_seen_at',
      ].sort(),
    );
  });

  it('gives an eventId delivered twice the effect of one: one record, one set of findings', async () => {
    const records = await query<{ event_id: string; n: number }>('SELECT event_id, count() AS n FROM verity.records GROUP BY event_id ORDER BY event_id');
    expect(records).toEqual([
      { event_id: 'e-1', n: 1 },
      { event_id: 'e-2', n: 1 },
      { event_id: 'e-3', n: 1 },
    ]);
    // e-1's first delivery is clean; the re-delivery with a bad mobile must not have been evaluated.
    const findings = await query<{ event_id: string; rule_id: string }>('SELECT event_id, rule_id FROM verity.findings ORDER BY event_id, rule_id');
    expect(findings.filter((f) => f.event_id === 'e-1')).toEqual([]);
    expect(findings.filter((f) => f.event_id === 'e-2').map((f) => f.rule_id)).toContain('mobile-format');
  });

  it('dead-letters messages beyond the bounds with a reason naming the limit, never a value', async () => {
    const rows = await query<{ line: string; reason_code: string; reason: string; error_path: string }>(
      "SELECT line, reason_code, reason, error_path FROM verity.dead_letters FINAL WHERE reason_code IN ('too-large', 'out-of-range') ORDER BY line",
    );
    expect(rows.map((r) => r.reason_code)).toEqual(expectedDeadLetters.filter((d) => d.code === 'too-large' || d.code === 'out-of-range').map((d) => d.code));
    const byPath = rows.map((r) => r.error_path);
    expect(byPath).toEqual([
      'occurredAt', 'occurredAt', 'occurredAt', 'occurredAt', 'policy.receivedAt', 'customer.bankAccounts',
      // The nesting's own key is not the contract's, so it is not shown.
      `customer.<key>${'[0]'.repeat(30)}`,
      'customer.address', '',
    ]);
    for (const r of rows) {
      expect(r.reason).toMatch(/^(too large|out of range): /);
      for (const value of ['9999-12-31', '0000-01-01', '2099-06-05', NAME, '北北北']) expect(r.reason).not.toContain(value);
    }
    expect(report.deadLettersByReason).toMatchObject({ 'too-large': 4, 'out-of-range': 5 });
  });

  it('goes on after the poison messages: the last event is stored', async () => {
    const records = await query<{ n: number }>("SELECT count() AS n FROM verity.records WHERE event_id = 'e-3'");
    expect(records).toEqual([{ n: 1 }]);
  });

});
