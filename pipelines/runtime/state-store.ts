// The operational state (issue state, pattern state, which events were applied) as the runtime
// needs it: one transaction per batch, in which the batch reads what it needs under the locks that
// make concurrent members safe, and writes its changes together with the ids it applied and its
// output for the analytics store. A batch replayed after a crash finds its ids applied and
// changes nothing twice; its output, committed but perhaps not yet in the analytics store, is
// pending until confirmed, and whoever takes the scope over writes it again (idempotently).
// connectors/postgres implements this over PostgreSQL (a server, or PGlite embedded).
import type { BatchLoadRequest, FindingMirrorChange, PatternSnapshot, StateChanges } from '../quality/patterns/pattern-state.ts';
import type { DeadLetter, Finding, IssueChange, RecordRow } from '../quality/model.ts';

/** A batch's output for the analytics store, kept with its state until the store has it. */
export interface AnalyticsOutput {
  readonly batchId: string;
  readonly scope: string;
  /** Where the batch ends in its source (its last message's coordinates): committed with its state. */
  readonly position: string;
  /**
   * When the write unit took several batches (Kafka partitions' chunks written together): each
   * its scope, id and position, in order. `batchId` is then the unit's own id, `scope` and
   * `position` the first batch's, and whoever takes any of these scopes over writes the output again.
   */
  readonly batches?: readonly ScopePosition[];
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  readonly deadLetters: readonly DeadLetter[];
  /** Versioned by `apply`, in commit order. */
  readonly findingMirror: readonly FindingMirrorChange[];
  readonly derivedAt: string;
}

/** Where one batch of a write unit ends in its scope. */
export interface ScopePosition {
  readonly scope: string;
  readonly batchId: string;
  readonly position: string;
}

export interface PendingOutput {
  readonly id: string;
  readonly output: AnalyticsOutput;
}

export interface StateTransaction {
  /** Of these event and dead-letter ids, the ones some batch already applied. */
  applied(ids: readonly string[]): Promise<Set<string>>;
  /** Locks, then loads, everything the batch may read or change (PatternSnapshot's contract). */
  load(request: BatchLoadRequest): Promise<PatternSnapshot>;
  /**
   * Writes the unit's changes, the ids it applied and its pending output, and records each of its
   * batches' position in its scope (`output.position`, or each of `output.batches`). Returns the output as committed (its finding-mirror rows versioned in
   * commit order, so that the analytics store keeps the last of each) and its id.
   */
  apply(changes: StateChanges, applied: readonly string[], output: AnalyticsOutput): Promise<PendingOutput>;
  /**
   * Whether the output `outputId` (an id `apply` returned) is committed and still pending: an
   * earlier attempt of the batch whose commit failed on the way back (the connection cut after
   * the server committed) did commit after all.
   */
  holdsPending(outputId: string): Promise<boolean>;
}

export interface StateStore {
  /** For logs: where the state lives (never with credentials). */
  readonly description: string;
  /**
   * Starts this process's tenure over a scope (or, for a process that owns everything, 'all'):
   * transactions of any earlier tenure are refused from now on. Returns the outputs committed
   * but not confirmed in the analytics store, for the caller to write again.
   */
  takeOver(scope: string | 'all'): Promise<PendingOutput[]>;
  /**
   * One write unit's transaction, over the scopes of its batches (one or several); ScopeLostError,
   * naming the scope, when one was taken over by another tenure.
   */
  transaction<T>(scopes: string | readonly string[], work: (tx: StateTransaction) => Promise<T>): Promise<T>;
  /** The analytics store holds the output: it is no longer pending. */
  confirm(outputId: string): Promise<void>;
  /** Distinct customers with an active finding, per rule. */
  activeFindingCounts(): Promise<Record<string, number>>;
  openIssueCount(): Promise<number>;
  /**
   * What a long-lived store needs now and then (see HousekeepingPlan): the applied ids outside
   * the window forgotten (a duplicate of one is applied again), outbox rows sent long enough ago
   * deleted, and, where nothing reclaims deleted rows' space on its own (the embedded store), that
   * space reclaimed. Once `stop` is aborted it ends after the statement running (the rest is left
   * for the next time).
   */
  housekeeping(plan: HousekeepingPlan, stop?: AbortSignal): Promise<HousekeepingDone>;
  close(): Promise<void>;
}

/** What housekeeping keeps (instants in ISO 8601). */
export interface HousekeepingPlan {
  /** The applied-id window: no id applied before `appliedBefore`, and only the newest `keepApplied`. */
  readonly appliedBefore: string;
  readonly keepApplied: number;
  /** Outbox rows sent before this are deleted: the relay is done with them. */
  readonly sentBefore: string;
}

export interface HousekeepingDone {
  readonly appliedIdsForgotten: number;
  readonly outboxRowsDeleted: number;
}
