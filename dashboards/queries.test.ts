// Runs every dashboard query against the real analyst schema (embedded chDB, real migrations) over
// a small synthetic data set whose answers are worked out by hand below. Only masked values and
// tokens appear, as in production. Issues are placed relative to the wall clock because the
// backlog, due-soon and overdue panels are "as of now" by design.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../connectors/clickhouse/migrations.ts';
import { createStoreClient } from '../connectors/clickhouse/store-client.ts';
import { addDays } from '../pipelines/calendar/calendar-date.ts';
import { endOfShanghaiDay, shanghaiDate } from '../pipelines/calendar/shanghai-time.ts';
import { createWorkingDayCalendar } from '../pipelines/calendar/prc-calendar.ts';
import {
  ANALYST_TABLES,
  dueSoonParams,
  loadDashboardQueries,
  parseDashboardQuery,
  runDashboardQuery,
  sqlFor,
  type DashboardQuery,
  type QueryParameterValues,
} from './queries.ts';

type Row = Record<string, unknown>;

const QUERIES = loadDashboardQueries();
const DB = 'verity';

// Fixed window for event-time panels: Shanghai days 2026-03-02 and 2026-03-03.
const FROM = new Date('2026-03-01T16:00:00Z');
const TO = new Date('2026-03-03T16:00:00Z');
const WINDOW = { from: FROM, to: TO };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date();
const TODAY = shanghaiDate(NOW.toISOString());
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
/** Deadlines are always the end of a Shanghai day, as the pipeline computes them. */
const dueIn = (days: number) => ({ due_at: endOfShanghaiDay(addDays(TODAY, days)), due_date: addDays(TODAY, days) });

function record(over: Row): Row {
  return {
    op: 'create',
    ingested_at: '2026-03-04T00:00:00Z',
    source_ref: 'demo/stream.jsonl:1',
    entity: 'customer',
    kind: 'person',
    tier: 'general',
    secrecy_level: '秘密',
    protection_class: 'sensitive',
    policy_role: 'policyholder',
    policy_token: 'pt_0001',
    agent_token: 'at_0001',
    channel: 'bancassurance',
    name_masked: '张*',
    id_type: 'CN_RESIDENT_ID',
    id_number_masked: '110***********123X',
    mobile_masked: '138****0000',
    address_masked: '北京市海淀区****',
    bank_accounts_masked: ['6222********0000'],
    mobile_token: 'mt_0001',
    id_number_token: 'it_0001',
    bank_account_tokens: ['bt_0001'],
    province: '北京市',
    age_band: '30-39',
    gender: 'F',
    has_health_data: false,
    failed_rules: [],
    ...over,
  };
}

function finding(over: Row): Row {
  return {
    rule_version: 1,
    field: 'customer.mobile',
    reason: 'format',
    evidence: '138****0000',
    source: 'core-banking',
    detected_at: '2026-03-04T00:00:00Z',
    issue_id: '',
    ...over,
  };
}

function issue(over: Row): Row {
  return {
    rule_version: 1,
    resolution: '',
    severity: 'high',
    opened_by_event_id: 'ev-x',
    deadline_basis: 'working-days:3',
    deadline_provisional: false,
    occurrences: 1,
    last_event_id: 'ev-x',
    last_seen_at: ago(DAY),
    updated_at: ago(DAY),
    version: 1,
    ...over,
  };
}

function issueEvent(over: Row): Row {
  return { version: 1, status: 'open', priority: 'P2', due_at: '2026-03-05T23:59:59.999+08:00', recorded_at: '2026-03-04T00:00:00Z', ...over };
}

function deadLetter(over: Row): Row {
  return {
    reason: 'not valid JSON (at byte 0)',
    error_path: '',
    source_kind: 'kafka',
    source_ref: '',
    file: '',
    line: 0,
    topic: '',
    partition: 0,
    offset: 0,
    size_bytes: 10,
    payload_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ...over,
  };
}

