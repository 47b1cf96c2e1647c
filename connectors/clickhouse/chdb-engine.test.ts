// chDB's engine is loaded only by a process that opens an embedded store (chdb-engine.ts). Checked
// in a fresh child process each time, since a loaded library stays in the process that loaded it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'verity-chdb-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` as an ES module in a new node process; returns whether libchdb was mapped into it afterwards. */
function chdbMappedAfter(body: string): boolean {
  const script = `${body}\nconst { readFileSync } = await import('node:fs');\nprocess.stdout.write(String(/libchdb/.test(readFileSync('/proc/self/maps', 'utf8'))));`;
  const result = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim() === 'true';
}

describe.runIf(process.platform === 'linux')('chDB engine loading', () => {
  it('is not loaded by the store client, the CLI or a client for a ClickHouse server', () => {
    expect(
      chdbMappedAfter(`
        const { createStoreClient } = await import('./connectors/clickhouse/store-client.ts');
        await import('./pipelines/cli/main.ts');
        await createStoreClient({ kind: 'http', url: 'http://127.0.0.1:1' }).close();`),
    ).toBe(false);
  });

  it('is loaded once an embedded store is opened', () => {
    expect(
      chdbMappedAfter(`
        const { createStoreClient } = await import('./connectors/clickhouse/store-client.ts');
        const client = createStoreClient({ kind: 'embedded', path: ${JSON.stringify(join(dir, 'chdb'))} });
        await client.query({ query: 'SELECT 1' });
        await client.close();`),
    ).toBe(true);
  });
});
