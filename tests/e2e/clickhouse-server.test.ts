// The HTTP store path (issue 2 §3, issue 3 §4): `verity run --store http://…` against a real
// ClickHouse server, from a file and from Kafka, with the same code and SQL as the embedded
// engine. The server comes from tests/support/global-setup.ts: a testcontainers container when
// Docker is reachable, or VERITY_CLICKHOUSE_URL. Without one these tests are skipped, loudly.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { describeClickHouse, uniqueDatabase, useClickHouse } from '../support/clickhouse/use-clickhouse.ts';
import { uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { scanForRawValues } from '../support/pii-scan.ts';
import { skipWhen } from '../support/skips.ts';
import { verity } from './support.ts';
import { expectReportFindingsMatchTruth } from '../support/truth-checks.ts';

const TABLES = ['records', 'findings', 'issues', 'issue_events', 'dead_letters'] as const;

describeClickHouse('verity run into a ClickHouse server (--store http://…)', () => {
  const { server } = useClickHouse();
  const kafka = useKafka();
  if (!kafka.available) console.warn(`\n!!! SKIPPING the Kafka → ClickHouse server test: ${kafka.reason}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'verity-ch-server-'));
  const stream = join(dir, 'stream.jsonl');
  const databases = { file: uniqueDatabase('verity_file'), kafka: uniqueDatabase('verity_kafka') };
  let truth: GroundTruth;
  let client: ClickHouseClient;
  // The credentials reach Verity the way an operator passes them: env vars, not the URL.
  const env = () => ({ VERITY_CLICKHOUSE_USER: server!.username, VERITY_CLICKHOUSE_PASSWORD: server!.password });
  const count = async (sql: string) => Number((await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);

  beforeAll(() => {
    const generated = verity(['generate', '--customers', '800', '--seed', '31', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    client = createStoreClient({ kind: 'http', url: server!.url, username: server!.username, password: server!.password });
  });
  afterAll(async () => {
    for (const db of Object.values(databases)) await client?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    await client?.close();
  });

  async function expectStoreMatchesTruth(database: string, report: RunReport, logs: string): Promise<void> {
    expectReportFindingsMatchTruth(report, truth);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(report.store).toMatch(/^ClickHouse server at http/);
    expect(await count(`SELECT count() AS n FROM ${database}.records FINAL`)).toBe(truth.expectedDistinctEvents);
    expect(await count(`SELECT count() AS n FROM ${database}.dead_letters FINAL`)).toBe(truth.expectedDeadLettered);
    expect(await count(`SELECT count() AS n FROM ${database}.issues FINAL`)).toBe(report.issuesOpened);
    const dumps = [logs, JSON.stringify(report)];
    for (const table of TABLES) dumps.push(await (await client.query({ query: `SELECT * FROM ${database}.${table}`, format: 'JSONEachRow' })).text());
    const hits = scanForRawValues(dumps.join('\n'), truth.rawValues as unknown as Record<string, string[]>);
    expect(hits.map((h) => h.kind)).toEqual([]);
    expect(logs).not.toContain(server!.password);
  }

  it('from a file: the same findings as the ground truth, masked data only', { timeout: 180_000 }, async () => {
    const run = verity(
      ['run', '--input', stream, '--store', server!.url, '--database', databases.file, '--data-dir', join(dir, 'file'), '--once', '--no-progress'],
      env(),
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    await expectStoreMatchesTruth(databases.file, JSON.parse(run.stdout) as RunReport, run.stderr);
  });

  // Only its own reason when the suite runs; without a server the suite's skip says why.
  const noKafka = skipWhen(server !== null && !kafka.available, `no Kafka broker: ${kafka.reason.split('\n')[0]}`);
  it('from Kafka: the same findings as the ground truth, masked data only', { timeout: 300_000, ...noKafka }, async () => {
    const brokers = kafka.brokers.join(',');
    const topics = { customers: uniqueTopic('ch-customers'), agents: uniqueTopic('ch-agents') };
    const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokers, '--topic', topics.customers, '--agent-topic', topics.agents, '--topic-partitions', '3']);
    expect(produced.status, produced.stderr).toBe(0);
    const run = verity(
      [
        'run', '--kafka-brokers', brokers, '--group-id', uniqueTopic('ch-group'),
        '--customer-topic', topics.customers, '--agent-topic', topics.agents,
        '--dead-letter-topic', uniqueTopic('ch-dlq'), '--issue-topic', uniqueTopic('ch-issues'),
        '--store', server!.url, '--database', databases.kafka, '--data-dir', join(dir, 'kafka'),
        '--once', '--no-progress', '--metrics-port', '0', '--topic-partitions', '3',
      ],
      env(),
    );
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    await expectStoreMatchesTruth(databases.kafka, JSON.parse(run.stdout) as RunReport, run.stderr);
  });
});