// Customers A..I are tokens; the comments give the facts the expectations rely on.
const RECORDS = [
  // Shanghai 2026-03-02: core-banking A pass, B fail; policy-admin C pass, D fail, I pass.
  record({ event_id: 'ev-1', source: 'core-banking', occurred_at: '2026-03-02T01:00:00Z', customer_token: 'ct_A' }),
  record({ event_id: 'ev-2', source: 'core-banking', occurred_at: '2026-03-02T02:00:00Z', customer_token: 'ct_B', tier: 'important', secrecy_level: '机密', province: '广东省', failed_rules: ['mobile-format'] }),
  record({ event_id: 'ev-3', source: 'policy-admin', occurred_at: '2026-03-02T03:00:00Z', customer_token: 'ct_C', province: '上海市' }),
  record({ event_id: 'ev-4', source: 'policy-admin', channel: 'agency', occurred_at: '2026-03-02T04:00:00Z', customer_token: 'ct_D', tier: 'core', secrecy_level: '绝密', province: '', failed_rules: ['id-number-format', 'required-fields'] }),
  record({ event_id: 'ev-11', source: 'policy-admin', occurred_at: '2026-03-02T06:00:00Z', customer_token: 'ct_I', province: '四川省' }),
  // 17:30Z is 01:30 on 2026-03-03 in Shanghai: the day boundary is Shanghai's, not UTC's.
  record({ event_id: 'ev-5', source: 'core-banking', occurred_at: '2026-03-02T17:30:00Z', customer_token: 'ct_E', province: '浙江省' }),
  // Shanghai 2026-03-03: core-banking E pass, F fail, H pass.
  record({ event_id: 'ev-6', source: 'core-banking', occurred_at: '2026-03-03T02:00:00Z', customer_token: 'ct_F', failed_rules: ['mobile-format', 'bank-account-format'] }),
  record({ event_id: 'ev-10', source: 'core-banking', occurred_at: '2026-03-03T04:00:00Z', customer_token: 'ct_H', province: '江苏省' }),
  // Not counted: a delete, an agent, and a record just before the window (23:00 on 03-01 Shanghai).
  record({ event_id: 'ev-7', source: 'core-banking', op: 'delete', occurred_at: '2026-03-03T03:00:00Z', customer_token: 'ct_A' }),
  record({ event_id: 'ev-8', source: 'agent-hr', entity: 'agent', kind: '', occurred_at: '2026-03-02T05:00:00Z', customer_token: '', failed_rules: ['placeholder-value'] }),
  record({ event_id: 'ev-9', source: 'core-banking', occurred_at: '2026-03-01T15:00:00Z', customer_token: 'ct_G', failed_rules: ['email-format'] }),
];
// A re-delivery after a crash: same event, written again later.
const RECORD_REDELIVERED = [{ ...RECORDS[1], ingested_at: '2026-03-04T01:00:00Z' }];

const FINDINGS = [
  finding({ finding_id: 'fd-1', rule_id: 'mobile-format', severity: 'medium', customer_token: 'ct_B', event_id: 'ev-2', occurred_at: '2026-03-02T02:00:00Z', issue_id: 'iss-B-mobile' }),
  finding({ finding_id: 'fd-2', rule_id: 'id-number-format', severity: 'high', customer_token: 'ct_D', field: 'customer.idNumber', event_id: 'ev-4', source: 'policy-admin', occurred_at: '2026-03-02T04:00:00Z', issue_id: 'iss-D-id' }),
  finding({ finding_id: 'fd-3', rule_id: 'required-fields', severity: 'high', customer_token: 'ct_D', field: 'customer.address', event_id: 'ev-4', source: 'policy-admin', occurred_at: '2026-03-02T04:00:00Z', issue_id: 'iss-D-req' }),
  finding({ finding_id: 'fd-4', rule_id: 'mobile-format', severity: 'medium', customer_token: 'ct_F', event_id: 'ev-6', occurred_at: '2026-03-03T02:00:00Z', issue_id: 'iss-F-mobile' }),
  // A Luhn warning: low severity, below the rule's minSeverity, so no issue.
  finding({ finding_id: 'fd-5', rule_id: 'bank-account-format', severity: 'low', customer_token: 'ct_F', field: 'customer.bankAccounts[0].number', event_id: 'ev-6', occurred_at: '2026-03-03T02:00:00Z' }),
  finding({ finding_id: 'fd-6', rule_id: 'email-format', severity: 'low', customer_token: 'ct_G', event_id: 'ev-9', occurred_at: '2026-03-01T15:00:00Z', issue_id: 'iss-G-email' }),
];
const FINDING_REDELIVERED = [{ ...FINDINGS[0], detected_at: '2026-03-04T01:00:00Z' }];

