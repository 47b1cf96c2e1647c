// Issue 6 §4 on the file path: the store refusing connections, and then not answering at all
// (timeouts), in the middle of a `verity run --once`. The run waits the outage out — /readyz
// answers 503 with the reason meanwhile, and nothing is consumed — and ends with exit 0 and the
// tables of a clean run. Real processes: the CLI, `verity store serve`, and a proxy in between
// (tests/support/chaos-proxy.ts) that refuses or holds requests on cue. The Kafka cases (the
// served store killed, the retry budget spent) are in tests/kafka/store-outage.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy.ts';
import { sample, until } from '../support/probes.ts';
import { dumpStore, expectSameTables } from '../support/store-dump.ts';
import { exitOf, metricsUrlOf, serveStore, spawnVerity, verity } from './support.ts';

const ENV = { VERITY_TOKEN_KEY: '7d'.repeat(32) };

describe('the store refuses and then hangs in the middle of a file run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-store-outage-'));
  const stream = join(dir, 'stream.jsonl');
  let truth: GroundTruth;
  let server: Awaited<ReturnType<typeof serveStore>>;
  let proxy: ChaosProxy;

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', '1200', '--seed', '3131', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    server = await serveStore(join(dir, 'served'));
    proxy = await startChaosProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('waits out refused connections and timeouts, says why it is not ready, and ends exact', { timeout: 300_000 }, async () => {
    const child = spawnVerity(
      [
        'run', '--input', stream, '--store', proxy.url, '--once', '--no-progress', '--batch-size', '100',
        '--metrics-port', 'auto', '--store-timeout-seconds', '2', '--store-retry-seconds', '120', '--data-dir', join(dir, 'run'),
      ],
      ENV,
    );
    const metrics = await metricsUrlOf(child);
    const scrape = async () => (await fetch(`${metrics}/metrics`)).text();
    const readyz = async () => {
      const response = await fetch(`${metrics}/readyz`);
      return { status: response.status, body: await response.text() };
    };
    await until('a first batch stored', async () => (sample(await scrape(), METRIC_NAMES.consumed) > 0 ? true : undefined));

    // Refused: the store is down.
    await proxy.setMode('refuse');
    const refused = await until('/readyz to report the refused store', async () => {
      const r = await readyz();
      return r.status === 503 && r.body.includes('ECONNREFUSED') ? r : undefined;
    });
    expect(refused.body).toMatch(/^not ready: store unavailable since \S+ \(.+, attempt \d+\): .*ECONNREFUSED/);
    expect(sample(await scrape(), METRIC_NAMES.dependencyUp, '{dependency="store"}')).toBe(0);
    expect(sample(await scrape(), METRIC_NAMES.retries, '{dependency="store"}')).toBeGreaterThan(0);
    // Paused: nothing more becomes durable while the store is down.
    const during = sample(await scrape(), METRIC_NAMES.consumed);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(sample(await scrape(), METRIC_NAMES.consumed)).toBe(during);

    // Hanging: requests are accepted and never answered, so each one times out.
    await proxy.setMode('hang');
    await until('/readyz to report a timeout', async () => {
      const r = await readyz();
      return r.status === 503 && r.body.includes('timeout') ? r : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await proxy.setMode('pass');

    const exit = await exitOf(child, 240_000, 'the run to finish after the store came back');
    expect(exit.code, child.stderr.slice(-3000)).toBe(0);
    expect(child.stderr).toContain('store unavailable: retrying with backoff, consumption paused');
    expect(child.stderr).toContain('store available again: consumption resumed');
    const report = JSON.parse(child.stdout) as RunReport;
    expect(report.events).toBe(truth.lines);
    expect(report.accepted + report.deadLettered).toBe(report.events);

    const cleanDir = join(dir, 'clean');
    const clean = verity(['run', '--input', stream, '--data-dir', cleanDir, '--once', '--no-progress', '--batch-size', '100'], ENV);
    expect(clean.status, clean.stderr.slice(-3000)).toBe(0);
    expectSameTables(await dumpStore(server.url), await dumpStore(cleanDir));
  });
});
