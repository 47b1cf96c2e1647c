// The metrics endpoint wired into a real run: embedded chDB, a generated stream, the file source.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFileSource } from '../../connectors/file/file-source.ts';
import { resolveRunConfig } from '../config/run-config.ts';
import { PROJECT_ROOT, verity } from '../../tests/e2e/support.ts';
import { createLogger } from './logger.ts';
import { METRIC_NAMES } from './metrics.ts';
import type { MetricsServer } from './metrics-server.ts';
import { runJob } from './run-job.ts';
import type { Source } from './source.ts';
import { runConnectors } from '../cli/run-connectors.ts';

/** The value of an unlabelled sample, or the sum over a labelled metric's series. */
function sampleSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('runJob with the metrics endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-metrics-'));
  const stream = join(dir, 'stream.jsonl');

  beforeAll(() => {
    const generated = verity(['generate', '--customers', '300', '--seed', '11', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
  });

  it('is not ready before the first batch, counts every batch, and closes at the end', async () => {
    const config = await resolveRunConfig({
      flags: { input: stream, dataDir: join(dir, 'data'), batchSize: 200 },
      env: {},
      cwd: dir,
    });
    expect(config.metricsPort).toBe(0);
    let server: MetricsServer | undefined;
    const seen: { ready: number[]; consumed: number[] } = { ready: [], consumed: [] };
    const files = createFileSource({ input: stream, batchSize: config.batchSize });
    // Scrapes the endpoint before the source starts and after each durably written batch.
    const source: Source = {
      ownership: 'exclusive',
      run: async (handle, signal) => {
        seen.ready.push((await fetch(`${server!.url}/readyz`)).status);
        await files.run(async (batch) => {
          await handle(batch);
          seen.ready.push((await fetch(`${server!.url}/readyz`)).status);
          seen.consumed.push(sampleSum(await (await fetch(`${server!.url}/metrics`)).text(), METRIC_NAMES.consumed));
        }, signal);
      },
    };
    const report = await runJob(config, runConnectors(config), source, createLogger('silent'), {
      metricsServer: { port: 0, onListening: (s) => (server = s) },
    });

    expect(server).toBeDefined();
    expect(seen.ready[0]).toBe(503);
    expect(seen.ready.slice(1).every((s) => s === 200)).toBe(true);
    expect(seen.consumed.length).toBeGreaterThan(1);
    expect(seen.consumed.at(-1)).toBe(report.events);
    expect([...seen.consumed].sort((a, b) => a - b)).toEqual(seen.consumed);
    await expect(fetch(`${server!.url}/healthz`)).rejects.toThrow();
  });

  it('counts what the report counts', async () => {
    const config = await resolveRunConfig({ flags: { input: stream, dataDir: join(dir, 'data2') }, env: {}, cwd: dir });
    let text = '';
    const files = createFileSource({ input: stream, batchSize: config.batchSize });
    let server: MetricsServer | undefined;
    const source: Source = {
      ownership: 'exclusive',
      run: async (handle, signal) => {
        await files.run(handle, signal);
        text = await (await fetch(`${server!.url}/metrics`)).text();
      },
    };
    const report = await runJob(config, runConnectors(config), source, createLogger('silent'), {
      metricsServer: { port: 0, onListening: (s) => (server = s) },
    });
    expect(sampleSum(text, METRIC_NAMES.consumed)).toBe(report.events);
    expect(sampleSum(text, METRIC_NAMES.accepted)).toBe(report.accepted);
    expect(sampleSum(text, METRIC_NAMES.duplicates)).toBe(report.duplicates);
    expect(sampleSum(text, METRIC_NAMES.deadLettered)).toBe(report.deadLettered);
    expect(sampleSum(text, METRIC_NAMES.findings)).toBe(report.findingCount);
    expect(sampleSum(text, METRIC_NAMES.issuesOpened)).toBe(report.issuesOpened);
    for (const [code, n] of Object.entries(report.deadLettersByReason)) {
      expect(text).toContain(`${METRIC_NAMES.deadLettered}{reason_code="${code}"} ${n}`);
    }
  });

  // A named pipe keeps the input open, so the run is still consuming while the test scrapes it.
  // (Not stdin: the embedded chDB engine refuses inserts while the process's stdin carries data.)
  it('verity run --metrics-port auto serves the endpoint on a port of its own while the run consumes its input', async () => {
    // The run binds a free port itself and logs its URL: nothing can take the port in between.
    let base = '';
    const lines = readFileSync(stream, 'utf8').split('\n').filter((l) => l !== '');
    const fifo = join(dir, 'live.jsonl');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(
      process.execPath,
      ['bin/verity.mjs', 'run', '--input', fifo, '--data-dir', join(dir, 'data3'), '--batch-size', '50', '--metrics-port', 'auto', '--no-progress'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const input = createWriteStream(fifo);
    try {
      // Two full batches go in; the input stays open, so the run is still consuming.
      input.write(`${lines.slice(0, 120).join('\n')}\n`);
      // Ready once migrated and consuming; counted once a batch is durably written.
      const deadline = Date.now() + 45_000;
      let consumed = 0;
      while (Date.now() < deadline) {
        base ||= /"metrics":"(http:\/\/[^"]+)\/metrics"/.exec(stderr)?.[1] ?? '';
        const text = base ? await fetch(`${base}/metrics`).then((r) => r.text(), () => '') : '';
        consumed = sampleSum(text, METRIC_NAMES.consumed);
        if (consumed > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([50, 100], stderr).toContain(consumed);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      input.end(`${lines.slice(120).join('\n')}\n`);
      expect(await exited, stderr).toBe(0);
    } finally {
      input.destroy();
      child.kill();
    }
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect((JSON.parse(stdout) as { events: number }).events).toBe(lines.length);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