// Issues relative to now. Later versions of the same issue go in a second insert, as in production.
const ISSUES_V1 = [
  // Claimed and in-verification issues are as active as open ones: every "open" panel counts them.
  issue({ issue_id: 'i1', queue: 'contact-verification', rule_id: 'mobile-format', customer_token: 'ct_B', status: 'claimed', assignee: 'steward-1', priority: 'P2', opened_at: ago(50 * HOUR), ...dueIn(0) }),
  issue({ issue_id: 'i2', queue: 'identity-verification', rule_id: 'id-number-format', customer_token: 'ct_D', status: 'open', priority: 'P1', opened_at: ago(10 * DAY), ...dueIn(-1) }),
  issue({ issue_id: 'i3', queue: 'identity-verification', rule_id: 'id-gender-mismatch', customer_token: 'ct_J', status: 'open', priority: 'P1', opened_at: ago(40 * DAY), ...dueIn(-20), deadline_provisional: true }),
  issue({ issue_id: 'i4', queue: 'contact-verification', rule_id: 'mobile-format', customer_token: 'ct_K', status: 'open', priority: 'P2', opened_at: ago(5 * DAY), ...dueIn(-1) }),
  issue({ issue_id: 'i5', queue: 'record-completeness', rule_id: 'required-fields', customer_token: 'ct_L', status: 'resolved', resolution: 'corrected-upstream', priority: 'P2', opened_at: ago(12 * DAY), updated_at: ago(2 * DAY), ...dueIn(-5), deadline_provisional: true }),
  issue({ issue_id: 'i6', queue: 'account-verification', rule_id: 'bank-account-format', customer_token: 'ct_M', status: 'withdrawn', priority: 'P3', opened_at: ago(6 * DAY), ...dueIn(-2) }),
  issue({ issue_id: 'i7', queue: 'account-verification', rule_id: 'bank-account-format', customer_token: 'ct_N', status: 'open', priority: 'P3', opened_at: ago(10 * HOUR), ...dueIn(30), deadline_provisional: true }),
  issue({ issue_id: 'i8', queue: 'identity-verification', rule_id: 'id-birthdate-mismatch', customer_token: 'ct_O', status: 'open', priority: 'P1', opened_at: ago(100 * HOUR), ...dueIn(40), deadline_provisional: true }),
];
const ISSUES_V2 = [
  // i4 was corrected upstream three days ago, before its deadline (yesterday): on time, not overdue.
  issue({ ...ISSUES_V1[3], status: 'resolved', resolution: 'corrected-upstream', updated_at: ago(3 * DAY), version: 2 }),
  // i8's deadline was recomputed once the calendar data arrived: no longer provisional.
  issue({ ...ISSUES_V1[7], deadline_provisional: false, status: 'in-verification', updated_at: ago(HOUR), version: 2 }),
];

const ISSUE_EVENTS = [
  issueEvent({ issue_id: 'iss-B-mobile', change: 'opened', queue: 'contact-verification', rule_id: 'mobile-format', customer_token: 'ct_B', event_id: 'ev-2', occurred_at: '2026-03-02T02:00:00Z' }),
  issueEvent({ issue_id: 'iss-D-id', change: 'opened', queue: 'identity-verification', rule_id: 'id-number-format', customer_token: 'ct_D', priority: 'P1', event_id: 'ev-4', occurred_at: '2026-03-02T04:00:00Z' }),
  issueEvent({ issue_id: 'iss-D-req', change: 'opened', queue: 'record-completeness', rule_id: 'required-fields', customer_token: 'ct_D', event_id: 'ev-4', occurred_at: '2026-03-02T04:00:00Z' }),
  issueEvent({ issue_id: 'iss-F-mobile', change: 'opened', queue: 'contact-verification', rule_id: 'mobile-format', customer_token: 'ct_F', event_id: 'ev-6', occurred_at: '2026-03-03T02:00:00Z' }),
  issueEvent({ issue_id: 'iss-B-mobile', version: 2, change: 'resolved', status: 'resolved', queue: 'contact-verification', rule_id: 'mobile-format', customer_token: 'ct_B', event_id: 'ev-12', occurred_at: '2026-03-03T03:00:00Z' }),
  issueEvent({ issue_id: 'iss-X', version: 2, change: 'withdrawn', status: 'withdrawn', queue: 'account-verification', rule_id: 'bank-account-format', customer_token: 'ct_P', priority: 'P3', event_id: 'ev-13', occurred_at: '2026-03-03T05:00:00Z' }),
];
const ISSUE_EVENT_REDELIVERED = [{ ...ISSUE_EVENTS[1], recorded_at: '2026-03-04T01:00:00Z' }];

