// The stages every source shares: decode → de-duplicate → evaluate, mask, track issues → write.
// A batch handler resolves only when everything derived from the batch is durably written, so a
// source may then commit its position (file: nothing to do; Kafka: the offsets).
//
// Every call to the store and the topics goes through the outage retry (outage-retry.ts): a
// store that is down pauses the batch and retries it, and never skips it. A batch whose scope
// this process lost meanwhile (its signal aborted) is abandoned: nothing of it is counted or
// committed, what it changed in memory is undone, and the scope's next batch takes it over anew.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AnalyticsStore } from '../../connectors/clickhouse/analytics-store.ts';
import type { ChangeEvent } from '../contract/customer-change.ts';
import { eventTimeWindow, type InputLimits } from '../contract/bounds.ts';
import { ProcessingError } from '../errors.ts';
import { decodeMessage, type DeadLetterCode, type DecodeBounds, type EnvelopeAdapter } from '../quality/decode.ts';
import { sha256Hex, stableId } from '../contract/ids.ts';
import type { InMemoryIssueStateStore, IssueTracker } from '../quality/issue-tracker.ts';
import type { DeadLetter, Finding, IssueChange, RecordRow, RejectedMessage } from '../quality/model.ts';
import { processEvent, type EventProcessorDeps } from '../quality/process-event.ts';
import type { Failpoint } from './failpoints.ts';
import type { MemoryGuard } from './memory-guard.ts';
import type { PipelineMetrics } from './metrics.ts';
import type { OutageRetry, RetrySignals } from './outage-retry.ts';
import type { Sink } from './sink.ts';
import type { BatchTally, RunStats } from './run-stats.ts';
import { ScopeTenures } from './scope-tenures.ts';
import { formatCoordinates, type RawMessage, type SourceBatch, type StoreOwnership } from './source.ts';

export interface QualityPipelineDeps extends EventProcessorDeps {
  readonly issues: IssueTracker;
  /** The state `issues` works on: filled per scope in shared mode, forgotten when a tenure ends. */
  readonly issueState: InMemoryIssueStateStore;
  /** From the source: shared means scopes are taken over (repaired, state loaded) as they arrive. */
  readonly ownership: StoreOwnership;
  /** Other systems' envelopes mapped onto the contract (Debezium), handed to the decoder. */
  readonly adapters: readonly EnvelopeAdapter[];
  /** What a message must stay within (contract/bounds.ts); the event-time window follows the clock. */
  readonly bounds: {
    readonly limits: InputLimits;
    readonly eventTimeEarliest: string;
    readonly eventTimeAheadHours: number;
  };
  /** What the pipeline reads back: which events and dead letters are stored, open issues, repairs. */
  readonly store: AnalyticsStore;
  /** Where each batch goes, in this order (the dead-letter archive first); see sink.ts. */
  readonly sinks: readonly Sink[];
  readonly stats: RunStats;
  readonly logger: Logger;
  /**
   * Whether event ids are looked up in the store. False only when this process is the only writer
   * and the store was empty at start; with shared ownership it must be true, since another
   * process may have processed an event before the scope moved here.
   */
  readonly checkStoredEventIds: boolean;
  /** Bounds memory in long runs; ids older than this many are only found through the store. */
  readonly seenEventIdLimit?: number;
  /** Stops the run before V8 would abort it for want of memory; checked before each batch. */
  readonly memory?: MemoryGuard;
  /** Test hook (failpoints.ts): `event.process` fails inside one event's processing. */
  readonly failpoint?: Failpoint;
  /** Prometheus counters and the batch-duration histogram; optional. */
  readonly metrics?: PipelineMetrics;
  /** Retries store and topic calls through an outage, within the run's budget. */
  readonly retry: OutageRetry;
  /** The run's stop request: it ends a retry wait, so a stop does not wait out an outage. */
  readonly stopSignal?: AbortSignal;
}

/**
 * Preparing a batch gives the event loop a turn after this many messages. The previous batch's
 * write needs a turn between its inserts; without one it would stall until the whole batch is
 * prepared, and writing would no longer overlap preparing.
 */
const MESSAGES_PER_TURN = 500;

/** What one batch derived, between preparing it and writing it. */
interface PreparedBatch {
  readonly now: string;
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  /** Dead letters to archive, publish and store: those not stored before. */
  readonly rejected: readonly RejectedMessage[];
  /** What the run's counters gain once the batch is durable. */
  readonly tally: BatchTally;
  /** Event ids remembered as seen: forgotten again if the batch is abandoned. */
  readonly remembered: readonly string[];
}

