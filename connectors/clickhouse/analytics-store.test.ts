// Migrations and the analytics store against a real embedded chDB. chDB allows one on-disk path per
// process, so the whole file shares one store, opened in beforeAll and closed in afterAll.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { CustomerChange } from '../../pipelines/contract/customer-change.ts';
import { StoreError } from '../../pipelines/errors.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { IssueTracker } from '../../pipelines/quality/issue-tracker.ts';
import { InMemoryIssueStateStore } from '../../tests/support/fakes/in-memory-issue-state.ts';
import type { DeadLetter, IssueChange, IssueState } from '../../pipelines/quality/model.ts';
import { processEvent } from '../../pipelines/quality/process-event.ts';
import { residentIdCheckCharacter } from '../../pipelines/cn/cn-resident-id.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import type { FindingMirrorChange } from '../../pipelines/quality/patterns/pattern-state.ts';
import { AnalyticsStore, type BatchOutput } from './analytics-store.ts';
import { fromColumns, snakeCase, toColumns } from './columns.ts';
import { assertDatabaseName, migrate, MIGRATIONS } from './migrations.ts';
import { createStoreClient } from './store-client.ts';

const DB = 'verity_unit';
const TABLES = ['active_findings', 'dead_letters', 'findings', 'issue_events', 'issues', 'records'];
const RECORDED_AT = '2026-06-01T02:00:05.000Z';
const batchRef = (id: string) => ({ id, scope: 'unit.jsonl' });

let dir: string;
let client: ClickHouseClient;
let store: AnalyticsStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-store-'));
  client = createStoreClient({ kind: 'embedded', path: join(dir, 'chdb') });
});

