// Prometheus metrics for one pipeline process. Each instance owns its own registry (not prom-client's
// global one), so tests and embedders can create several side by side.
//
// Label values are bounded, non-personal identifiers only: rule ids, queue names, dead-letter reason
// codes, topic names and partition numbers. Never a token, a customer id, an event id or a value.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What one batch handler computed, in the terms the metrics count. */
export interface BatchMetrics {
  /** Messages read from the source (accepted + dead-lettered). */
  readonly consumed: number;
  /** Messages that decoded into a change event (duplicates included). */
  readonly accepted: number;
  /** Accepted events whose eventId was already processed. */
  readonly duplicates: number;
  /** One reason code per dead-lettered message. */
  readonly deadLetterReasons: Iterable<string>;
  /** One rule id per finding. */
  readonly findingRuleIds: Iterable<string>;
  /** One queue per issue opened. */
  readonly openedIssueQueues: Iterable<string>;
}

export interface PipelineMetricsOptions {
  /** Collect prom-client's default process metrics (CPU, memory, event loop, GC). Default true. */
  readonly defaultMetrics?: boolean;
  /** Extra labels on every series, e.g. `{ instance_role: 'consumer' }`. */
  readonly defaultLabels?: Record<string, string>;
}

export const METRIC_NAMES = {
  consumed: 'verity_events_consumed_total',
  accepted: 'verity_events_accepted_total',
  duplicates: 'verity_events_duplicate_total',
  deadLettered: 'verity_events_dead_lettered_total',
  findings: 'verity_findings_total',
  issuesOpened: 'verity_issues_opened_total',
  batchDuration: 'verity_batch_duration_seconds',
  consumerLag: 'verity_consumer_lag',
  dependencyUp: 'verity_dependency_up',
  retries: 'verity_dependency_retries_total',
} as const;

export class PipelineMetrics {
  readonly registry: Registry;
  readonly #consumed: Counter;
  readonly #accepted: Counter;
  readonly #duplicates: Counter;
  readonly #deadLettered: Counter<'reason_code'>;
  readonly #findings: Counter<'rule_id'>;
  readonly #issuesOpened: Counter<'queue'>;
  readonly #batchDuration: Histogram;
  readonly #lag: Gauge<'topic' | 'partition'>;
  readonly #dependencyUp: Gauge<'dependency'>;
  readonly #retries: Counter<'dependency'>;

  constructor(options: PipelineMetricsOptions = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
    const registers = [registry];
    this.#consumed = new Counter({ name: METRIC_NAMES.consumed, help: 'Messages read from the source.', registers });
    this.#accepted = new Counter({
      name: METRIC_NAMES.accepted,
      help: 'Messages that decoded into a valid change event (re-deliveries included).',
      registers,
    });
    this.#duplicates = new Counter({
      name: METRIC_NAMES.duplicates,
      help: 'Accepted events whose eventId was already processed; they have no further effect.',
      registers,
    });
    this.#deadLettered = new Counter({
      name: METRIC_NAMES.deadLettered,
      help: 'Messages dead-lettered, by reason code.',
      labelNames: ['reason_code'],
      registers,
    });
    this.#findings = new Counter({
      name: METRIC_NAMES.findings,
      help: 'Rule violations found, by rule id.',
      labelNames: ['rule_id'],
      registers,
    });
    this.#issuesOpened = new Counter({
      name: METRIC_NAMES.issuesOpened,
      help: 'Issues opened, by queue.',
      labelNames: ['queue'],
      registers,
    });
    this.#batchDuration = new Histogram({
      name: METRIC_NAMES.batchDuration,
      help: 'Time to handle one source batch end to end (decode, evaluate, durable writes).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#lag = new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: 'Messages between the committed offset and the end of each topic partition.',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.#dependencyUp = new Gauge({
      name: METRIC_NAMES.dependencyUp,
      help: '1 while the dependency answers, 0 during an outage (calls are being retried).',
      labelNames: ['dependency'],
      registers,
    });
    this.#retries = new Counter({
      name: METRIC_NAMES.retries,
      help: 'Calls to a dependency tried again after a retriable failure.',
      labelNames: ['dependency'],
      registers,
    });
    for (const dependency of ['store', 'topics']) this.#dependencyUp.set({ dependency }, 1);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** Starts the batch timer; call the returned function when the batch is done (or failed). */
  startBatchTimer(): () => void {
    const end = this.#batchDuration.startTimer();
    return () => {
      end();
    };
  }

  /** Counts one batch that was durably written. */
  recordBatch(batch: BatchMetrics): void {
    if (batch.consumed > 0) this.#consumed.inc(batch.consumed);
    if (batch.accepted > 0) this.#accepted.inc(batch.accepted);
    if (batch.duplicates > 0) this.#duplicates.inc(batch.duplicates);
    for (const [reasonCode, n] of tally(batch.deadLetterReasons)) this.#deadLettered.inc({ reason_code: reasonCode }, n);
    for (const [ruleId, n] of tally(batch.findingRuleIds)) this.#findings.inc({ rule_id: ruleId }, n);
    for (const [queue, n] of tally(batch.openedIssueQueues)) this.#issuesOpened.inc({ queue }, n);
  }

  setDependencyUp(dependency: string, up: boolean): void {
    this.#dependencyUp.set({ dependency }, up ? 1 : 0);
  }

  countRetry(dependency: string): void {
    this.#retries.inc({ dependency });
  }

  /** Consumer lag of one topic partition (set by the Kafka source). */
  setLag(topic: string, partition: number, lag: number): void {
    this.#lag.set({ topic, partition: String(partition) }, Math.max(0, lag));
  }

  /** Forgets a partition's lag, e.g. after a rebalance moved it to another consumer. */
  clearLag(topic: string, partition: number): void {
    this.#lag.remove({ topic, partition: String(partition) });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }
}

function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
