// One batch may span any number of months. records and findings are partitioned by the month of
// occurred_at, and ClickHouse refuses, by default, an insert block that touches more than 100
// partitions: a batch replaying a decade of history failed its write for good (not retriable),
// and the run stopped. Found by the fuzzed e2e stream of issue 6 §3, whose events span 2000–2025.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { IssueTracker } from '../../pipelines/quality/issue-tracker.ts';
import { InMemoryIssueStateStore } from '../../tests/support/fakes/in-memory-issue-state.ts';
import { processEvent } from '../../pipelines/quality/process-event.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { AnalyticsStore, type BatchOutput } from './analytics-store.ts';
import { migrate } from './migrations.ts';
import { createStoreClient } from './store-client.ts';

const DB = 'verity_partitions';
const MONTHS = 150;

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-partitions-'));
  client = createStoreClient({ kind: 'embedded', path: join(dir, 'chdb') });
  await migrate(client, DB);
  // Keep every inserted part visible: a background merge must not hide a duplicate insert.
  for (const table of ['records', 'findings']) await client.command({ query: `SYSTEM STOP MERGES ${DB}.${table}` });
});

afterAll(async () => {
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One event a month for MONTHS months from 2010, each with a finding (a malformed mobile). */
async function decadeOfHistory(): Promise<BatchOutput> {
  const { rules } = await loadRulePack();
  const deps = { rules, tokenizer: createTokenizer(Buffer.alloc(32, 0x3d)), issues: new IssueTracker(new InMemoryIssueStateStore(), prcCalendar), now: () => '2026-06-01T02:00:00.000Z' };
  const outputs = Array.from({ length: MONTHS }, (_, i) => {
    const month = new Date(Date.UTC(2010, i, 15, 2)).toISOString();
    // Synthetic values only.
    const event = CustomerChange.parse({
      schema: 'customer-change/v1',
      eventId: `unit-partitions-${i}`,
      source: 'unit-test',
      op: 'update',
      occurredAt: month,
      customerId: `C-PART-${i}`,
      customer: { kind: 'person', name: '测甲乙', mobile: '1391234' },
    });
    return processEvent(event, `unit.jsonl:${i + 1}`, deps);
  });
  return { records: outputs.map((o) => o.record), findings: outputs.flatMap((o) => o.findings), issueChanges: outputs.flatMap((o) => o.issueChanges), deadLetters: [] };
}

const count = async (table: string) =>
  Number((await (await client.query({ query: `SELECT count() AS n FROM ${DB}.${table}`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);

describe('a batch whose events span more than 100 months', () => {
  it('is written whole, and written again as a no-op', async () => {
    const out = await decadeOfHistory();
    expect(out.findings.length).toBeGreaterThanOrEqual(MONTHS);
    const store = new AnalyticsStore(client, DB, 2);
    await store.write({ id: 'unit-partitions-batch', scope: 'unit.jsonl' }, out, '2026-06-01T02:00:05.000Z');
    expect(await count('records')).toBe(MONTHS);
    expect(await count('findings')).toBe(out.findings.length);
    // A retry of the same batch (same id) must still be deduplicated across all its partitions.
    await store.write({ id: 'unit-partitions-batch', scope: 'unit.jsonl' }, out, '2026-06-01T02:00:05.000Z');
    expect(await count('records')).toBe(MONTHS);
    expect(await count('findings')).toBe(out.findings.length);
  });
});
