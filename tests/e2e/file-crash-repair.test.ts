// Crash safety of a file run: `verity run --input` SIGKILLed in the middle of a batch's analytics
// writes (findings and issues stored, its records not yet) and run again must end with exactly the
// tables a clean run produces, nothing lost and nothing doubled. What makes that true: the batch's
// state and its analytics output commit together in the state store first; the next run writes
// that pending output again under the same deduplication tokens, and skips every event the state
// store has applied when it reads the file again.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { createSqlClient } from '../../connectors/postgres/sql-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { FAILPOINT_ENV } from '../../pipelines/runtime/failpoints.ts';
import { dumpStore, expectSameTables, type StoreDump } from '../support/store-dump.ts';
import { expectStoreMatchesTruth } from '../support/truth-checks.ts';
import { spawnVerity, verity } from './support.ts';

const CUSTOMERS = 1000;
const SEED = 60606;
const BATCH_SIZE = 250;
const TOKEN_KEY_HEX = 'c3'.repeat(32);
// Tokens, and so issue ids, depend on the key: the runs compared here must share one.
const ENV = { VERITY_TOKEN_KEY: TOKEN_KEY_HEX };
const REWRITTEN = 'wrote the analytics output of batches a previous run committed but did not finish writing';

/** What the crashed run left: outputs pending in the state store, and rows whose event has no record. */
async function halfWritten(dataDir: string): Promise<{ pendingOutputs: number; findingsWithoutRecord: number; recordRows: number }> {
  const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
  const one = async (query: string) => Number((await (await client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);
  const state = await createSqlClient({ kind: 'embedded', path: join(dataDir, 'pg') });
  try {
    return {
      pendingOutputs: Number((await state.query<{ n: string }>('SELECT count(*) AS n FROM verity.pending_outputs'))[0]?.n),
      findingsWithoutRecord: await one('SELECT count() AS n FROM verity.findings WHERE event_id NOT IN (SELECT event_id FROM verity.records)'),
      recordRows: await one('SELECT count() AS n FROM verity.records'),
    };
  } finally {
    await client.close();
    await state.close();
  }
}

describe('verity run on a file survives a crash in the middle of a batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-file-crash-'));
  const stream = join(dir, 'stream.jsonl');
  const runArgs = (dataDir: string) => ['run', '--input', stream, '--data-dir', dataDir, '--once', '--no-progress', '--batch-size', String(BATCH_SIZE)];
  let truth: GroundTruth;
  let clean: StoreDump;

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', String(CUSTOMERS), '--seed', String(SEED), '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    // Enough batches that the third is well inside the file.
    expect(truth.lines).toBeGreaterThan(5 * BATCH_SIZE);

    const cleanDir = join(dir, 'clean');
    const run = verity([...runArgs(cleanDir), '--log-level', 'warn'], ENV);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    clean = await dumpStore(cleanDir);
    expect(clean.eventIds).toHaveLength(truth.expectedDistinctEvents);
  });

  it('dies between the inserts of its third batch, and the next run writes it again: the same tables as a clean run', { timeout: 180_000 }, async () => {
    const dataDir = join(dir, 'crashed');
    const crashing = spawnVerity(runArgs(dataDir), { ...ENV, [FAILPOINT_ENV]: 'store.write.before-records:3' });
    const exit = await crashing.exited;
    expect(exit.signal, crashing.stderr.slice(-3000)).toBe('SIGKILL');
    expect(crashing.stderr).toContain(`${FAILPOINT_ENV}: dying at store.write.before-records (pass 3)`);

    // It died mid-batch: the batch's state and output committed, its findings stored without
    // their records; the two batches before it are complete.
    const left = await halfWritten(dataDir);
    expect(left.pendingOutputs).toBe(1);
    expect(left.findingsWithoutRecord).toBeGreaterThan(0);
    expect(left.recordRows).toBeGreaterThan(0);
    expect(left.recordRows).toBeLessThan(truth.expectedDistinctEvents);

    const restart = verity(runArgs(dataDir), ENV);
    expect(restart.status, restart.stderr.slice(-3000)).toBe(0);
    const rewriteLines = restart.stderr
      .split('\n')
      .filter((line) => line.includes(REWRITTEN))
      .map((line) => JSON.parse(line) as { batches: number });
    expect(rewriteLines).toEqual([expect.objectContaining({ batches: 1 })]);

    const repaired = await dumpStore(dataDir);
    // Nothing lost, nothing doubled: the same ids as the clean run, one row each.
    expectSameTables(repaired, clean);
    // And what is there is right: the injected customers, events and issue changes per rule.
    expectStoreMatchesTruth(repaired, truth, Buffer.from(TOKEN_KEY_HEX, 'hex'));
    expect(await halfWritten(dataDir)).toMatchObject({ pendingOutputs: 0, findingsWithoutRecord: 0 });
  });
});