afterAll(async () => {
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function count(sql: string): Promise<number> {
  const rows = await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(rows[0]?.n ?? Number.NaN);
}

/** Rows straight from the table (no FINAL): duplicates would show here. */
const rawCount = (table: string) => count(`SELECT count() AS n FROM ${DB}.${table}`);

// Synthetic events through the real pipeline: one clean, one with a wrong ID check character.
async function batchOutput(): Promise<BatchOutput> {
  const { rules } = await loadRulePack();
  const tokenizer = createTokenizer(Buffer.alloc(32, 0x7e));
  const tracker = new IssueTracker(new InMemoryIssueStateStore(), prcCalendar);
  const payload = '11010519900307123';
  const check = residentIdCheckCharacter(payload);
  const event = (eventId: string, idNumber: string) =>
    CustomerChange.parse({
      schema: 'customer-change/v1',
      eventId,
      source: 'unit-test',
      op: 'update',
      occurredAt: '2026-06-01T09:30:00+08:00',
      customerId: `C-TEST-${eventId}`,
      customer: {
        kind: 'person',
        name: '测甲乙',
        gender: 'M',
        birthDate: '1990-03-07',
        idNumber,
        mobile: '13912340588',
        address: '北京市海淀区测试路5号',
        bankAccounts: [{ number: '6230000000000000' }],
      },
    });
  const deps = { rules, tokenizer, issues: tracker, now: () => '2026-06-01T02:00:00.000Z' };
  const outputs = [
    processEvent(event('unit-store-1', payload + check), 'unit.jsonl:1', deps),
    processEvent(event('unit-store-2', payload + (check === '1' ? '2' : '1')), 'unit.jsonl:2', deps),
  ];
  const deadLetter: DeadLetter = {
    deadLetterId: 'unit-dead-letter-1',
    reasonCode: 'not-json',
    reason: 'not valid JSON (at byte 3)',
    errorPath: '',
    coordinates: { kind: 'file', file: 'unit.jsonl', line: 3 },
    sizeBytes: 12,
    payloadSha256: 'a'.repeat(64),
    firstSeenAt: '2026-06-01T02:00:00.000Z',
  };
  return {
    records: outputs.map((o) => o.record),
    findings: outputs.flatMap((o) => o.findings),
    issueChanges: outputs.flatMap((o) => o.issueChanges),
    deadLetters: [deadLetter],
    findingMirror: [mirrorRow(1, true)],
  };
}

function mirrorRow(version: number, active: boolean, groupSize = 2): FindingMirrorChange {
  return {
    ruleId: 'shared-mobile',
    customerToken: 'unit-customer-token',
    active,
    since: '2026-06-01T09:00:00+08:00',
    sinceEventId: 'unit-event-1',
    groupToken: 'unit-value-token',
    groupSize,
    agentToken: 'unit-agent-token',
    channel: 'app',
    source: 'unit',
    evidence: '{"holders":[]}',
    version,
  };
}

describe('migrate', () => {
  it('creates the analyst schema once, then applies nothing', async () => {
    expect(await migrate(client, DB)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(client, DB)).toEqual([]);
    const tables = await (
      await client.query({ query: `SELECT name FROM system.tables WHERE database = '${DB}' ORDER BY name`, format: 'JSONEachRow' })
    ).json<{ name: string }>();
    expect(tables.map((t) => t.name)).toEqual([...TABLES, 'issue_sla_events', 'schema_migrations'].sort());
    expect(await count(`SELECT count() AS n FROM ${DB}.schema_migrations FINAL`)).toBe(MIGRATIONS.length);
    store = new AnalyticsStore(client, DB, 2);
  });

  it('refuses a database name that is not an identifier', async () => {
    expect(() => assertDatabaseName('verity; DROP DATABASE x')).toThrow(StoreError);
    await expect(migrate(client, 'bad-name')).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(() => new AnalyticsStore(client, '1db', 1)).toThrow(StoreError);
  });
});

describe('AnalyticsStore', () => {
  let out: BatchOutput;
  beforeAll(async () => {
    out = await batchOutput();
    // Keep every inserted part visible: a background merge must not hide a duplicate insert.
    for (const table of TABLES) await client.command({ query: `SYSTEM STOP MERGES ${DB}.${table}` });
  });

  it('writes columns that all exist in the analyst schema', async () => {
    const columns = await (
      await client.query({ query: `SELECT table, name FROM system.columns WHERE database = '${DB}'`, format: 'JSONEachRow' })
    ).json<{ table: string; name: string }>();
    const has = (table: string) => new Set(columns.filter((c) => c.table === table).map((c) => c.name));
    const check = (table: string, rows: readonly object[]) => {
      expect(rows.length, table).toBeGreaterThan(0);
      const known = has(table);
      for (const key of Object.keys(toColumns(rows[0]!))) expect(known.has(key), `${table}.${key}`).toBe(true);
    };
    check('records', out.records);
    check('findings', out.findings);
    check('issues', out.issueChanges.map((c) => c.issue));
    expect(has('issues').size).toBe(Object.keys(out.issueChanges[0]!.issue).length);
    expect([...has('records')].sort()).toEqual(Object.keys(out.records[0]!).map(snakeCase).sort());
  });

  it('writes a batch once, even when the same batch is written again', async () => {
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.issueChanges.length).toBeGreaterThan(0);

    await store.write(batchRef('unit-batch-1'), out, RECORDED_AT);
    const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await rawCount(t)] as const)));
    const first = await counts();
    expect(first).toEqual({
      records: out.records.length,
      findings: out.findings.length,
      issues: out.issueChanges.length,
      issue_events: out.issueChanges.length,
      dead_letters: out.deadLetters.length,
      active_findings: 1,
    });

    // Re-delivery: same batch id → insert_deduplication_token drops every insert.
    await store.write(batchRef('unit-batch-1'), out, RECORDED_AT);
    expect(await counts()).toEqual(first);
  });

  it('round-trips an open issue exactly', async () => {
    const opened = out.issueChanges.map((c) => c.issue);
    const loaded = await mirroredOpenIssues();
    expect(loaded).toHaveLength(opened.length);
    for (const expected of opened) {
      const actual = loaded.find((i) => i.issueId === expected.issueId);
      expect(actual, expected.issueId).toBeDefined();
      expectSameIssue(actual!, expected);
    }
  });

  it('keeps only the newest version of an issue, and closed issues are not open', async () => {
    const open = out.issueChanges[0]!.issue;
    const resolved: IssueState = {
      ...open,
      status: 'resolved',
      resolution: 'corrected-upstream',
      lastEventId: 'unit-store-3',
      lastSeenAt: '2026-06-02T10:00:00+08:00',
      updatedAt: '2026-06-02T10:00:00+08:00',
      version: open.version + 1,
    };
    const change: IssueChange = { change: 'resolved', issue: resolved, eventId: 'unit-store-3', occurredAt: resolved.updatedAt };
    await store.write(batchRef('unit-batch-2'), { records: [], findings: [], issueChanges: [change], deadLetters: [] }, RECORDED_AT);
    const ids = (await mirroredOpenIssues()).map((i) => i.issueId);
    expect(ids).not.toContain(open.issueId);
    expect(ids).toHaveLength(out.issueChanges.length - 1);
    expect(await count(`SELECT count() AS n FROM ${DB}.issue_events WHERE issue_id = '${open.issueId}'`)).toBe(2);
  });

  it('mirrors active findings: the latest version of each (rule, customer) wins, whatever order the rows arrive in', async () => {
    const current = async () =>
      (
        await (
          await client.query({ query: `SELECT active, group_size, version, toString(since) AS since FROM ${DB}.active_findings FINAL WHERE customer_token = 'unit-customer-token'`, format: 'JSONEachRow' })
        ).json<{ active: boolean; group_size: number; version: string; since: string }>()
      ).map((r) => `${r.active}|${r.group_size}|${r.version}|${r.since}`);
    expect(await current()).toEqual(['true|2|1|2026-06-01 01:00:00.000']);
    // A later version (the group grew), then an earlier one arriving late (another scope's batch
    // whose write was retried): the later stays.
    await store.write(batchRef('unit-mirror-3'), { records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [mirrorRow(3, true, 3)] }, RECORDED_AT);
    await store.write(batchRef('unit-mirror-2'), { records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [mirrorRow(2, false)] }, RECORDED_AT);
    expect(await current()).toEqual(['true|3|3|2026-06-01 01:00:00.000']);
    await store.write(batchRef('unit-mirror-4'), { records: [], findings: [], issueChanges: [], deadLetters: [], findingMirror: [mirrorRow(4, false, 3)] }, RECORDED_AT);
    expect(await current()).toEqual(['false|3|4|2026-06-01 01:00:00.000']);
  });

  it('round-trips every IssueState field, including a provisional cooling-off deadline', async () => {
    const issue: IssueState = {
      issueId: 'unit-issue-roundtrip',
      queue: 'identity-verification',
      ruleId: 'id-number-format',
      ruleVersion: 3,
      customerToken: 'tok-unit-roundtrip',
      status: 'open',
      resolution: '',
      priority: 'P1',
      severity: 'critical',
      openedAt: '2026-12-30T23:15:00.125+08:00',
      openedByEventId: 'unit-rt-1',
      dueAt: '2027-01-05T23:59:59.999+08:00',
      dueDate: '2027-01-05',
      deadlineBasis: 'cooling-off-end',
      deadlineProvisional: true,
      occurrences: 7,
      lastEventId: 'unit-rt-7',
      lastSeenAt: '2026-12-31T01:02:03.004Z',
      updatedAt: '2026-12-31T01:02:03.004Z',
      version: 7,
      assignee: 'steward.li',
      escalated: true,
      tier: 'core',
      pausedSince: '2026-12-31T02:00:00.000Z',
      pauseReason: 'waiting for documents',
      callbackAttempts: 2,
      nextAttemptAt: '2027-01-04T09:00:00.000+08:00',
      outcome: '',
      source: 'crm',
      channel: 'bancassurance',
      agentToken: 'tok-agent-rt',
    };
    await store.write(batchRef('unit-batch-3'), { records: [], findings: [], issueChanges: [{ change: 'updated', issue, eventId: 'unit-rt-7', occurredAt: issue.updatedAt }], deadLetters: [] }, RECORDED_AT);
    const loaded = (await mirroredOpenIssues()).find((i) => i.issueId === issue.issueId);
    expect(loaded).toBeDefined();
    expectSameIssue(loaded!, issue);
  });

  it("mirrors the SLA clock's reminders and breaches, one row per issue and kind", async () => {
    const issue = out.issueChanges[0]!.issue;
    const at = '2026-10-09T01:00:00.000Z';
    for (const kind of ['reminder-50', 'reminder-80'] as const) {
      await store.writeSlaNotices([{ kind, issue, at }]);
      await store.writeSlaNotices([{ kind, issue, at }]); // relayed again after a crash: deduplicated
    }
    // As the outbox relay mirrors the clock's breach: an issue change, and its notice.
    const breach = { change: 'breached' as const, issue: { ...issue, escalated: true, version: issue.version + 1 }, eventId: issue.lastEventId, occurredAt: at };
    await store.mirrorIssueChanges('outbox:1-1', [breach]);
    await store.mirrorIssueChanges('outbox:1-1', [breach]);
    const rows = await (
      await client.query({ query: `SELECT toString(kind) AS kind, count() AS n FROM ${DB}.issue_sla_events WHERE issue_id = {id:String} GROUP BY kind ORDER BY kind`, query_params: { id: issue.issueId }, format: 'JSONEachRow' })
    ).json<{ kind: string; n: string }>();
    expect(rows.map((r) => `${r.kind}:${r.n}`)).toEqual(['breached:1', 'reminder-50:1', 'reminder-80:1']);
  });

  it('deduplicates by batch id: the same rows under another batch id are a new insert', async () => {
    // The control for the re-delivery test above: with merges stopped, only the token kept the
    // second write out. Query results (FINAL) still show each row once.
    const before = await rawCount('records');
    await store.write(batchRef('unit-batch-other'), { ...out, issueChanges: [], findings: [], deadLetters: [] }, RECORDED_AT);
    expect(await rawCount('records')).toBe(before + out.records.length);
    expect(await count(`SELECT count() AS n FROM ${DB}.records FINAL`)).toBe(out.records.length);
  });
});

