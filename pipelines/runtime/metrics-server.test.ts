import { afterEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES, PipelineMetrics } from './metrics.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';

describe('metrics server (real HTTP on an ephemeral port)', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics, /healthz, /readyz (503 until ready) and 404 elsewhere', async () => {
    const metrics = new PipelineMetrics();
    metrics.recordBatch({
      consumed: 3,
      accepted: 2,
      duplicates: 0,
      deadLetterReasons: ['invalid-json'],
      findingRuleIds: ['mobile-format'],
      openedIssueQueues: ['contact-verification'],
    });
    metrics.setLag('customer.changes', 2, 42);
    let ready = false;
    server = await startMetricsServer({ port: 0, metrics, readiness: () => ({ ready, reason: ready ? '' : 'store unavailable since 2026-06-01T00:00:00.000Z (writing a batch, attempt 3): ECONNREFUSED' }) });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const scrape = await fetch(`${server.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    for (const name of Object.values(METRIC_NAMES)) expect(text).toContain(name);
    expect(text).toContain(`${METRIC_NAMES.consumed} 3`);
    expect(text).toContain(`${METRIC_NAMES.findings}{rule_id="mobile-format"} 1`);
    expect(text).toContain(`${METRIC_NAMES.consumerLag}{topic="customer.changes",partition="2"} 42`);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('not ready: store unavailable since 2026-06-01T00:00:00.000Z (writing a batch, attempt 3): ECONNREFUSED\n');
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz?verbose=1`)).status).toBe(200);

    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics/extra`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('closes: the port stops answering, and close() is idempotent', async () => {
    const s = await startMetricsServer({ port: 0, metrics: new PipelineMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true, reason: '' }) });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await s.close();
    await s.close();
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('fails to start on a port already in use, instead of hanging', async () => {
    server = await startMetricsServer({ port: 0, metrics: new PipelineMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true, reason: '' }) });
    await expect(
      startMetricsServer({ port: server.port, metrics: new PipelineMetrics({ defaultMetrics: false }), readiness: () => ({ ready: true, reason: '' }) }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
