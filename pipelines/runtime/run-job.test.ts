// runJob with a pinned wall clock, on the real embedded engine: what depends on the processing
// time (the event-time window, provisional deadlines) is tested without depending on today's date.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { createFileSource } from '../../connectors/file/file-source.ts';
import { resolveRunConfig } from '../config/run-config.ts';
import { runJob, type RunReport } from './run-job.ts';
import { runConnectors } from '../cli/run-connectors.ts';
import type { RunConnectors } from './run-connectors.ts';

// Synthetic values only.
const event = (eventId: string, customerId: string, occurredAt: string) => ({
  schema: 'customer-change/v1',
  eventId,
  source: 'unit-run-job',
  op: 'create',
  occurredAt,
  customerId,
  customer: { kind: 'person', name: '样例丙', mobile: '1391234' },
});

describe('runJob with a pinned clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-run-job-'));
  const input = join(dir, 'in.jsonl');
  const logs: string[] = [];
  let report: RunReport;
  const client = createStoreClient({ kind: 'embedded', path: join(dir, 'data', 'chdb') });
  const issuesOf = async (eventId: string) =>
    (
      await (
        await client.query({
          query: 'SELECT toString(due_date) AS due_date, deadline_provisional FROM verity.issues FINAL WHERE opened_by_event_id = {id:String}',
          query_params: { id: eventId },
          format: 'JSONEachRow',
        })
      ).json<{ due_date: string; deadline_provisional: boolean }>()
    );

  beforeAll(async () => {
    writeFileSync(
      input,
      [
        event('rj-2026', 'C-RJ-1', '2026-06-01T10:00:00+08:00'),
        // "Now" is 2099-06-05 for this run, so an event of that day is inside the window.
        event('rj-2099', 'C-RJ-2', '2099-06-05T10:00:00+08:00'),
        // A day and a minute ahead of the pinned clock: out of range.
        event('rj-ahead', 'C-RJ-3', '2099-06-06T12:01:00+08:00'),
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const config = await resolveRunConfig({ flags: { input, dataDir: join(dir, 'data') }, env: {}, cwd: dir });
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) }));
    report = await runJob(config, runConnectors(config), createFileSource({ input, batchSize: 100 }), logger, { now: () => Date.parse('2099-06-05T04:00:00Z') });
  });
  afterAll(async () => {
    await client.close();
  });

  it('dead-letters an event more than a day ahead of the processing time', () => {
    expect(report).toMatchObject({ events: 3, accepted: 2, deadLettered: 1, deadLettersByReason: { 'out-of-range': 1 } });
  });

  it('flags a deadline the calendar data does not cover as provisional, and says so loudly', async () => {
    expect(report.provisionalDeadlines).toBeGreaterThan(0);
    const issues = await issuesOf('rj-2099');
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue).toMatchObject({ deadline_provisional: true });
    // 3 working days from Friday 2099-06-05, counted Monday to Friday: Wednesday 2099-06-10.
    expect(issues.map((i) => i.due_date)).toContain('2099-06-10');
    const warnings = logs.filter((l) => l.includes('PROVISIONAL DEADLINES')).map((l) => JSON.parse(l) as { level: number; dueYears: string[] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, dueYears: ['2099'] });
  });

  it('keeps deadlines inside the calendar data official', async () => {
    const issues = await issuesOf('rj-2026');
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue).toMatchObject({ deadline_provisional: false });
  });
});

// A new embedded state store's initdb holds about 1 GB for a moment; with chDB's engine loaded
// beside it, that moment was the run's peak. The engine loads with the analytics connection.
describe('runJob opening its stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-run-job-order-'));
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${JSON.stringify(event('ro-1', 'C-RO-1', '2026-06-01T10:00:00+08:00'))}\n`);
  const quiet = pino({ level: 'silent' });

  /** The real connectors, saying in `calls` when each store is asked for. */
  const recorded = (connectors: RunConnectors, calls: string[], openState = connectors.openState): RunConnectors => ({
    ...connectors,
    openState: async () => {
      calls.push('state: opening');
      const opened = await openState();
      calls.push('state: open');
      return opened;
    },
    analytics: (failpoint) => {
      calls.push('analytics: connecting');
      return connectors.analytics(failpoint);
    },
  });

  it('creates a new embedded state store before it connects to the analytics store', async () => {
    const config = await resolveRunConfig({ flags: { input, dataDir: join(dir, 'new') }, env: {}, cwd: dir });
    const calls: string[] = [];
    const report = await runJob(config, recorded(runConnectors(config), calls), createFileSource({ input, batchSize: 100 }), quiet);
    expect(report).toMatchObject({ events: 1, accepted: 1 });
    expect(calls).toEqual(['state: opening', 'state: open', 'analytics: connecting']);
  });

  it('makes no analytics connection when the state store cannot be opened', async () => {
    const config = await resolveRunConfig({ flags: { input, dataDir: join(dir, 'refused') }, env: {}, cwd: dir });
    const calls: string[] = [];
    const refusal = Object.assign(new Error('synthetic refusal'), { code: '28P01' });
    const connectors = recorded(runConnectors(config), calls, () => Promise.reject(refusal));
    await expect(runJob(config, connectors, createFileSource({ input, batchSize: 100 }), quiet)).rejects.toThrow();
    expect(calls).toEqual(['state: opening']);
  });
});
