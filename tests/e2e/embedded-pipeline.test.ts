// The whole embedded path, end to end, through the real CLI and the real chDB engine: a generated
// stream with ground truth in, and the counts, the identities (which customers and events per rule,
// which issues), the stored tables and a PII scan checked against it.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { loadTokenKey } from '../../pipelines/privacy/token-key.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { planScan, scanForRawValues, WHOLE_VALUE_ONLY } from '../support/pii-scan.ts';
import { dumpState, dumpStore, type StateDump, type StoreDump } from '../support/store-dump.ts';
import {
  expectEveryTableScanned,
  expectRawValuesForEverySensitiveField,
  expectReportIssuesMatchTruth,
  expectStoreMatchesTruth,
  expectActiveFindingsMatchTruth,
  expectReportFindingsMatchTruth,
} from '../support/truth-checks.ts';
import { verity } from './support.ts';

const CUSTOMERS = 2500;
const SEED = 424242;

describe('verity run on the embedded engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-e2e-'));
  const stream = join(dir, 'stream.jsonl');
  const dataDir = join(dir, 'data');
  const reportFile = join(dir, 'report.json');
  let truth: GroundTruth;
  let report: RunReport;
  let logs: string;
  let stdout: string;
  let store: StoreDump;
  let state: StateDump;
  let tokenKey: Buffer;
  let client: ClickHouseClient;

  const count = async (sql: string) => {
    const rows = await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>();
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;

    const run = verity(['run', '--input', stream, '--data-dir', dataDir, '--once', '--report', reportFile, '--no-progress']);
    expect(run.status, run.stderr).toBe(0);
    logs = run.stderr;
    stdout = run.stdout;
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    // The key the run made for itself: tokens in the store are only comparable under it.
    tokenKey = await loadTokenKey({ keyFile: join(dataDir, 'secrets', 'token.key') });
    store = await dumpStore(dataDir);
    state = await dumpState(dataDir);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('finds exactly the injected defects: per-rule distinct customers equal the ground truth', () => {
    expect(Object.keys(truth.rules).length).toBe(14);
    expectReportFindingsMatchTruth(report, truth);
    for (const customers of Object.values(truth.rules)) expect(customers).toBeGreaterThan(0);
  });

  it('holds exactly the truth\'s active findings after the run, every rule and every pattern, with one open issue per active pattern finding', () => {
    expectActiveFindingsMatchTruth(report, truth, state, store, tokenKey);
  });

  it('finds them on exactly the injected customers and events, and keeps exactly their issues open', () => {
    expectStoreMatchesTruth(store, truth, tokenKey);
  });

  it('opens, updates, resolves and withdraws exactly the issues the injected defects call for', () => {
    // Every kind of change happens in this stream, so each count is tested, not just zero = zero.
    for (const [change, n] of Object.entries(truth.issues)) expect(n, change).toBeGreaterThan(0);
    expectReportIssuesMatchTruth(report, truth, store);
  });

  it('accounts for every line: accepted + dead-lettered = read', () => {
    expect(report.events).toBe(truth.lines);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(report.accepted).toBe(truth.expectedAccepted);
    expect(report.deadLettered).toBe(truth.expectedDeadLettered);
    expect(report.duplicates).toBe(truth.duplicateLines);
    expect(report.issuesOpened).toBeGreaterThan(0);
    expect(report.eventsPerSecond).toBeGreaterThan(0);
  });

  it('stores one row per distinct event and one dead-letter row per rejected line, with coordinates', async () => {
    client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    expect(await count('SELECT count() AS n FROM verity.records')).toBe(truth.expectedDistinctEvents);
    expect(await count('SELECT uniqExact(event_id) AS n FROM verity.records')).toBe(truth.expectedDistinctEvents);
    expect(await count('SELECT count() AS n FROM verity.findings')).toBe(report.findingCount);
    expect(await count('SELECT uniqExact(finding_id) AS n FROM verity.findings')).toBe(report.findingCount);
    expect(await count('SELECT count() AS n FROM verity.issues FINAL')).toBe(report.issuesOpened);

    const deadLetters = await (
      await client.query({ query: 'SELECT line, reason_code, reason, size_bytes, payload_sha256 FROM verity.dead_letters ORDER BY line', format: 'JSONEachRow' })
    ).json<{ line: string; reason_code: string; reason: string; size_bytes: string; payload_sha256: string }>();
    expect(deadLetters.map((d) => Number(d.line))).toEqual(truth.deadLetters.map((d) => d.line));
    expect(deadLetters.map((d) => d.reason_code)).toEqual(truth.deadLetters.map((d) => d.reason));
    for (const d of deadLetters) {
      expect(d.reason.length).toBeGreaterThan(5);
      expect(d.payload_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('keeps one open issue per (rule, customer), each with a deadline', async () => {
    expect(
      await count(`SELECT count() AS n FROM (SELECT rule_id, customer_token FROM verity.issues FINAL WHERE status = 'open' GROUP BY rule_id, customer_token HAVING count() > 1)`),
    ).toBe(0);
    expect(await count(`SELECT countIf(due_at <= opened_at) AS n FROM verity.issues FINAL`)).toBe(0);
  });

  it('keeps the original bytes only in the operator-only dead-letter file and the token key at 0600', () => {
    const archive = readFileSync(report.deadLetterFile, 'utf8').trim().split('\n');
    expect(archive).toHaveLength(truth.expectedDeadLettered);
    expect(statSync(report.deadLetterFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secrets', 'token.key')).mode & 0o777).toBe(0o600);
    const lines = readFileSync(stream, 'utf8').split('\n');
    const first = JSON.parse(archive[0]!) as { payloadBase64: string; coordinates: { line: number } };
    expect(Buffer.from(first.payloadBase64, 'base64').toString('utf8')).toBe(lines[first.coordinates.line - 1]);
  });

  it('leaks no raw personal value, whole or in pieces its mask hides, into any table of either store, the logs or the report', () => {
    expectRawValuesForEverySensitiveField(truth);
    expectEveryTableScanned(store);
    // The operational store too: pattern state holds tokens and masks, never values.
    expect(state.tableRows).toMatchObject({ customers: expect.any(Number), holders: expect.any(Number), issues: expect.any(Number), active_findings: expect.any(Number) });
    for (const table of ['customers', 'holders', 'issues', 'active_findings', 'applied']) expect(state.tableRows[table], table).toBeGreaterThan(0);
    const haystack = [logs, stdout, readFileSync(reportFile, 'utf8'), store.tables, state.tables].join('\n');
    expect(haystack.length).toBeGreaterThan(1_000_000);
    const plan = planScan(truth.rawValues);
    const total = Object.values(plan.stats).reduce((sum, s) => ({ values: sum.values + s.values, pieces: sum.pieces + s.pieces }), { values: 0, pieces: 0 });
    expect(total.values).toBeGreaterThan(20_000);
    expect(total.pieces).toBeGreaterThan(100_000);
    // Counts only: what was looked for, per field, and which fields are looked for whole only.
    console.log(`PII scan over ${Object.keys(store.tableRows).length} tables, logs and report (${haystack.length} characters):`, plan.stats, { wholeValueOnly: WHOLE_VALUE_ONLY });
    // The temporary directory's name is random text that could spell any six characters.
    const hits = scanForRawValues(haystack, plan, { machineMade: [dir] });
    // Report the kinds only: printing the hits would itself leak them into CI logs.
    expect(hits).toEqual([]);
  });

  it('is idempotent: replaying the same stream adds nothing', async () => {
    // chDB lets one process at a time open an on-disk store: hand it to the CLI, then take it back.
    await client.close();
    const again = verity(['run', '--input', stream, '--data-dir', dataDir, '--once', '--no-progress', '--log-level', 'warn']);
    expect(again.status, again.stderr).toBe(0);
    client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    const replay = JSON.parse(again.stdout) as RunReport;
    expect(replay.duplicates).toBe(replay.accepted);
    expect(replay.issuesOpened).toBe(0);
    expect(await count('SELECT count() AS n FROM verity.records')).toBe(truth.expectedDistinctEvents);
    expect(await count('SELECT count() AS n FROM verity.findings')).toBe(report.findingCount);
    expect(await count('SELECT count() AS n FROM verity.dead_letters FINAL')).toBe(truth.expectedDeadLettered);
  });
});
