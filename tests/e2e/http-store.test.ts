// The HTTP store path end to end: `verity store serve` puts the embedded engine behind
// ClickHouse's HTTP interface, `verity run --store http://…` writes through @clickhouse/client's
// HTTP connection, and the result equals the ground truth exactly as the embedded path does.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { serveStore, verity } from './support.ts';
import { expectReportFindingsMatchTruth } from '../support/truth-checks.ts';

describe('verity run against a store served over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-http-'));
  const stream = join(dir, 'stream.jsonl');
  let server: Awaited<ReturnType<typeof serveStore>>;
  let client: ClickHouseClient;
  let truth: GroundTruth;

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', '600', '--seed', '606', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    server = await serveStore(join(dir, 'served'));
    client = createStoreClient({ kind: 'http', url: server.url });
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('processes a stream into it with the same result as the embedded engine', async () => {
    const reportFile = join(dir, 'report.json');
    const run = verity(['run', '--input', stream, '--store', server.url, '--data-dir', join(dir, 'run'), '--once', '--report', reportFile, '--no-progress']);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    expect(report.store).toBe(`ClickHouse server at ${server.url}`);
    expectReportFindingsMatchTruth(report, truth);
    expect(report.accepted + report.deadLettered).toBe(truth.lines);
    const rows = await (await client.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM verity.records', format: 'JSONEachRow' })).json<{ n: string; u: string }>();
    expect(rows).toEqual([{ n: String(truth.expectedDistinctEvents), u: String(truth.expectedDistinctEvents) }]);

    // Replaying the stream through the HTTP path adds nothing.
    const again = verity(['run', '--input', stream, '--store', server.url, '--data-dir', join(dir, 'run'), '--once', '--report', reportFile, '--no-progress']);
    expect(again.status, again.stderr.slice(-3000)).toBe(0);
    expect((JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport).duplicates).toBe(truth.expectedAccepted);
    expect(await (await client.query({ query: 'SELECT count() AS n FROM verity.records', format: 'JSONEachRow' })).json()).toEqual([{ n: String(truth.expectedDistinctEvents) }]);
  });

  it('binds query parameters exactly, whatever characters they hold', async () => {
    const tricky = ["it's", 'back\\slash', 'tab\there', 'new\nline', '测试'];
    const result = await client.query({
      query: 'SELECT {s:String} AS s, {list:Array(String)} AS list, {n:UInt64} AS n',
      query_params: { s: tricky[0], list: tricky, n: 18446744073709551615n },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ s: "it's", list: tricky, n: '18446744073709551615' }]);
  });

  it('keeps one request\'s settings out of the next', async () => {
    const setting = async (settings?: Record<string, string>) =>
      (await (await client.query({ query: "SELECT toString(getSetting('max_threads')) AS v", format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) })).json<{ v: string }>())[0]!.v;
    const normal = await setting();
    expect(await setting({ max_threads: '3' })).toBe('3');
    for (let i = 0; i < 8; i++) expect(await setting()).toBe(normal);
  });

  it('reports engine errors as ClickHouse errors with code and type', async () => {
    await expect(client.query({ query: 'SELECT no_such_column FROM verity.records', format: 'JSONEachRow' })).rejects.toMatchObject({
      code: '47',
      type: 'UNKNOWN_IDENTIFIER',
    });
    expect((await client.ping()).success).toBe(true);
  });
});