const DEAD_LETTERS = [
  deadLetter({ dead_letter_id: 'dl-1', reason_code: 'not-json', topic: 'customer.changes', partition: 0, offset: 41, source_ref: 'customer.changes/0@41', size_bytes: 10, first_seen_at: '2026-03-02T01:00:00Z' }),
  deadLetter({ dead_letter_id: 'dl-2', reason_code: 'not-json', topic: 'customer.changes', partition: 1, offset: 7, source_ref: 'customer.changes/1@7', size_bytes: 20, first_seen_at: '2026-03-02T08:00:00Z' }),
  deadLetter({ dead_letter_id: 'dl-3', reason_code: 'contract', reason: 'violates the event contract: customerId: required', source_kind: 'file', file: 'demo/stream.jsonl', line: 7, source_ref: 'demo/stream.jsonl:7', size_bytes: 300, first_seen_at: '2026-03-02T09:00:00Z' }),
  // 00:30 on 2026-03-03 in Shanghai.
  deadLetter({ dead_letter_id: 'dl-4', reason_code: 'contract', reason: 'violates the event contract: op: invalid', topic: 'customer.changes', offset: 99, source_ref: 'customer.changes/0@99', size_bytes: 40, first_seen_at: '2026-03-02T16:30:00Z' }),
  // Exactly at the window's end, which is exclusive.
  deadLetter({ dead_letter_id: 'dl-5', reason_code: 'not-object', topic: 'customer.changes', offset: 120, size_bytes: 5, first_seen_at: '2026-03-03T16:00:00Z' }),
];
// Active findings now. Two shared mobiles (a pair and a triple), one shared account pair, an agent
// contact reused, and rows that must not count: a pair member cleared by a later version, a record
// rule's finding, and an older version of a row superseded by a newer one with another channel.
function activeFinding(over: Row): Row {
  return {
    active: true,
    since: '2026-03-02T02:00:00Z',
    since_event_id: 'ev-1',
    group_token: '',
    group_size: 1,
    agent_token: 'at_0001',
    channel: 'bancassurance',
    source: 'core-banking',
    evidence: '{}',
    version: 1,
    changed_at: '2026-03-02T02:00:01Z',
    ...over,
  };
}
const ACTIVE_FINDINGS_V1 = [
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_M1', group_token: 'mt_pair', group_size: 2, version: 1 }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_M2', group_token: 'mt_pair', group_size: 2, version: 2 }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_T1', group_token: 'mt_triple', group_size: 3, version: 3, agent_token: 'at_0002' }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_T2', group_token: 'mt_triple', group_size: 3, version: 4, agent_token: 'at_0002' }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_T3', group_token: 'mt_triple', group_size: 3, version: 5, agent_token: 'at_0002', channel: 'agency' }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_X1', group_token: 'mt_gone', group_size: 2, version: 6 }),
  activeFinding({ rule_id: 'shared-bank-account', customer_token: 'ct_A1', group_token: 'bt_pair', group_size: 2, version: 7, agent_token: '' }),
  activeFinding({ rule_id: 'shared-bank-account', customer_token: 'ct_A2', group_token: 'bt_pair', group_size: 2, version: 8, agent_token: '', channel: 'online' }),
  activeFinding({ rule_id: 'agent-contact-reuse', customer_token: 'ct_T1', group_token: 'at_0002', version: 9, agent_token: 'at_0002' }),
  activeFinding({ rule_id: 'mobile-format', customer_token: 'ct_B', version: 10 }),
];
// Later versions, in a second insert as in production: ct_X1's group broke (cleared), and ct_M2
// moved to the online channel.
const ACTIVE_FINDINGS_V2 = [
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_X1', group_token: 'mt_gone', group_size: 2, version: 11, active: false }),
  activeFinding({ rule_id: 'shared-mobile', customer_token: 'ct_M2', group_token: 'mt_pair', group_size: 2, version: 12, channel: 'online' }),
];

const DEAD_LETTER_REDELIVERED = [{ ...DEAD_LETTERS[0], source_ref: 'customer.changes/0@41 (replayed)' }];

function query(name: string): DashboardQuery {
  const q = QUERIES.get(name);
  if (!q) throw new Error(`no dashboard query ${name}`);
  return q;
}

let dir: string;
let client: ClickHouseClient;
const ran = new Set<string>();

async function run(name: string, params: QueryParameterValues = {}, database = DB): Promise<Row[]> {
  ran.add(name);
  return runDashboardQuery<Row>(client, query(name), params, { database });
}

