// What every source (a file, stdin, Kafka) hands the pipeline: batches of raw messages with their
// coordinates. Sources are push-based so a source can commit its position only after the handler
// has durably written everything derived from a batch.
import type { Coordinates } from '../contract/coordinates.ts';

export { formatCoordinates, type Coordinates } from '../contract/coordinates.ts';

export interface RawMessage {
  /** The message's bytes; only the first of them when `sizeBytes` says it was longer (a cut file line). */
  readonly value: Buffer;
  /** The whole message's size, when `value` holds only its beginning. */
  readonly sizeBytes?: number;
  readonly key?: Buffer | null;
  readonly coordinates: Coordinates;
}

export interface SourceBatch {
  /**
   * The ordered stream this batch continues: a Kafka topic-partition, or the input file. Batches
   * of one scope are handed over in order, and a scope is written by one process at a time.
   */
  readonly scope: string;
  /**
   * Grows each time this process takes the scope over (Kafka: the partition is assigned to it
   * again after a rebalance). A new value means another process may have written the scope
   * meanwhile, so whatever was cached for it is stale.
   */
  readonly tenure: number;
  /**
   * Deterministic for the same messages (e.g. topic-partition-firstOffset-lastOffset, or a file's
   * line range and content hash): a re-delivered batch gets the same id, which makes its inserts
   * no-ops through `insert_deduplication_token`.
   */
  readonly id: string;
  readonly messages: readonly RawMessage[];
  /**
   * Aborted when this process may no longer write the batch: it lost the scope (a rebalance) or
   * was asked to stop while the batch waited on an outage. The handler then abandons the batch
   * uncommitted and rejects with the signal's reason; whoever reads the scope next reads it again.
   */
  readonly signal?: AbortSignal;
}

export type BatchHandler = (batch: SourceBatch) => Promise<void>;

/** What the runtime lends a source for its own calls to outside systems (offset commits). */
export interface SourceContext {
  /** Retries `call` while it fails with a retriable error, within the run's budget (outage-retry.ts). */
  readonly retry: <T>(what: string, call: () => Promise<T>, signal?: AbortSignal) => Promise<T>;
}

/**
 * `exclusive`: this process is the store's only writer for the whole run (a file, stdin), so
 * state can be loaded once at start. `shared`: scopes move between processes that share the
 * store (a consumer group), so state is taken over per scope when its tenure begins.
 */
export type StoreOwnership = 'exclusive' | 'shared';

export interface Source {
  readonly ownership: StoreOwnership;
  /**
   * With shared ownership: whether this process currently leads its group, and so runs the
   * group-wide chores (the SLA clock). Absent means it does (an exclusive source).
   */
  isGroupLeader?(): boolean;
  /**
   * Whether the source is consuming right now (Kafka: a member of its group, not reconnecting).
   * Absent: a source consumes from its first batch on (a file).
   */
  isConsuming?(): boolean;
  /**
   * Calls `handle` for each batch in order and resolves when the input ends or `signal` aborts,
   * after every handled batch has resolved. It may hand over the next batch before the previous
   * one resolved (handlers process batches in call order), but commits a position only when every
   * batch up to it has resolved.
   */
  run(handle: BatchHandler, signal: AbortSignal, context?: SourceContext): Promise<void>;
  /**
   * Stops fetching while a dependency is down, so that memory stays bounded; `resume` after it
   * is back. Batches already handed over stay in flight. Absent: the source has nothing to pause
   * (a file is read only as fast as batches are handled).
   */
  pause?(): void;
  resume?(): void;
}