/** A batch abandoned while it was being prepared: nothing to undo beyond the scope's tenure. */
const NOTHING_PREPARED: Pick<PreparedBatch, 'remembered'> = { remembered: [] };

export class QualityPipeline {
  readonly #deps: QualityPipelineDeps;
  readonly #seen = new Set<string>();
  readonly #tenures = new ScopeTenures();
  #checkStored: boolean;
  /**
   * The last batch handed over: prepared, and durably written (see `handle`). An abandoned batch
   * does not hold up the ones after it: they belong to other scopes.
   */
  #prepared: Promise<unknown> = Promise.resolve();
  #written: Promise<unknown> = Promise.resolve();

  constructor(deps: QualityPipelineDeps) {
    this.#deps = deps;
    this.#checkStored = deps.checkStoredEventIds;
  }

  #deadLetter(message: RawMessage, code: DeadLetterCode, reason: string, errorPath: string, now: string): RejectedMessage {
    const coordinates = message.coordinates;
    const deadLetter: DeadLetter = {
      deadLetterId: stableId('dead-letter', formatCoordinates(coordinates)),
      reasonCode: code,
      reason,
      errorPath,
      coordinates,
      sizeBytes: message.sizeBytes ?? message.value.length,
      payloadSha256: sha256Hex(message.value),
      firstSeenAt: now,
    };
    return { deadLetter, payload: message.value, key: message.key };
  }

  /**
   * The dead letter of an event a stage failed on: the stage and the error's class, never its
   * message (it may quote a value). The stack goes to the log without its message line, so a
   * check's bug can be found without the value that triggered it.
   */
  #processingFailure(message: RawMessage, error: ProcessingError, now: string): RejectedMessage {
    const frames = error.cause instanceof Error && error.cause.stack ? error.cause.stack.split('\n').slice(1, 8).map((l) => l.trim()) : [];
    this.#deps.logger.error(
      { at: formatCoordinates(message.coordinates), stage: error.stage, errorClass: error.causeClass, frames },
      'processing an event failed: dead-lettered, the run goes on',
    );
    return this.#deadLetter(message, 'processing-error', error.message, '', now);
  }

  #remember(eventId: string): void {
    this.#seen.add(eventId);
    const limit = this.#deps.seenEventIdLimit ?? 1_000_000;
    if (this.#seen.size > limit) {
      // Sets iterate in insertion order: drop the oldest; the store lookup covers them from now on.
      this.#checkStored = true;
      const first = this.#seen.values().next();
      if (!first.done) this.#seen.delete(first.value);
    }
  }

  /** A store call on behalf of `batch`, retried through an outage until the batch is abandoned or the run stops. */
  #store<T>(batch: SourceBatch, what: string, call: () => Promise<T>): Promise<T> {
    return this.#deps.retry.run('store', what, call, this.#signals(batch));
  }

  /** The batch's fence (its scope lost) and the run's stop: what ends the retrying for it. */
  #signals(batch: SourceBatch): RetrySignals {
    return { fence: batch.signal, stop: this.#deps.stopSignal };
  }

  /** Whether `error` is the batch being given up (see `#signals`), rather than a failure. */
  #isAbandonment(batch: SourceBatch, error: unknown): boolean {
    return (batch.signal?.aborted === true && error === batch.signal.reason) || (this.#deps.stopSignal?.aborted === true && error === this.#deps.stopSignal.reason);
  }

  /**
   * Batches are prepared (decoded, evaluated, issue state advanced) strictly in call order, and
   * written strictly in call order, each only after the previous batch's write succeeded, so the
   * store always holds a prefix of each scope. A source may hand over the next batch before the
   * previous one resolved: preparing it then overlaps writing the previous one.
   *
   * A batch whose signal aborts (its scope was lost, or the run stops during an outage) is
   * abandoned and rejects with the signal's reason; later batches go on. Any other failure is the
   * run's: every later batch fails too, because the in-memory state is ahead of the store, and the
   * source must stop, not retry.
   */
  readonly handle = (batch: SourceBatch): Promise<void> => {
    const endTimer = this.#deps.metrics?.startBatchTimer();
    const previousWrite = this.#written;
    const prepared = this.#prepared.then(() => this.#prepare(batch, previousWrite));
    const written = Promise.all([prepared, this.#written]).then(([out]) => this.#commit(batch, out));
    const abandoned = (error: unknown) => this.#isAbandonment(batch, error);
    // An abandoned batch is undone once, when its write settles (below); later batches prepare on.
    this.#prepared = prepared.catch((error: unknown) => {
      if (!abandoned(error)) throw error;
    });
    this.#written = written.catch(async (error: unknown) => {
      if (!abandoned(error)) throw error;
      const out = await prepared.catch(() => NOTHING_PREPARED);
      this.#abandon(batch, out);
    });
    // The chains carry a failure on to later batches; the caller is told through `written`.
    this.#prepared.catch(() => undefined);
    this.#written.catch(() => undefined);
    return written.finally(() => endTimer?.());
  };

  /**
   * Undoes what an abandoned batch did in memory: its events are no longer seen (whoever reads
   * them again must process them), and its scope's tenure ends, so the issue state cached for
   * the scope is dropped and the scope's next batch takes it over as if it had just arrived:
   * repairing what the abandoned write left, and loading issue state from the store.
   */
  #abandon(batch: SourceBatch, out: Pick<PreparedBatch, 'remembered'>): void {
    for (const id of out.remembered) this.#seen.delete(id);
    for (const token of this.#tenures.end(batch.scope)) this.#deps.issueState.forget(token);
    this.#deps.logger.warn({ scope: batch.scope, batch: batch.id, events: out.remembered.length }, 'batch abandoned uncommitted: its scope is taken over again with its next batch');
  }

  /**
   * The start of this process's tenure over a scope (shared mode): everything it wrote before is
   * stored, a batch the scope's previous writer left half-written is undone, and issue state
   * cached from an earlier tenure is dropped, because another process may have changed it.
   */
  async #takeOver(batch: SourceBatch, previousWrite: Promise<unknown>): Promise<void> {
    const { store, logger, issueState } = this.#deps;
    await previousWrite.catch(() => undefined); // a failed write fails this batch's commit anyway
    for (const token of this.#tenures.begin(batch.scope, batch.tenure)) issueState.forget(token);
    const repaired = await this.#store(batch, 'repairing an interrupted batch', () => store.repairInterruptedBatches([batch.scope]));
    if (repaired > 0) {
      logger.warn(
        { scope: batch.scope, repair: store.lastRepair },
        'took over a scope whose previous writer left a batch half-written: removed it; its events are processed again',
      );
    }
    logger.debug({ scope: batch.scope, tenure: batch.tenure }, 'scope taken over');
  }

  /** `previousWrite`: the write of the batch handed over before this one. */
  async #prepare(batch: SourceBatch, previousWrite: Promise<unknown>): Promise<PreparedBatch> {
    const { logger, store } = this.#deps;
    this.#deps.memory?.check();
    const shared = this.#deps.ownership === 'shared';
    if (shared && this.#tenures.isNew(batch.scope, batch.tenure)) await this.#takeOver(batch, previousWrite);
    const now = this.#deps.now();
    const { limits, eventTimeEarliest, eventTimeAheadHours } = this.#deps.bounds;
    const bounds: DecodeBounds = { limits, eventTime: eventTimeWindow(eventTimeEarliest, eventTimeAheadHours, Date.parse(now)) };
    const decoded: { event: ChangeEvent; message: RawMessage }[] = [];
    const rejected: RejectedMessage[] = [];

    for (const [index, message] of batch.messages.entries()) {
      if (index > 0 && index % MESSAGES_PER_TURN === 0) await nextTurn();
      let result: ReturnType<typeof decodeMessage>;
      try {
        // A file line cut short (sizeBytes) still holds one byte more than the limit: too large here too.
        result = decodeMessage(message.value, this.#deps.adapters, bounds);
      } catch (error) {
        rejected.push(this.#processingFailure(message, new ProcessingError('decode', error), now));
        continue;
      }
      if (result.ok) decoded.push({ event: result.event, message });
      else rejected.push(this.#deadLetter(message, result.code, result.reason, result.errorPath, now));
    }

    const lookup = decoded.map((a) => a.event.eventId).filter((id) => !this.#seen.has(id));
    const stored = this.#checkStored && lookup.length > 0 ? await this.#store(batch, 'looking up stored events', () => store.storedEventIds(lookup)) : new Set<string>();

    if (shared) {
      // Issue state of customers first seen in this tenure comes from the store, as the scope's
      // previous writers left it.
      const tokens: string[] = [];
      for (const { event } of decoded) {
        if (event.schema !== 'customer-change/v1' || this.#seen.has(event.eventId) || stored.has(event.eventId)) continue;
        tokens.push(this.#deps.tokenizer.token('customer', event.customerId));
      }
      const unloaded = this.#tenures.claimUnloaded(batch.scope, tokens);
      if (unloaded.length > 0) {
        for (const issue of await this.#store(batch, 'loading open issues', () => store.openIssues(unloaded))) this.#deps.issueState.put(issue);
      }
    }

    const tally: BatchTally = {
      read: batch.messages.length,
      accepted: 0,
      duplicates: 0,
      deadLetterCodes: [],
      findings: [],
      issues: { opened: 0, provisional: 0, updated: 0, resolved: 0, withdrawn: 0 },
    };
    const remembered: string[] = [];
    const records: RecordRow[] = [];
    const findings: Finding[] = [];
    const issueChanges: IssueChange[] = [];
    for (const [index, { event, message }] of decoded.entries()) {
      if (index > 0 && index % MESSAGES_PER_TURN === 0) await nextTurn();
      const { eventId } = event;
      if (this.#seen.has(eventId) || stored.has(eventId)) {
        tally.accepted += 1;
        tally.duplicates += 1;
        continue;
      }
      let out: ReturnType<typeof processEvent>;
      try {
        this.#deps.failpoint?.('event.process');
        out = processEvent(event, formatCoordinates(message.coordinates), this.#deps);
      } catch (error) {
        // About this event alone: it is dead-lettered and the batch goes on. processEvent changes
        // issue state only once nothing can fail any more, so the event left no trace.
        rejected.push(this.#processingFailure(message, error instanceof ProcessingError ? error : new ProcessingError('process', error), now));
        continue;
      }
      // Only an event that was processed counts as seen: a failed one is evaluated again (and
      // dead-lettered again) if it comes back.
      this.#remember(eventId);
      remembered.push(eventId);
      tally.accepted += 1;
      records.push(out.record);
      for (const f of out.findings) {
        findings.push(f);
        tally.findings.push(f);
      }
      for (const change of out.issueChanges) {
        issueChanges.push(change);
        if (change.change === 'opened') {
          tally.issues.opened += 1;
          if (change.issue.deadlineProvisional) tally.issues.provisional += 1;
        } else tally.issues[change.change] += 1;
      }
    }

    for (const r of rejected) {
      tally.deadLetterCodes.push(r.deadLetter.reasonCode);
      logger.warn(
        { deadLetter: r.deadLetter.deadLetterId, at: formatCoordinates(r.deadLetter.coordinates), reasonCode: r.deadLetter.reasonCode },
        `dead-lettered: ${r.deadLetter.reason}`,
      );
    }
    // A dead letter read again (a file processed again, a re-delivered batch) is counted, but
    // archived, published and stored once: its id comes from its coordinates.
    const storedDeadLetters =
      this.#checkStored && rejected.length > 0
        ? await this.#store(batch, 'looking up stored dead letters', () => store.storedDeadLetterIds(rejected.map((r) => r.deadLetter.deadLetterId)))
        : new Set<string>();
    const fresh = storedDeadLetters.size === 0 ? rejected : rejected.filter((r) => !storedDeadLetters.has(r.deadLetter.deadLetterId));
    return { now, records, findings, issueChanges, rejected: fresh, tally, remembered };
  }

  async #commit(batch: SourceBatch, { now, records, findings, issueChanges, rejected, tally }: PreparedBatch): Promise<void> {
    const { logger, retry } = this.#deps;
    // Every sink in order: the original bytes first (the archive), then the topics, then the
    // analytics store. Published before stored: events and dead letters found in the store are
    // skipped when read again, so whatever is stored must have been published already; a crash
    // in between publishes again (at-least-once; consumers de-duplicate on ids), never not at all.
    // One attempt id for every try of this batch, so the store's batch log sees one attempt.
    const out = { records, findings, issueChanges, deadLetters: rejected, derivedAt: now };
    const options = { attempt: randomUUID(), signal: batch.signal };
    for (const sink of this.#deps.sinks) {
      await retry.run(sink.dependency, `writing a batch to the ${sink.name}`, () => sink.write(batch, out, options), this.#signals(batch));
    }
    this.#deps.stats.add(tally);
    this.#deps.metrics?.recordBatch({
      consumed: tally.read,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
      deadLetterReasons: tally.deadLetterCodes,
      findingRuleIds: findings.map((f) => f.ruleId),
      openedIssueQueues: issueChanges.filter((c) => c.change === 'opened').map((c) => c.issue.queue),
    });
    const provisional = issueChanges.filter((c) => c.change === 'opened' && c.issue.deadlineProvisional);
    if (provisional.length > 0) {
      const years = [...new Set(provisional.map((c) => c.issue.dueDate.slice(0, 4)))].sort();
      logger.warn(
        { issues: provisional.length, dueYears: years, batch: batch.id },
        'PROVISIONAL DEADLINES: the PRC holiday calendar data does not cover these dates; they were counted on weekdays only. Update chinese-days and recompute.',
      );
    }
  }
}