describe('AnalyticsStore: an interrupted write done again', () => {
  it('stores each row once when a write that failed part-way is done again with the same batch', async () => {
    const db = 'verity_rewrite';
    await migrate(client, db);
    for (const table of TABLES) await client.command({ query: `SYSTEM STOP MERGES ${db}.${table}` });
    const out = await batchOutput();
    let failing = true;
    const interrupted = new AnalyticsStore(client, db, 2, (name) => {
      if (name === 'store.write.before-records' && failing) throw new Error('the process dies here');
    });
    await expect(interrupted.write(batchRef('unit-rewrite-1'), out, RECORDED_AT)).rejects.toThrow('the process dies here');
    expect(await count(`SELECT count() AS n FROM ${db}.findings`)).toBe(out.findings.length);
    expect(await count(`SELECT count() AS n FROM ${db}.records`)).toBe(0);
    failing = false;
    await interrupted.write(batchRef('unit-rewrite-1'), out, RECORDED_AT);
    for (const [table, n] of [['records', out.records.length], ['findings', out.findings.length], ['issues', out.issueChanges.length], ['issue_events', out.issueChanges.length], ['dead_letters', 1]] as const) {
      expect(await count(`SELECT count() AS n FROM ${db}.${table}`), table).toBe(n);
    }
  });

  it('starts no insert once its batch is given up', async () => {
    const lost = new AbortController();
    lost.abort(new Error('scope lost'));
    const out = await batchOutput();
    await expect(store.write(batchRef('unit-fenced'), out, RECORDED_AT, { signal: lost.signal })).rejects.toThrow('scope lost');
    expect(await count(`SELECT count() AS n FROM ${DB}.findings WHERE event_id LIKE 'unit-fenced%'`)).toBe(0);
  });
});

/** Open issues as the analytics mirror holds them (FINAL: the newest version of each). */
async function mirroredOpenIssues(): Promise<IssueState[]> {
  const rows = await (
    await client.query({
      query: `SELECT * EXCEPT (due_date), toString(due_date) AS due_date FROM ${DB}.issues FINAL WHERE status = 'open'`,
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_output_format: 'iso' },
    })
  ).json<Record<string, unknown>>();
  return rows.map((row) => {
    const issue = fromColumns<IssueState>(row);
    return { ...issue, version: Number(issue.version), occurrences: Number(issue.occurrences), ruleVersion: Number(issue.ruleVersion) };
  });
}

const INSTANTS = ['openedAt', 'dueAt', 'lastSeenAt', 'updatedAt'] as const;

/** Equal field by field; instants may come back in another offset, so they compare as instants. */
function expectSameIssue(actual: IssueState, expected: IssueState): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const key of INSTANTS) expect(Date.parse(actual[key]), key).toBe(Date.parse(expected[key]));
  const rest = (i: IssueState) => Object.fromEntries(Object.entries(i).filter(([k]) => !(INSTANTS as readonly string[]).includes(k)));
  expect(rest(actual)).toEqual(rest(expected));
}
