// The stages every source shares, per batch:
//   decode → one state transaction [ which events are new (applied ids) → lock and load the state
//   they reach → record rules, masks, issue tracking and pattern rules, event by event → the
//   sinks that need the original bytes (dead-letter archive, topics) → write the state, the
//   applied ids and the analytics output ] → the analytics store (from the output committed with
//   the state) → the source may commit its position.
//
// The state transaction is the point of truth: a batch replayed after a crash finds its ids
// applied and changes nothing twice, and its output, if the analytics store did not get it,
// is pending in the state store and is written again when the scope is next taken over. Every
// call to a store or the topics goes through the outage retry (outage-retry.ts): a store that
// is down pauses the batch and retries it, and never skips it. A batch whose scope this process
// lost meanwhile (its signal aborts, or the state store refuses its tenure) is abandoned:
// nothing of it is counted or committed, and the scope's new owner reads it again.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { ChangeEvent } from '../contract/customer-change.ts';
import { eventTimeWindow, type InputLimits } from '../contract/bounds.ts';
import { sha256Hex, stableId } from '../contract/ids.ts';
import { ProcessingError, ScopeLostError } from '../errors.ts';
import type { VaultCipher } from '../privacy/vault-crypto.ts';
import { decodeMessage, type DeadLetterCode, type DecodeBounds, type EnvelopeAdapter } from '../quality/decode.ts';
import type { DeadLetter, RejectedMessage } from '../quality/model.ts';
import { evaluateBatch, EventFailed, loadRequestOf, preparedCandidateOf, type Candidate } from '../quality/evaluate-batch.ts';
import { PatternEngine } from '../quality/patterns/pattern-engine.ts';
import type { EventProcessorDeps } from '../quality/process-event.ts';
import type { Failpoint } from './failpoints.ts';
import type { MemoryGuard } from './memory-guard.ts';
import type { PipelineMetrics } from './metrics.ts';
import type { OutageRetry, RetrySignals } from './outage-retry.ts';
import type { BatchTally, RunStats } from './run-stats.ts';
import { ScopeTenures } from './scope-tenures.ts';
import type { BatchOutput, Sink } from './sink.ts';
import { formatCoordinates, type RawMessage, type SourceBatch, type StoreOwnership } from './source.ts';
import type { AnalyticsOutput, PendingOutput, StateStore, StateTransaction } from './state-store.ts';

export interface QualityPipelineDeps extends Omit<EventProcessorDeps, 'issues'> {
  readonly calendar: WorkingDayCalendar;
  /** From the source: shared means scopes move between processes and are taken over as they arrive. */
  readonly ownership: StoreOwnership;
  /** Other systems' envelopes mapped onto the contract (Debezium), handed to the decoder. */
  readonly adapters: readonly EnvelopeAdapter[];
  /** What a message must stay within (contract/bounds.ts); the event-time window follows the clock. */
  readonly bounds: {
    readonly limits: InputLimits;
    readonly eventTimeEarliest: string;
    readonly eventTimeAheadHours: number;
  };
  /** Issue and pattern state, applied ids, pending analytics outputs. */
  readonly state: StateStore;
  /** Seals raw contact data into the reveal vault for customers with an active issue; none: no vault. */
  readonly vault?: VaultCipher;
  /**
   * Written inside the batch's state transaction, before it commits, in this order: the sinks
   * that take the original bytes (the dead-letter archive first, then the topics). A failure
   * rolls the transaction back; the batch is then written again, so they must take repeats.
   */
  readonly sinks: readonly Sink[];
  /** Written after the state commits, from the output committed with it: the analytics store. */
  readonly analytics: Sink;
  readonly stats: RunStats;
  readonly logger: Logger;
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

/** An accepted message of a batch, decoded, with what preparing it gave. */
interface DecodedMessage {
  readonly event: ChangeEvent;
  readonly message: RawMessage;
  readonly index: number;
  /** Its candidate, or the stage failure that dead-letters it. */
  readonly prepared: Candidate | ProcessingError;
}

/** What a batch's preparation (no state) gives its transaction. */
interface PreparedBatch {
  /** The batch's processing time: dead letters' first sight, the event-time window, derivedAt. */
  readonly now: string;
  readonly decoded: readonly DecodedMessage[];
  /** Dead-lettered while decoding. */
  readonly rejected: readonly RejectedMessage[];
}

/** What one batch derived and committed, between its state transaction and the analytics store. */
interface CommittedBatch {
  readonly output: AnalyticsOutput;
  /** The pending output's id in the state store; '' when the batch changed nothing. */
  readonly outputId: string;
  /** What the run's counters gain once the batch is durable everywhere. */
  readonly tally: BatchTally;
}

export class QualityPipeline {
  readonly #deps: QualityPipelineDeps;
  readonly #tenures = new ScopeTenures();
  readonly #engine: PatternEngine;
  /**
   * The last batch handed over: through its state transaction, and durably written everywhere
   * (see `handle`). An abandoned batch does not hold up the ones after it: they belong to other
   * scopes.
   */
  #transacted: Promise<unknown> = Promise.resolve();
  #written: Promise<unknown> = Promise.resolve();

