// Issue 6 §1 through the real CLI and the embedded engine: an exception while processing one event
// dead-letters that event (`processing-error`, with its stage, error class and coordinates, and no
// value) and the run goes on; an error that is not about one event stops the run with exit 1 and a
// clear message, and the next run repairs what it left and ends with the tables of a clean run.
// Failpoints (pipelines/runtime/failpoints.ts) make the exceptions land where the test wants them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { FAILPOINT_ENV } from '../../pipelines/runtime/failpoints.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { dumpStore, expectSameTables } from '../kafka/support.ts';
import { scanForRawValues } from '../support/pii-scan.ts';
import { verity } from './support.ts';

const ENV = { VERITY_TOKEN_KEY: '3e'.repeat(32) };
const run = (dataDir: string, input: string, env: Record<string, string> = {}) =>
  verity(['run', '--input', input, '--data-dir', dataDir, '--once', '--no-progress', '--batch-size', '100'], { ...ENV, ...env });

describe('one event fails alone; a failure of the run stops it cleanly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-isolation-'));
  const stream = join(dir, 'stream.jsonl');
  let truth: GroundTruth;

  beforeAll(() => {
    const generated = verity(['generate', '--customers', '150', '--seed', '66', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
  });

  it('dead-letters the event a stage failed on, with its stage and coordinates, and processes the rest', async () => {
    const dataDir = join(dir, 'isolated');
    // Exactly the 7th event processed fails, as a bug in a stage would.
    const result = run(dataDir, stream, { [FAILPOINT_ENV]: 'event.process:7:throw' });
    expect(result.status, result.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.events).toBe(truth.lines);
    expect(report.accepted + report.deadLettered).toBe(report.events);
    expect(report.deadLettered).toBe(truth.expectedDeadLettered + 1);
    expect(report.deadLettersByReason['processing-error']).toBe(1);

    const dump = await dumpStore(dataDir);
    const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    const [row] = await (
      await client.query({ query: "SELECT reason, error_path, source_kind, file, line FROM verity.dead_letters FINAL WHERE reason_code = 'processing-error'", format: 'JSONEachRow' })
    ).json<Record<string, unknown>>();
    await client.close();
    expect(row).toMatchObject({ reason: 'processing failed at stage process: FailpointError', error_path: '', source_kind: 'file', file: stream });
    const line = Number(row?.['line']);
    expect(line).toBeGreaterThan(0);
    // The failed event has no record, unless the stream re-delivers it later: a failed event is
    // not remembered as seen, so its re-delivery is processed like a first delivery.
    const lines = readFileSync(stream, 'utf8').split('\n');
    const eventIdAt = (n: number) => (JSON.parse(lines[n - 1]!) as { eventId: string }).eventId;
    const redelivered = lines.slice(line).some((l) => l.includes(`"eventId":"${eventIdAt(line)}"`));
    expect(dump.eventIds.includes(eventIdAt(line))).toBe(redelivered);
    expect(dump.eventIds).toHaveLength(truth.expectedDistinctEvents - (redelivered ? 0 : 1));
    // The log says where and which stage, with the stack frames, and no value of the event.
    const logged = result.stderr.split('\n').filter((l) => l.includes('processing an event failed')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ stage: 'process', errorClass: 'FailpointError', at: `${stream}:${String(row?.['line'])}` });
    expect(scanForRawValues(result.stderr, truth.rawValues as unknown as Record<string, string[]>).map((h) => h.kind)).toEqual([]);
  });

  it('stops with exit 1 and a clear message when the run itself fails, and the next run finishes exactly', async () => {
    const dataDir = join(dir, 'failed');
    const failed = run(dataDir, stream, { [FAILPOINT_ENV]: 'store.write.before-records:2:throw' });
    expect(failed.status, failed.stderr.slice(-3000)).toBe(1);
    expect(failed.stderr).toMatch(/verity: unexpected FailpointError: VERITY_FAILPOINT: failing at store\.write\.before-records \(pass 2\)\n/);
    expect(failed.stdout).toBe('');

    const resumed = run(dataDir, stream);
    expect(resumed.status, resumed.stderr.slice(-3000)).toBe(0);
    expect(resumed.stderr).toContain('wrote the analytics output of batches a previous run committed but did not finish writing');

    const cleanDir = join(dir, 'clean');
    expect(run(cleanDir, stream).status).toBe(0);
    expectSameTables(await dumpStore(dataDir), await dumpStore(cleanDir));
  });
});
