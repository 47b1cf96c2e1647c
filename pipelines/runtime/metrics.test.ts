import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, PipelineMetrics } from './metrics.ts';

/** Current values of one metric, keyed by its labels rendered as `k=v,k=v` ('' when unlabelled). */
async function values(metrics: PipelineMetrics, name: string): Promise<Map<string, number>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values: samples } = await metric.get();
  return new Map(
    samples.map((s) => [
      Object.entries(s.labels)
        .map(([k, v]) => `${k}=${String(v)}`)
        .sort()
        .join(','),
      s.value,
    ]),
  );
}

const fakeBatch = {
  consumed: 10,
  accepted: 8,
  duplicates: 1,
  deadLetterReasons: ['invalid-json', 'envelope', 'invalid-json'],
  findingRuleIds: ['mobile-format', 'mobile-format', 'id-number-format'],
  openedIssueQueues: ['contact-verification', 'identity-verification', 'contact-verification'],
};

describe('PipelineMetrics', () => {
  it('counts what a batch handler computed', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    metrics.recordBatch(fakeBatch);
    metrics.recordBatch({ ...fakeBatch, deadLetterReasons: [], findingRuleIds: ['mobile-format'], openedIssueQueues: [] });

    expect(await values(metrics, METRIC_NAMES.consumed)).toEqual(new Map([['', 20]]));
    expect(await values(metrics, METRIC_NAMES.accepted)).toEqual(new Map([['', 16]]));
    expect(await values(metrics, METRIC_NAMES.duplicates)).toEqual(new Map([['', 2]]));
    expect(await values(metrics, METRIC_NAMES.deadLettered)).toEqual(
      new Map([
        ['reason_code=invalid-json', 2],
        ['reason_code=envelope', 1],
      ]),
    );
    expect(await values(metrics, METRIC_NAMES.findings)).toEqual(
      new Map([
        ['rule_id=mobile-format', 3],
        ['rule_id=id-number-format', 1],
      ]),
    );
    expect(await values(metrics, METRIC_NAMES.issuesOpened)).toEqual(
      new Map([
        ['queue=contact-verification', 2],
        ['queue=identity-verification', 1],
      ]),
    );
  });

  it('labels series only with rule ids, queues, reason codes, topics, partitions and dependencies', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    metrics.recordBatch(fakeBatch);
    metrics.setLag('customer.changes', 0, 5);
    metrics.countRetry('store');
    const allowed = new Set(['reason_code', 'rule_id', 'queue', 'topic', 'partition', 'dependency', 'le']);
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      for (const sample of metric.values) {
        for (const label of Object.keys(sample.labels)) expect(allowed, `${metric.name}{${label}}`).toContain(label);
      }
    }
  });

  it('shows each dependency up, down during an outage, and the retries', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    expect(await metrics.render()).toContain(`${METRIC_NAMES.dependencyUp}{dependency="store"} 1`);
    metrics.setDependencyUp('store', false);
    metrics.countRetry('store');
    metrics.countRetry('store');
    const text = await metrics.render();
    expect(text).toContain(`${METRIC_NAMES.dependencyUp}{dependency="store"} 0`);
    expect(text).toContain(`${METRIC_NAMES.dependencyUp}{dependency="topics"} 1`);
    expect(text).toContain(`${METRIC_NAMES.retries}{dependency="store"} 2`);
  });

  it('times batches in a histogram', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    const end = metrics.startBatchTimer();
    end();
    const text = await metrics.render();
    expect(text).toContain(`${METRIC_NAMES.batchDuration}_count 1`);
    expect(text).toMatch(new RegExp(`${METRIC_NAMES.batchDuration}_bucket\\{le="\\+Inf"\\} 1`));
  });

  it('sets, overwrites and clears consumer lag per topic and partition', async () => {
    const metrics = new PipelineMetrics({ defaultMetrics: false });
    metrics.setLag('customer.changes', 0, 120);
    metrics.setLag('customer.changes', 1, 7);
    metrics.setLag('customer.changes', 0, 30);
    metrics.setLag('agent.changes', 0, -3); // a stale end offset never shows as negative lag
    expect(await values(metrics, METRIC_NAMES.consumerLag)).toEqual(
      new Map([
        ['partition=0,topic=customer.changes', 30],
        ['partition=1,topic=customer.changes', 7],
        ['partition=0,topic=agent.changes', 0],
      ]),
    );
    metrics.clearLag('customer.changes', 1);
    expect((await values(metrics, METRIC_NAMES.consumerLag)).has('partition=1,topic=customer.changes')).toBe(false);
  });

  it('keeps each instance in its own registry, with default process metrics', async () => {
    const a = new PipelineMetrics();
    const b = new PipelineMetrics();
    a.recordBatch(fakeBatch);
    expect(await values(b, METRIC_NAMES.consumed)).toEqual(new Map([['', 0]]));
    const text = await a.render();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    for (const name of Object.values(METRIC_NAMES)) expect(text).toContain(`# TYPE ${name} `);
  });
});