  constructor(deps: QualityPipelineDeps) {
    this.#deps = deps;
    this.#engine = new PatternEngine(deps.rules, deps.calendar, deps.now);
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

  /** The batch's fence (its scope lost) and the run's stop: what ends the retrying for it. */
  #signals(batch: SourceBatch): RetrySignals {
    return { fence: batch.signal, stop: this.#deps.stopSignal };
  }

  /** Whether `error` is the batch being given up, rather than a failure of the run. */
  #isAbandonment(batch: SourceBatch, error: unknown): boolean {
    if (error instanceof ScopeLostError && this.#deps.ownership === 'shared') return true;
    return (batch.signal?.aborted === true && error === batch.signal.reason) || (this.#deps.stopSignal?.aborted === true && error === this.#deps.stopSignal.reason);
  }

  /**
   * Batches go through their state transactions strictly in call order, and are written to the
   * analytics store strictly in call order, each after the previous batch's write: the analytics
   * store holds a prefix of each scope. A source may hand over the next batch before the previous
   * one resolved: its transaction then overlaps the previous batch's analytics write.
   *
   * A batch abandoned (its scope lost, or the run stopping during an outage) rejects with the
   * reason; later batches go on. Any other failure is the run's: the source must stop.
   */
  readonly handle = (batch: SourceBatch): Promise<void> => {
    const endTimer = this.#deps.metrics?.startBatchTimer();
    const previousWrite = this.#written;
    // Prepared at once, while earlier batches are still in their transactions: the work that
    // needs no state runs beside the store's (its own thread, or a server).
    const prepared = this.#prepare(batch);
    prepared.catch(() => undefined); // awaited by the transaction below
    const transacted = this.#transacted.then(() => this.#transact(batch, prepared, previousWrite));
    // Settles only once the batch's own transaction has: when an earlier write fails the run, the
    // caller tears the stores down after this rejects, and must not close one under a transaction.
    const written = transacted.then((committed) => previousWrite.then(() => this.#write(batch, committed)));
    const abandoned = (error: unknown) => this.#isAbandonment(batch, error);
    this.#transacted = transacted.catch((error: unknown) => {
      if (!abandoned(error)) throw error;
    });
    this.#written = written.catch((error: unknown) => {
      if (!abandoned(error)) throw error;
      // Its scope's next batch takes the scope over again: what the store holds is the truth.
      this.#tenures.end(batch.scope);
      this.#deps.logger.warn({ scope: batch.scope, batch: batch.id, reason: (error as Error).message }, 'batch abandoned uncommitted: its scope is taken over again with its next batch');
    });
    // The chains carry a failure on to later batches; the caller is told through `written`.
    this.#transacted.catch(() => undefined);
    this.#written.catch(() => undefined);
    return written.finally(() => endTimer?.());
  };

