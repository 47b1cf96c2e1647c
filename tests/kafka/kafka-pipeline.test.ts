// The product's main mode end to end: a generated stream produced to a real broker, `verity run`
// consuming it as a child process, and the report, the tables (down to which customers and events
// each rule found, and which issues), the dead-letter topic and the issue topic checked against the
// ground truth; no raw value, whole or in pieces, in tables, logs, the report or the issue topic.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { IssueEvent } from '../../pipelines/contract/issue-event.ts';
import { isActive, SLA_NOTICE_KINDS } from '../../pipelines/contract/issue.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity } from '../e2e/support.ts';
import { planScan, scanForRawValues } from '../support/pii-scan.ts';
import { describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import {
  expectEveryTableScanned,
  expectRawValuesForEverySensitiveField,
  expectReportIssuesMatchTruth,
  expectStoreMatchesTruth,
  expectActiveFindingsMatchTruth,
  expectReportFindingsMatchTruth,
} from '../support/truth-checks.ts';
import { dumpStore, readTopic, type StoreDump, type TopicMessage } from './support.ts';
import { dumpState, type StateDump } from '../support/store-dump.ts';
import { PIPELINE_ACTIONS } from '../../pipelines/contract/issue.ts';

const CUSTOMERS = 1500;
const SEED = 77;
// Pinned, so the test can compute the customer tokens the store must hold.
const TOKEN_KEY_HEX = '5e'.repeat(32);

describeKafka('verity run on Kafka', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-kafka-'));
  const stream = join(dir, 'stream.jsonl');
  const dataDir = join(dir, 'data');
  const reportFile = join(dir, 'report.json');
  const group = uniqueTopic('group');
  const topics = {
    customers: uniqueTopic('customers'),
    agents: uniqueTopic('agents'),
    dlq: uniqueTopic('dlq'),
    issues: uniqueTopic('issues'),
  };
  let truth: GroundTruth;
  let report: RunReport;
  let logs: string;
  let store: StoreDump;
  let state: StateDump;
  let dlq: TopicMessage[];
  let issueTopic: TopicMessage[];

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    const brokerList = brokers.join(',');
    const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokerList, '--topic', topics.customers, '--agent-topic', topics.agents, '--topic-partitions', '4']);
    expect(produced.status, produced.stderr).toBe(0);

    const run = verity([
      'run', '--kafka-brokers', brokerList, '--group-id', group,
      '--customer-topic', topics.customers, '--agent-topic', topics.agents,
      '--dead-letter-topic', topics.dlq, '--issue-topic', topics.issues,
      '--once', '--report', reportFile, '--data-dir', dataDir, '--no-progress', '--metrics-port', '0', '--batch-size', '500',
    ], { VERITY_TOKEN_KEY: TOKEN_KEY_HEX });
    expect(run.status, run.stderr.slice(-5000)).toBe(0);
    logs = run.stderr;
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    store = await dumpStore(dataDir);
    state = await dumpState(dataDir);
    dlq = await readTopic(brokers, topics.dlq);
    issueTopic = await readTopic(brokers, topics.issues);
  });

  it('finds exactly the injected defects and accounts for every message', () => {
    expectReportFindingsMatchTruth(report, truth);
    expect(report.events).toBe(truth.lines);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(report.deadLettered).toBe(truth.expectedDeadLettered);
    expect(report.duplicates).toBe(truth.duplicateLines);
    expect(report.tombstones).toBe(0);
    expect(store.eventIds).toHaveLength(truth.expectedDistinctEvents);
    expect(store.recordRows).toBe(truth.expectedDistinctEvents);
    expect(store.findingRows).toBe(report.findingCount);
  });

  it('holds exactly the truth\'s active findings after the run, every rule and every pattern, across partitions and topics, with one open issue per active pattern finding', () => {
    expectActiveFindingsMatchTruth(report, truth, state, store, Buffer.from(TOKEN_KEY_HEX, 'hex'));
  });

  it('finds them on exactly the injected customers and events, and keeps exactly their issues open', () => {
    expectStoreMatchesTruth(store, truth, Buffer.from(TOKEN_KEY_HEX, 'hex'));
  });

  it('opens, updates, resolves and withdraws exactly the issues the injected defects call for', () => {
    // Every kind of change happens in this stream (seed 77), so each count is tested, not 0 = 0.
    for (const [change, n] of Object.entries(truth.issues)) expect(n, change).toBeGreaterThan(0);
    expectReportIssuesMatchTruth(report, truth, store);
  });

  it('publishes every rejected message to the dead-letter topic with its original bytes and reason headers', () => {
    expect(dlq).toHaveLength(truth.expectedDeadLettered);
    const lines = new Set(readFileSync(stream, 'utf8').split('\n'));
    for (const m of dlq) {
      expect(lines.has(m.value?.toString('utf8') ?? '(null)')).toBe(true);
      expect(m.headers['verity-source-topic']).toBe(topics.customers);
      expect(Number(m.headers['verity-source-partition'])).toBeGreaterThanOrEqual(0);
      expect(m.headers['verity-source-offset']).toMatch(/^\d+$/);
      expect(m.headers['verity-reason-code']).toMatch(/\S/);
      expect(m.headers['verity-reason']!.length).toBeGreaterThan(5);
      expect(m.headers).toHaveProperty('verity-error-path');
      expect(Date.parse(m.headers['verity-first-seen-at']!)).not.toBeNaN();
    }
    expect(dlq.map((m) => m.headers['verity-reason-code']).sort()).toEqual(truth.deadLetters.map((d) => d.reason).sort());
  });

  it('publishes one dq-issue-event/v1 per issue change, keyed by issue id', () => {
    expect(issueTopic.length).toBeGreaterThan(0);
    const events = issueTopic.map((m) => IssueEvent.parse(JSON.parse(m.value!.toString('utf8'))));
    issueTopic.forEach((m, i) => expect(m.key?.toString('utf8')).toBe(events[i]!.issueId));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    // The clock's reminders and breaches are issue changes too (a version each, relayed from the
    // outbox); every version is on the topic once, and the pipeline's are those in the store's count.
    expect(new Set(events.map((e) => `${e.issueId}/${e.version}`)).size).toBe(events.length);
    const pipelineKinds: readonly string[] = PIPELINE_ACTIONS;
    expect(new Set(events.filter((e) => pipelineKinds.includes(e.change)).map((e) => `${e.issueId}/${e.version}`)).size).toBe(store.issueEvents);
    expect(events.filter((e) => e.change === 'opened')).toHaveLength(report.issuesOpened);
  });

  it('raises each reminder and breach once, for every active issue that reached it', () => {
    const clock = new Set<string>(SLA_NOTICE_KINDS);
    const notices = issueTopic.map((m) => IssueEvent.parse(JSON.parse(m.value!.toString('utf8')))).filter((e) => clock.has(e.change));
    // The generated stream lies in Jul – Sep 2026, so by now its open issues' deadlines have passed.
    expect(report.slaNotices.breached).toBeGreaterThan(0);
    expect(notices).toHaveLength(report.slaNotices.breached + report.slaNotices.reminder50 + report.slaNotices.reminder80);
    expect(notices.map((e) => `${e.issueId}/${e.change}`).sort()).toEqual(store.slaNotices);
    for (const e of notices) {
      expect(isActive(e.status)).toBe(true);
      // A breach escalates the issue to the supervisors' queue.
      if (e.change === 'breached') {
        expect(Date.parse(e.dueAt)).toBeLessThan(Date.parse(e.occurredAt));
        expect(e.escalated).toBe(true);
      }
    }
    // Every issue still open and past due when the clock last looked has its breached notice.
    expect(store.overdueAtLastNotice.map((id) => `${id}/breached`)).toEqual(store.slaNotices.filter((n) => n.endsWith('/breached')));
  });

  it('leaks no raw personal value, whole or in pieces its mask hides, into the tables, the logs, the report or the issue topic', () => {
    expectRawValuesForEverySensitiveField(truth);
    expectEveryTableScanned(store);
    const haystack = [store.tables, logs, readFileSync(reportFile, 'utf8'), ...issueTopic.map((m) => m.value!.toString('utf8'))].join('\n');
    const plan = planScan(truth.rawValues);
    // Topic and group names carry random hex and base-36 time; the temporary directory a random name.
    const hits = scanForRawValues(haystack, plan, { machineMade: [dir, group, ...Object.values(topics)] });
    // Kinds and counts only: printing the hits would itself leak them into CI logs.
    expect(hits).toEqual([]);
  });
});