async function insert(table: string, values: readonly Row[]): Promise<void> {
  await client.insert({ table: `${DB}.${table}`, values: [...values], format: 'JSONEachRow' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-dashboards-'));
  client = createStoreClient({ kind: 'embedded', path: dir });
  await migrate(client, DB);
  await insert('records', RECORDS);
  await insert('records', RECORD_REDELIVERED);
  await insert('findings', FINDINGS);
  await insert('findings', FINDING_REDELIVERED);
  await insert('issues', ISSUES_V1);
  await insert('issues', ISSUES_V2);
  await insert('issue_events', ISSUE_EVENTS);
  await insert('issue_events', ISSUE_EVENT_REDELIVERED);
  await insert('dead_letters', DEAD_LETTERS);
  await insert('dead_letters', DEAD_LETTER_REDELIVERED);
  await insert('active_findings', ACTIVE_FINDINGS_V1);
  await insert('active_findings', ACTIVE_FINDINGS_V2);
});

afterAll(async () => {
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard query files', () => {
  it('are the expected set, each with a title, the question it answers and a panel type', () => {
    expect([...QUERIES.keys()]).toEqual([
      'dead-letters-daily',
      'deadline-provisional',
      'findings-by-channel',
      'findings-by-province-rule',
      'findings-by-rule-severity',
      'findings-by-source',
      'issue-backlog-age',
      'issue-flow-daily',
      'issues-due-soon',
      'issues-overdue',
      'pass-rate-daily',
      'pattern-findings-by-agent',
      'pattern-findings-by-channel',
      'pattern-groups-by-size',
      'secrecy-mix-with-findings',
      'sla-attainment',
    ]);
    for (const q of QUERIES.values()) {
      expect(q.title.length, q.name).toBeGreaterThan(10);
      expect(q.answers, q.name).toMatch(/\?$/);
      expect(q.panel.length, q.name).toBeGreaterThan(3);
    }
  });

  it('read only the analyst tables, fully qualified, and issues always with FINAL', () => {
    const known = new Set<string>(ANALYST_TABLES);
    for (const q of QUERIES.values()) {
      const code = q.sql.replace(/--.*$/gm, '');
      expect(code, q.name).not.toMatch(/SELECT\s+\*/i);
      for (const [, target] of code.matchAll(/\b(?:FROM|JOIN)\s+(?!\()(\S+)/gi)) {
        expect(target, `${q.name} reads ${target}`).toMatch(/^verity\.\w+$/);
        expect(known.has(target!.slice('verity.'.length)), `${q.name} reads ${target}`).toBe(true);
      }
      for (const [, table, after] of code.matchAll(/\bverity\.(issues|active_findings)\b(\s+\w+)?/g)) {
        expect(after?.trim(), `${q.name} reads ${table} without FINAL`).toBe('FINAL');
      }
    }
  });

  it('declare their parameters with ClickHouse types', () => {
    expect(query('pass-rate-daily').parameters).toEqual([
      { name: 'from', type: 'DateTime64(3)' },
      { name: 'to', type: 'DateTime64(3)' },
    ]);
    expect(query('issues-due-soon').parameters).toEqual([{ name: 'due_by', type: 'Date' }]);
    expect(query('issues-overdue').parameters).toEqual([]);
  });

  it('reject a file without its header, and a parameter with two types', () => {
    expect(() => parseDashboardQuery('x.sql', 'SELECT 1')).toThrow(/-- title:/);
    const header = '-- title: t\n-- answers: a?\n-- panel: p\n';
    expect(() => parseDashboardQuery('x.sql', `${header}SELECT {a:Date}, {a:String}`)).toThrow(/both Date and String/);
  });

  it('target another database by rewriting only the table qualifiers', () => {
    const sql = sqlFor(query('findings-by-province-rule'), 'verity_eu');
    expect(sql).toContain('verity_eu.findings');
    expect(sql).toContain('verity_eu.records');
    expect(sql).not.toMatch(/\bverity\./);
    expect(() => sqlFor(query('issues-overdue'), 'x; DROP TABLE y')).toThrow();
  });
});

describe('dashboard queries on the analyst schema', () => {
  it('refuse missing or unknown parameters before reaching the store', async () => {
    await expect(run('pass-rate-daily', { from: FROM })).rejects.toThrow(/missing to/);
    await expect(run('issues-overdue', { form: FROM })).rejects.toThrow(/unknown form/);
  });

  it('pass-rate-daily: passed / all customer record versions per Shanghai day, overall and by source', async () => {
    const rows = await run('pass-rate-daily', WINDOW);
    expect(rows).toEqual([
      { day: '2026-03-02', source_name: '(all sources)', record_versions: 5, passed: 3, failed: 2, pass_rate: 0.6 },
      { day: '2026-03-02', source_name: 'core-banking', record_versions: 2, passed: 1, failed: 1, pass_rate: 0.5 },
      { day: '2026-03-02', source_name: 'policy-admin', record_versions: 3, passed: 2, failed: 1, pass_rate: 0.6667 },
      { day: '2026-03-03', source_name: '(all sources)', record_versions: 3, passed: 2, failed: 1, pass_rate: 0.6667 },
      { day: '2026-03-03', source_name: 'core-banking', record_versions: 3, passed: 2, failed: 1, pass_rate: 0.6667 },
    ]);
  });

  it('findings-by-rule-severity: distinct customers per rule, most severe first', async () => {
    const rows = await run('findings-by-rule-severity', WINDOW);
    expect(rows).toEqual([
      { rule_id: 'id-number-format', severity: 'high', customers: 1, findings: 1, customers_with_issue: 1 },
      { rule_id: 'required-fields', severity: 'high', customers: 1, findings: 1, customers_with_issue: 1 },
      { rule_id: 'mobile-format', severity: 'medium', customers: 2, findings: 2, customers_with_issue: 2 },
      { rule_id: 'bank-account-format', severity: 'low', customers: 1, findings: 1, customers_with_issue: 0 },
    ]);
  });

  it('findings-by-province-rule: each finding takes the province of the record version that produced it', async () => {
    const rows = await run('findings-by-province-rule', WINDOW);
    const cells = Object.fromEntries(rows.map((r) => [`${r.province_name}/${r.rule_id}`, r.customers]));
    expect(cells).toEqual({
      '广东省/mobile-format': 1,
      '北京市/mobile-format': 1,
      '北京市/bank-account-format': 1,
      '(unknown)/id-number-format': 1,
      '(unknown)/required-fields': 1,
    });
  });

  it('findings-by-source: distinct customers per upstream source and rule', async () => {
    expect(await run('findings-by-source', WINDOW)).toEqual([
      { source: 'core-banking', rule_id: 'mobile-format', customers: 2, findings: 2 },
      { source: 'core-banking', rule_id: 'bank-account-format', customers: 1, findings: 1 },
      { source: 'policy-admin', rule_id: 'id-number-format', customers: 1, findings: 1 },
      { source: 'policy-admin', rule_id: 'required-fields', customers: 1, findings: 1 },
    ]);
  });

  it('findings-by-channel: each finding takes the channel of the record version that produced it', async () => {
    expect(await run('findings-by-channel', WINDOW)).toEqual([
      { channel_name: 'agency', rule_id: 'id-number-format', customers: 1 },
      { channel_name: 'agency', rule_id: 'required-fields', customers: 1 },
      { channel_name: 'bancassurance', rule_id: 'mobile-format', customers: 2 },
      { channel_name: 'bancassurance', rule_id: 'bank-account-format', customers: 1 },
    ]);
  });

  it('issue-backlog-age: open issues by queue, priority and age, with the overdue ones', async () => {
    const rows = await run('issue-backlog-age');
    expect(rows).toEqual([
      { queue: 'account-verification', priority: 'P3', age_bucket: '1: < 1 day', open_issues: 1, overdue: 0, customers: 1 },
      { queue: 'contact-verification', priority: 'P2', age_bucket: '2: 1-3 days', open_issues: 1, overdue: 0, customers: 1 },
      { queue: 'identity-verification', priority: 'P1', age_bucket: '3: 3-7 days', open_issues: 1, overdue: 0, customers: 1 },
      { queue: 'identity-verification', priority: 'P1', age_bucket: '4: 7-30 days', open_issues: 1, overdue: 1, customers: 1 },
      { queue: 'identity-verification', priority: 'P1', age_bucket: '5: > 30 days', open_issues: 1, overdue: 1, customers: 1 },
    ]);
  });

  it('issues-due-soon: open issues due by the 3rd working day, horizon from the PRC calendar', async () => {
    const window = dueSoonParams({ now: NOW });
    expect(window.due_by > TODAY).toBe(true);
    const rows = await run('issues-due-soon', { due_by: window.due_by });
    expect(rows).toEqual([
      { due_date: TODAY, queue: 'contact-verification', priority: 'P2', issues: 1, customers: 1, provisional_deadlines: 0 },
    ]);
    // A horizon far enough out takes in i7 (due in 30 days) but never the overdue ones.
    const wide = await run('issues-due-soon', { due_by: addDays(TODAY, 35) });
    expect(wide.map((r) => [r.queue, r.issues])).toEqual([
      ['contact-verification', 1],
      ['account-verification', 1],
    ]);
  });

  it('dueSoonParams counts working days on the calendar data and says when that data is missing', () => {
    // National Day week off (Thu 10-01 to Wed 10-07, no 调休 in this toy data): from Wed 09-30 the
    // 3rd working day is Mon 10-12, not the Monday-Friday guess of Mon 10-05.
    const calendar = createWorkingDayCalendar({
      holidays: { '2026-05-01': 'Labour Day', '2026-10-01': 'x', '2026-10-02': 'x', '2026-10-05': 'x', '2026-10-06': 'x', '2026-10-07': 'x' },
      workdays: {},
    });
    expect(dueSoonParams({ now: new Date('2026-09-30T02:00:00Z'), calendar })).toEqual({ due_by: '2026-10-12', provisional: false });
    // 2027 has no schedule in that data: the weekday fallback is flagged.
    expect(dueSoonParams({ now: new Date('2027-03-01T02:00:00Z'), calendar }).provisional).toBe(true);
  });

  it('issues-overdue: open past due_at only; a later resolved version is not overdue', async () => {
    const rows = await run('issues-overdue');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      queue: 'identity-verification',
      priority: 'P1',
      overdue_issues: 2,
      customers: 2,
      max_days_overdue: 20,
      provisional_deadlines: 1,
    });
    expect(String(rows[0]!.oldest_due_at)).toMatch(new RegExp(`^${addDays(TODAY, -20)} 23:59:59\\.999$`));
  });

  it('pattern-groups-by-size: distinct shared values per group size, current and active only', async () => {
    expect(await run('pattern-groups-by-size')).toEqual([
      { rule_id: 'shared-bank-account', group_size: 2, groups: 1, customers: 2 },
      { rule_id: 'shared-mobile', group_size: 3, groups: 1, customers: 3 },
      { rule_id: 'shared-mobile', group_size: 2, groups: 1, customers: 2 },
    ]);
  });

  it("pattern-findings-by-agent: customers per agent and pattern rule; record rules and cleared findings left out", async () => {
    expect(await run('pattern-findings-by-agent')).toEqual([
      { agent_token: 'at_0002', rule_id: 'shared-mobile', customers: 3, groups: 1 },
      { agent_token: '', rule_id: 'shared-bank-account', customers: 2, groups: 1 },
      { agent_token: 'at_0001', rule_id: 'shared-mobile', customers: 2, groups: 1 },
      { agent_token: 'at_0002', rule_id: 'agent-contact-reuse', customers: 1, groups: 1 },
    ]);
  });

  it("pattern-findings-by-channel: each customer under the channel of its latest version", async () => {
    expect(await run('pattern-findings-by-channel')).toEqual([
      { channel: 'agency', source: 'core-banking', rule_id: 'shared-mobile', customers: 1 },
      { channel: 'bancassurance', source: 'core-banking', rule_id: 'shared-mobile', customers: 3 },
      { channel: 'bancassurance', source: 'core-banking', rule_id: 'agent-contact-reuse', customers: 1 },
      { channel: 'bancassurance', source: 'core-banking', rule_id: 'shared-bank-account', customers: 1 },
      { channel: 'online', source: 'core-banking', rule_id: 'shared-bank-account', customers: 1 },
      { channel: 'online', source: 'core-banking', rule_id: 'shared-mobile', customers: 1 },
    ]);
  });

  it('sla-attainment: share closed by due_at among closed and overdue issues, per queue and overall', async () => {
    const rows = await run('sla-attainment', { from: new Date(NOW.getTime() - 60 * DAY), to: new Date(NOW.getTime() + 60 * DAY) });
    const byQueue = Object.fromEntries(rows.map((r) => [r.queue_name, r]));
    expect(rows.map((r) => r.queue_name)).toEqual([
      'account-verification',
      'contact-verification',
      'identity-verification',
      'record-completeness',
      '(all queues)',
    ]);
    expect(byQueue['(all queues)']).toEqual({
      queue_name: '(all queues)',
      closed_on_time: 1,
      closed_late: 1,
      open_overdue: 2,
      open_not_yet_due: 3,
      judged: 4,
      attainment: 0.25,
      provisional_deadlines: 3,
    });
    expect(byQueue['contact-verification']).toMatchObject({ closed_on_time: 1, open_not_yet_due: 1, attainment: 1 });
    expect(byQueue['identity-verification']).toMatchObject({ open_overdue: 2, attainment: 0 });
    expect(byQueue['record-completeness']).toMatchObject({ closed_late: 1, attainment: 0 });
    // Nothing judged yet: no rate rather than a misleading 0 or 100 %.
    expect(byQueue['account-verification']).toMatchObject({ judged: 0, attainment: null });
  });

  it('deadline-provisional: loud count of open issues on a guessed calendar, newest version only', async () => {
    const rows = await run('deadline-provisional');
    expect(rows).toEqual([
      {
        open_provisional: 2,
        resolved_provisional: 1,
        earliest_due: addDays(TODAY, -20),
        latest_due: addDays(TODAY, 30),
        queues: ['account-verification', 'identity-verification'],
        status_message: expect.stringMatching(/^CALENDAR DATA MISSING: 2 open issue\(s\)/),
      },
    ]);
  });

  it('dead-letters-daily: per Shanghai day, reason and origin; re-deliveries counted once', async () => {
    const rows = await run('dead-letters-daily', WINDOW);
    expect(rows).toEqual([
      { day: '2026-03-02', reason_code: 'not-json', source_kind: 'kafka', origin: 'customer.changes', dead_letters: 2, bytes: 30 },
      { day: '2026-03-02', reason_code: 'contract', source_kind: 'file', origin: 'demo/stream.jsonl', dead_letters: 1, bytes: 300 },
      { day: '2026-03-03', reason_code: 'contract', source_kind: 'kafka', origin: 'customer.changes', dead_letters: 1, bytes: 40 },
    ]);
  });

  it('secrecy-mix-with-findings: customers with findings per secrecy level, all three levels listed', async () => {
    const rows = await run('secrecy-mix-with-findings', WINDOW);
    expect(rows).toEqual([
      { secrecy_level: '秘密', customers_with_findings: 1, records_with_findings: 1, customers: 6, finding_rate: 0.1667, share_of_flagged: 0.3333 },
      { secrecy_level: '机密', customers_with_findings: 1, records_with_findings: 1, customers: 1, finding_rate: 1, share_of_flagged: 0.3333 },
      { secrecy_level: '绝密', customers_with_findings: 1, records_with_findings: 1, customers: 1, finding_rate: 1, share_of_flagged: 0.3333 },
    ]);
  });

  it('issue-flow-daily: opened, resolved and withdrawn per day and queue from the audit trail', async () => {
    const rows = await run('issue-flow-daily', WINDOW);
    expect(rows).toEqual([
      { day: '2026-03-02', queue: 'contact-verification', opened: 1, resolved: 0, withdrawn: 0, net_change: 1 },
      { day: '2026-03-02', queue: 'identity-verification', opened: 1, resolved: 0, withdrawn: 0, net_change: 1 },
      { day: '2026-03-02', queue: 'record-completeness', opened: 1, resolved: 0, withdrawn: 0, net_change: 1 },
      { day: '2026-03-03', queue: 'account-verification', opened: 0, resolved: 0, withdrawn: 1, net_change: -1 },
      { day: '2026-03-03', queue: 'contact-verification', opened: 1, resolved: 1, withdrawn: 0, net_change: 0 },
    ]);
  });

  it('on an empty schema: the provisional panel still answers (0, OK) and the secrecy mix lists zeros', async () => {
    await migrate(client, 'verity_empty');
    const [provisional] = await run('deadline-provisional', {}, 'verity_empty');
    expect(provisional).toMatchObject({ open_provisional: 0, earliest_due: null, queues: [] });
    expect(String(provisional!.status_message)).toMatch(/^OK: /);
    const mix = await run('secrecy-mix-with-findings', WINDOW, 'verity_empty');
    expect(mix.map((r) => [r.secrecy_level, r.customers, r.finding_rate, r.share_of_flagged])).toEqual([
      ['秘密', 0, null, null],
      ['机密', 0, null, null],
      ['绝密', 0, null, null],
    ]);
    expect(await run('pass-rate-daily', WINDOW, 'verity_empty')).toEqual([]);
  });

  it('every query file was run against the store', () => {
    expect([...ran].sort()).toEqual([...QUERIES.keys()]);
  });
});
