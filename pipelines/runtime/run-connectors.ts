// What a run is wired to, as the runtime needs it: the analytics store, the operational store (and
// the SLA clock's view of it), the
// dead-letter archive and the envelope adapters. Declared here and implemented in connectors/; the
// CLI picks the implementations from the config (pipelines/cli/run-connectors.ts), so the runtime
// never names a concrete store.
import type { EnvelopeAdapter } from '../quality/decode.ts';
import type { Failpoint } from './failpoints.ts';
import type { Sink } from './sink.ts';
import type { SlaStore } from './sla-clock.ts';
import type { StateStore } from './state-store.ts';
import type { IssueMirror, OutboxStore } from './outbox-relay.ts';

export interface AnalyticsConnection {
  /** For logs and the report (never with credentials). */
  readonly description: string;
  /** Creates or migrates the analyst schema; the versions applied now. */
  migrate(): Promise<number[]>;
  /** Writes batches' outputs. */
  readonly sink: Sink;
  /** Where the outbox relay mirrors stewards' (and the clock's) issue changes: `issues`, `issue_events`. */
  readonly issueMirror?: IssueMirror;
  close(): Promise<void>;
}

/** The operator-only archive of dead letters with their original bytes. */
export interface DeadLetterArchiveSink extends Sink {
  readonly path: string;
  close(): Promise<void>;
}

export interface RunConnectors {
  /**
   * Reaching the store may fail later, through the connection's calls, not here. `failpoint` lets
   * crash tests kill the process between a batch's inserts.
   */
  analytics(failpoint: Failpoint): AnalyticsConnection;
  /**
   * Opens the operational store and brings its schema up to date; `sla` is what the SLA clock
   * reads and raises its notices in (the same store: notices change issues).
   */
  openState(): Promise<{ readonly store: StateStore; readonly migrations: readonly number[]; readonly sla: SlaStore }>;
  /** The error to stop with when `openState` failed for good: which store, and what to fix. */
  explainStateOpenFailure(error: unknown): unknown;
  openDeadLetters(): Promise<DeadLetterArchiveSink>;
  /** Envelopes besides Verity's own contract (Debezium change events, with their mappings). */
  loadAdapters(): Promise<readonly EnvelopeAdapter[]>;
  /** The outbox of the operational store `openState` opened (the relay drains it); none: no relay. */
  openOutbox?(state: StateStore): OutboxStore | undefined;
}
