// What every source (a file, stdin, Kafka) hands the pipeline: batches of raw messages with their
// coordinates. Sources are push-based so a source can commit its position only after the handler
// has durably written everything derived from a batch.

export type Coordinates =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string };

export interface RawMessage {
  readonly value: Buffer;
  readonly key?: Buffer | null;
  readonly coordinates: Coordinates;
}

export interface SourceBatch {
  /**
   * Deterministic for the same messages (e.g. topic-partition-firstOffset-lastOffset, or a file's
   * line range and content hash): a re-delivered batch gets the same id, which makes its inserts
   * no-ops through `insert_deduplication_token`.
   */
  readonly id: string;
  readonly messages: readonly RawMessage[];
}

export type BatchHandler = (batch: SourceBatch) => Promise<void>;

export interface Source {
  /**
   * Calls `handle` for each batch in order and resolves when the input ends or `signal` aborts,
   * after every handled batch has resolved. It may hand over the next batch before the previous
   * one resolved (handlers process batches in call order), but commits a position only when every
   * batch up to it has resolved.
   */
  run(handle: BatchHandler, signal: AbortSignal): Promise<void>;
}

export function formatCoordinates(c: Coordinates): string {
  return c.kind === 'file' ? `${c.file}:${c.line}` : `${c.topic}/${c.partition}@${c.offset}`;
}