  /**
   * Pending outputs of the scope (or of every scope, for a process that owns the store) written to
   * the analytics store again: their batches committed their state, and then the process died
   * before the analytics store confirmed them. The same rows under the same deduplication tokens,
   * so what did arrive is not doubled.
   */
  async flushPending(pending: readonly PendingOutput[], signals: RetrySignals = { stop: this.#deps.stopSignal }): Promise<void> {
    const { analytics, retry, state, logger } = this.#deps;
    for (const { id, output } of pending) {
      const batch: SourceBatch = { id: output.batchId, scope: output.scope, tenure: 0, messages: [], ...(signals.fence ? { signal: signals.fence } : {}) };
      const out: BatchOutput = { ...output, deadLetters: output.deadLetters.map((deadLetter) => ({ deadLetter, payload: Buffer.alloc(0) })) };
      await retry.run(analytics.dependency, `writing a pending batch to the ${analytics.name}`, () => analytics.write(batch, out, { attempt: `pending:${id}`, signal: signals.fence }), signals);
      await retry.run('state', 'confirming a pending batch', () => state.confirm(id), signals);
    }
    if (pending.length > 0) logger.warn({ batches: pending.length }, 'wrote the analytics output of batches a previous run committed but did not finish writing');
  }

  /** The start of this process's tenure over a scope: the state store's fence, and its pending outputs. */
  async #takeOver(batch: SourceBatch, previousWrite: Promise<unknown>): Promise<void> {
    await previousWrite.catch(() => undefined); // a failed write fails this batch anyway
    this.#tenures.begin(batch.scope, batch.tenure);
    const pending = await this.#deps.retry.run('state', 'taking a scope over', () => this.#deps.state.takeOver(batch.scope), this.#signals(batch));
    await this.flushPending(pending, this.#signals(batch));
    this.#deps.logger.debug({ scope: batch.scope, tenure: batch.tenure }, 'scope taken over');
  }

  /** `previousWrite`: the analytics write of the batch handed over before this one. */
  async #transact(batch: SourceBatch, preparing: Promise<PreparedBatch>, previousWrite: Promise<unknown>): Promise<CommittedBatch> {
    this.#deps.memory?.check();
    if (this.#tenures.isNew(batch.scope, batch.tenure)) await this.#takeOver(batch, previousWrite);
    const { now, decoded, rejected } = await preparing;
    // An event a stage fails on is dead-lettered, and the batch's transaction runs again without
    // it: the pattern state it half-changed in memory is thrown away with the transaction.
    const failed = new Map<number, ProcessingError>(decoded.flatMap((d) => (d.prepared instanceof ProcessingError ? [[d.index, d.prepared] as const] : [])));
    // What the last attempt wrote before its commit: when the commit fails on the way back (the
    // connection cut after the server committed), the transaction is retried, finds the batch's
    // ids applied and would change nothing, leaving the committed output unwritten. So a retry
    // first asks whether that output is committed, and if so the batch is what it committed.
    let lastAttempt: CommittedBatch | undefined;
    for (;;) {
      try {
        return await this.#deps.retry.run(
          'state',
          'a batch transaction',
          () =>
            this.#deps.state.transaction(batch.scope, async (tx) => {
              const earlier = lastAttempt;
              lastAttempt = undefined;
              if (earlier && earlier.outputId !== '' && (await tx.holdsPending(earlier.outputId))) return earlier;
              lastAttempt = await this.#evaluate(batch, tx, now, decoded, rejected, failed);
              return lastAttempt;
            }),
          this.#signals(batch),
        );
      } catch (error) {
        if (!(error instanceof EventFailed) || failed.has(error.index)) throw error;
        failed.set(error.index, error.error);
      }
    }
  }

  /**
   * Everything of a batch that needs no state: decoding, and per event its tokens, masks, row and
   * record-rule verdicts. An event a stage fails on here is dead-lettered like one that fails in
   * the transaction.
   */
  async #prepare(batch: SourceBatch): Promise<PreparedBatch> {
    const now = this.#deps.now();
    const { limits, eventTimeEarliest, eventTimeAheadHours } = this.#deps.bounds;
    const bounds: DecodeBounds = { limits, eventTime: eventTimeWindow(eventTimeEarliest, eventTimeAheadHours, Date.parse(now)) };
    const prepareDeps = { rules: this.#deps.rules, tokenizer: this.#deps.tokenizer, now: this.#deps.now };
    const decoded: DecodedMessage[] = [];
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
      if (!result.ok) {
        rejected.push(this.#deadLetter(message, result.code, result.reason, result.errorPath, now));
        continue;
      }
      let prepared: Candidate | ProcessingError;
      try {
        prepared = preparedCandidateOf({ index, event: result.event, coordinates: formatCoordinates(message.coordinates) }, prepareDeps);
      } catch (error) {
        prepared = error instanceof ProcessingError ? error : new ProcessingError('process', error);
      }
      decoded.push({ event: result.event, message, index, prepared });
    }
    return { now, decoded, rejected };
  }

  /** The batch inside its state transaction; returns what it committed. */
  async #evaluate(
    batch: SourceBatch,
    tx: StateTransaction,
    now: string,
    decoded: readonly DecodedMessage[],
    decodeRejected: readonly RejectedMessage[],
    failed: ReadonlyMap<number, ProcessingError>,
  ): Promise<CommittedBatch> {
    const { tokenizer } = this.#deps;
    const rejected = [...decodeRejected];
    for (const { message, index } of decoded) {
      const error = failed.get(index);
      if (error) rejected.push(this.#processingFailure(message, error, now));
    }
    const eventIds = decoded.filter((d) => !failed.has(d.index)).map((d) => d.event.eventId);
    const applied = await tx.applied([...eventIds, ...rejected.map((r) => r.deadLetter.deadLetterId)]);

    // The new events, in order; the same event twice in one batch has one effect.
    const seen = new Set<string>();
    const fresh: Candidate[] = [];
    let duplicates = 0;
    for (const { event, index, prepared } of decoded) {
      if (failed.has(index) || prepared instanceof ProcessingError) continue;
      if (applied.has(event.eventId) || seen.has(event.eventId)) {
        duplicates += 1;
        continue;
      }
      seen.add(event.eventId);
      fresh.push(prepared);
    }
    const snapshot = await tx.load(loadRequestOf(fresh));
    const { records, findings, issueChanges, changes } = await evaluateBatch(fresh, snapshot, {
      rules: this.#deps.rules,
      tokenizer,
      calendar: this.#deps.calendar,
      engine: this.#engine,
      now: this.#deps.now,
      eventsPerTurn: MESSAGES_PER_TURN,
      ...(this.#deps.vault ? { vault: this.#deps.vault } : {}),
      ...(this.#deps.failpoint ? { beforeEvent: () => this.#deps.failpoint!('event.process') } : {}),
    });

    const tally: BatchTally = {
      read: batch.messages.length,
      accepted: decoded.length - failed.size,
      duplicates,
      deadLetterCodes: rejected.map((r) => r.deadLetter.reasonCode),
      findings: [],
      issues: { opened: 0, provisional: 0, updated: 0, resolved: 0, withdrawn: 0 },
    };
    for (const f of findings) tally.findings.push(f);
    for (const change of issueChanges) {
      if (change.change === 'opened') {
        tally.issues.opened += 1;
        if (change.issue.deadlineProvisional) tally.issues.provisional += 1;
      } else if (change.change === 'updated' || change.change === 'resolved' || change.change === 'withdrawn') tally.issues[change.change] += 1;
    }
    for (const r of rejected) {
      this.#deps.logger.warn(
        { deadLetter: r.deadLetter.deadLetterId, at: formatCoordinates(r.deadLetter.coordinates), reasonCode: r.deadLetter.reasonCode },
        `dead-lettered: ${r.deadLetter.reason}`,
      );
    }

    // A dead letter read again (a re-delivered batch, a file processed twice) is counted, but
    // archived, published and stored once: its id comes from its coordinates.
    const deadLetters = rejected.filter((r) => !applied.has(r.deadLetter.deadLetterId));
    const out: BatchOutput = { records, findings, issueChanges, deadLetters, findingMirror: [], derivedAt: now };
    // The sinks that need the original bytes, before the state commits: a crash in between writes
    // them again (they take repeats), never not at all.
    const options = { attempt: randomUUID(), signal: batch.signal };
    for (const sink of this.#deps.sinks) {
      await this.#deps.retry.run(sink.dependency, `writing a batch to the ${sink.name}`, () => sink.write(batch, out, options), this.#signals(batch));
    }
    const last = batch.messages.at(-1);
    const derived: AnalyticsOutput = {
      batchId: batch.id,
      scope: batch.scope,
      position: last ? formatCoordinates(last.coordinates) : '',
      records,
      findings,
      issueChanges,
      deadLetters: deadLetters.map((d) => d.deadLetter),
      findingMirror: changes.findingMirror,
      derivedAt: now,
    };
    const changed = records.length + deadLetters.length > 0;
    const appliedIds = [...fresh.map((c) => c.event.eventId), ...deadLetters.map((d) => d.deadLetter.deadLetterId)];
    const { id: outputId, output } = changed ? await tx.apply(changes, appliedIds, derived) : { id: '', output: derived };
    return { output, outputId, tally };
  }

  async #write(batch: SourceBatch, { output, outputId, tally }: CommittedBatch): Promise<void> {
    const { analytics, retry, state, logger } = this.#deps;
    if (outputId !== '') {
      const out: BatchOutput = { ...output, deadLetters: output.deadLetters.map((deadLetter) => ({ deadLetter, payload: Buffer.alloc(0) })) };
      const options = { attempt: `pending:${outputId}`, signal: batch.signal };
      await retry.run(analytics.dependency, `writing a batch to the ${analytics.name}`, () => analytics.write(batch, out, options), this.#signals(batch));
      this.#deps.failpoint?.('store.write.before-confirm');
      await retry.run('state', 'confirming a batch', () => state.confirm(outputId), this.#signals(batch));
    }
    this.#deps.stats.add(tally);
    this.#deps.metrics?.recordBatch({
      consumed: tally.read,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
      deadLetterReasons: tally.deadLetterCodes,
      findingRuleIds: output.findings.map((f) => f.ruleId),
      openedIssueQueues: output.issueChanges.filter((c) => c.change === 'opened').map((c) => c.issue.queue),
    });
    const provisional = output.issueChanges.filter((c) => c.change === 'opened' && c.issue.deadlineProvisional);
    if (provisional.length > 0) {
      const years = [...new Set(provisional.map((c) => c.issue.dueDate.slice(0, 4)))].sort();
      logger.warn(
        { issues: provisional.length, dueYears: years, batch: batch.id },
        'PROVISIONAL DEADLINES: the PRC holiday calendar data does not cover these dates; they were counted on weekdays only. Update chinese-days and recompute.',
      );
    }
  }
}
