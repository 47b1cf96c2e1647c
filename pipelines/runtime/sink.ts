// Where a batch's results go once derived: the operator-only dead-letter archive, the output
// topics, the analytics store, and whatever comes next (corrections upstream). The pipeline writes
// each batch to every sink in order before its source commits; a sink is reached only through this
// interface, so a new output plugs in without touching the pipeline.
import type { Finding, IssueChange, RecordRow, RejectedMessage } from '../quality/model.ts';
import type { FindingMirrorChange } from '../quality/patterns/pattern-state.ts';
import type { Dependency } from './outage-retry.ts';
import type { SourceBatch } from './source.ts';

/** Everything one batch derived, as its sinks receive it. */
export interface BatchOutput {
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  /** Dead letters with their original bytes: each sink takes what it may keep. */
  readonly deadLetters: readonly RejectedMessage[];
  /** Active findings that appeared, changed or cleared; versioned once the state committed (empty before). */
  readonly findingMirror: readonly FindingMirrorChange[];
  /** When the batch was derived (ingested/detected timestamps). */
  readonly derivedAt: string;
}

export interface SinkWriteOptions {
  /** The same for every try of one batch's write, so a retried write is recognised as one. */
  readonly attempt: string;
  /** Aborted when this process lost the batch's scope: nothing more may be written for it. */
  readonly signal?: AbortSignal | undefined;
}

export interface Sink {
  /** For logs and /readyz. */
  readonly name: string;
  /** Which outage a failure of it counts towards (retried, paused, reported). */
  readonly dependency: Dependency;
  /**
   * Writes the batch; resolves once it is durable there. A sink must take a batch written twice
   * (a retry, a crash before the commit) without doubling its effect, or say in its own docs that
   * it is at-least-once and how consumers de-duplicate.
   */
  write(batch: SourceBatch, out: BatchOutput, options: SinkWriteOptions): Promise<void>;
}
