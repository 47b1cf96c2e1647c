// The stages every source shares: per batch, decode (ahead, beside the store's work); then per
// write unit (the batches waiting for the state store, of one scope or several, see `handle`):
//   one state transaction [ which events are new (applied ids) → lock and load the state
//   they reach → record rules, masks, issue tracking and pattern rules, event by event → the
//   sinks that need the original bytes (dead-letter archive, topics) → write the state, the
//   applied ids and the analytics output ] → the analytics store (from the output committed with
//   the state) → the source may commit each batch's position.
//
// The state transaction is the point of truth: a batch replayed after a crash finds its ids
// applied and changes nothing twice, and its output, if the analytics store did not get it,
// is pending in the state store and is written again when the scope is next taken over. Every
// call to a store or the topics goes through the outage retry (outage-retry.ts): a store that
// is down pauses the unit and retries it, and never skips it. A batch whose scope this process
// lost meanwhile (its signal aborts, or the state store refuses its tenure) is abandoned:
// nothing of it is counted or committed, and the scope's new owner reads it again; the rest of
// its unit goes on without it.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
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
import { allAborted, takeUnit, unitId } from './write-units.ts';

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
  /**
   * Write units (see `handle`): batches waiting for a transaction go together up to `messages`
   * (a batch larger is a unit alone); a unit short of that waits `waitMs` for more before its transaction.
   */
  readonly writeUnit: { readonly messages: number; readonly waitMs: number };
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
 * write needs a turn between its inserts, and the state store's replies one each: a reply waits
 * for the turn, and the store's thread waits for the next statement. At 500 messages a turn
 * (20–50 ms) the replies of a run over the bench's 75,000-customer stream waited 12.6 s in all;
 * at 100, 5.0 s.
 */
const MESSAGES_PER_TURN = 100;

/**
 * A unit's rules give the event loop a turn after this many events: less often than preparation,
 * because the rules run inside the unit's transaction, with the store's thread waiting for their
 * writes, while preparing the next batch waits for nothing. Each turn let a slice of that
 * preparation in ahead of the rest of the rules. Over the bench's 75,000-customer stream the
 * store's thread sat idle inside transactions 9.9 s at 1,000 (mean of 3 file runs) against 12.4 s
 * at 100, in turns with the same build; the runs took 44.1 s against 46.2. A turn still comes
 * every 20–30 ms of rules, for the previous unit's analytics write and the store's replies.
 */
const EVENTS_PER_TURN_IN_TRANSACTION = 1000;

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

/** A batch handed over, waiting for its unit; settled once its unit is written (or it is abandoned). */
interface QueuedBatch {
  readonly batch: SourceBatch;
  /** Its preparation, started once (see `#prepareAhead`). */
  readonly prepared: () => Promise<PreparedBatch>;
  /**
   * Lets its preparation go once the unit's transaction is over: the analytics write that follows
   * needs only what the transaction derived, and a unit's decoded events would otherwise stay in
   * memory for that write's whole length, beside the next unit's and the one prepared after it.
   */
  readonly forgetPrepared: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Batches that go through one state transaction and one analytics write together. */
interface UnitRef {
  /** A batch alone: its own id; several: derived from theirs (the analytics inserts' token). */
  readonly id: string;
  readonly members: readonly QueuedBatch[];
  readonly batches: readonly SourceBatch[];
  /** Aborted once every batch of the unit is lost: until then the unit is written for the rest. */
  readonly signal?: AbortSignal;
  /** Takes the signal's listeners off the batches' signals, once the unit is settled. */
  readonly release: () => void;
}

/** A decoded message of a unit, indexed across the unit, with the batch it came in. */
interface UnitMessage extends DecodedMessage {
  readonly from: QueuedBatch;
}

interface UnitRejection {
  readonly rejected: RejectedMessage;
  readonly from: QueuedBatch;
}

/** Where a batch ends in its source: its last message's coordinates. */
function positionOf(batch: SourceBatch): string {
  const last = batch.messages.at(-1);
  return last ? formatCoordinates(last.coordinates) : '';
}

/** What one unit derived and committed, between its state transaction and the analytics store. */
interface CommittedUnit extends UnitRef {
  readonly output: AnalyticsOutput;
  /** The pending output's id in the state store; '' when the unit changed nothing. */
  readonly outputId: string;
  /** What the run's counters gain once the unit is durable everywhere. */
  readonly tally: BatchTally;
}

export class QualityPipeline {
  readonly #deps: QualityPipelineDeps;
  readonly #tenures = new ScopeTenures();
  readonly #engine: PatternEngine;
  /** Handed over, not yet in a unit (see `handle`). */
  readonly #queue: QueuedBatch[] = [];
  #pumping = false;
  /** The run's failure, once a transaction met one: every batch after it is refused with it. */
  #failure: { readonly error: unknown } | undefined;
  /**
   * The last unit's analytics write. An abandoned unit does not hold up the ones after it: they
   * belong to other scopes, or take the scope over again.
   */
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

  /**
   * What ends the retrying for these batches: the run's stop, and the fence of any of them (its
   * scope lost), so that the unit goes on without it.
   */
  #signals(batches: readonly SourceBatch[]): RetrySignals {
    const fences = [...new Set(batches.flatMap((b) => (b.signal ? [b.signal] : [])))];
    return { fence: fences.length <= 1 ? fences[0] : AbortSignal.any(fences), stop: this.#deps.stopSignal };
  }

  /**
   * Gives batches up uncommitted: each rejects with its own fence's reason when that aborted (else
   * with `error`), and its scope's next batch takes the scope over again: what the store holds is
   * the truth.
   */
  #abandon(batches: readonly QueuedBatch[], error: unknown): void {
    for (const m of batches) {
      m.reject(m.batch.signal?.aborted ? m.batch.signal.reason : error);
      this.#tenures.end(m.batch.scope);
      this.#deps.logger.warn({ scope: m.batch.scope, batch: m.batch.id, reason: (error as Error).message }, 'batch abandoned uncommitted: its scope is taken over again with its next batch');
    }
  }

  /** Whether `error` is batches of the unit being given up, rather than a failure of the run. */
  #isAbandonment(members: readonly QueuedBatch[], error: unknown): boolean {
    if (error instanceof ScopeLostError && this.#deps.ownership === 'shared') return true;
    if (this.#deps.stopSignal?.aborted === true && error === this.#deps.stopSignal.reason) return true;
    return members.some((m) => m.batch.signal?.aborted === true && error === m.batch.signal.reason);
  }

  /**
   * Batches go through their state transactions strictly in call order, and are written to the
   * analytics store strictly in call order, each after the previous write: the analytics store
   * holds a prefix of each scope. A source may hand over the next batch before the previous one
   * resolved: its transaction then overlaps the previous analytics write.
   *
   * Batches handed over while a transaction runs wait for it, and then go together as one write
   * unit (up to `writeUnit.messages` messages): one state transaction, one write per analytics
   * table, one publish. A unit is as large as the load makes it: a batch arriving at an idle
   * pipeline goes (after `writeUnit.waitMs`, for the rest of its fetch) with what came with it,
   * and under load the fixed cost of a transaction and its inserts (measured: about as much as 100
   * events' work) is paid once for all the partitions' chunks that waited.
   *
   * A batch abandoned (its scope lost, or the run stopping during an outage) rejects with the
   * reason; the rest of its unit goes on without it, and so do later batches. Any other failure
   * is the run's: the source must stop.
   */
  readonly handle = (batch: SourceBatch): Promise<void> => {
    const endTimer = this.#deps.metrics?.startBatchTimer();
    let preparing: Promise<PreparedBatch> | undefined;
    const prepared = () => {
      if (!preparing) {
        preparing = this.#prepare(batch);
        preparing.catch(() => undefined); // awaited by the unit's transaction
      }
      return preparing;
    };
    // Nothing asks for it again: only the unit's transaction reads it, before this is called.
    const forgetPrepared = () => (preparing = undefined);
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ batch, prepared, forgetPrepared, resolve, reject }));
    this.#prepareAhead();
    void this.#pump();
    return done.finally(() => endTimer?.());
  };

  /**
   * Prepares the next unit's batches while the unit before it is in its transaction: the work
   * that needs no state runs beside the store's (its own thread, or a server). No further: a
   * Kafka fetch hands over every partition's chunk at once, and what is prepared is held in
   * memory until its unit commits.
   */
  #prepareAhead(): void {
    let room = this.#deps.writeUnit.messages;
    for (const queued of this.#queue) {
      if (room <= 0) break;
      void queued.prepared();
      room -= queued.batch.messages.length;
    }
  }

  /** Takes the queued batches unit by unit through their transactions; one pump at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        // Short of a full unit: the batches handed over with these (a fetch's other partitions,
        // one after another) join them. Measured at 2,000 events/s offered: waiting only when the
        // pipeline was idle left half the partitions' chunks a transaction behind (p50 519 ms
        // against 385 ms).
        if (this.#deps.writeUnit.waitMs > 0 && this.#queuedMessages() < this.#deps.writeUnit.messages) await sleep(this.#deps.writeUnit.waitMs);
        const members = takeUnit(this.#queue, this.#deps.writeUnit.messages);
        this.#prepareAhead();
        if (this.#failure !== undefined) {
          for (const m of members) m.reject(this.#failure.error);
          continue;
        }
        const previousWrite = this.#written;
        let committed: CommittedUnit | undefined;
        try {
          committed = await this.#transact(members, previousWrite);
        } catch (error) {
          // The run's failure: this unit's batches and every later one are refused with it.
          this.#failure = { error };
          for (const m of members) m.reject(error);
          continue;
        } finally {
          for (const m of members) m.forgetPrepared();
        }
        if (committed === undefined) continue; // every batch of it was abandoned
        const unit = committed;
        const written = previousWrite.then(() => this.#write(unit));
        written.finally(unit.release).catch(() => undefined);
        written.then(
          () => unit.members.forEach((m) => m.resolve()),
          (error: unknown) => {
            if (this.#isAbandonment(unit.members, error)) this.#abandon(unit.members, error);
            else for (const m of unit.members) m.reject(error);
          },
        );
        // A failed write fails the writes after it (each follows the one before); an abandoned one does not.
        this.#written = written.catch((error: unknown) => {
          if (!this.#isAbandonment(unit.members, error)) throw error;
        });
        this.#written.catch(() => undefined);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #queuedMessages(): number {
    return this.#queue.reduce((n, q) => n + q.batch.messages.length, 0);
  }

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
    const pending = await this.#deps.retry.run('state', 'taking a scope over', () => this.#deps.state.takeOver(batch.scope), this.#signals([batch]));
    await this.flushPending(pending, this.#signals([batch]));
    this.#deps.logger.debug({ scope: batch.scope, tenure: batch.tenure }, 'scope taken over');
  }

  /**
   * A unit's transaction. Its batches whose scope is lost on the way are abandoned (rejected with
   * the reason) and the transaction runs again without them; undefined when none is left.
   * `previousWrite`: the analytics write of the unit before this one.
   */
  async #transact(queued: readonly QueuedBatch[], previousWrite: Promise<unknown>): Promise<CommittedUnit | undefined> {
    this.#deps.memory?.check();
    let live = [...queued];
    const abandon = (lost: readonly QueuedBatch[], error: unknown) => {
      this.#abandon(lost, error);
      live = live.filter((m) => !lost.includes(m));
    };
    for (const m of queued) {
      if (!this.#tenures.isNew(m.batch.scope, m.batch.tenure)) continue;
      try {
        await this.#takeOver(m.batch, previousWrite);
      } catch (error) {
        if (!this.#isAbandonment([m], error)) throw error;
        abandon([m], error);
      }
    }
    // One index space over the unit: a failure names an event by it, across the unit's batches.
    const decoded: UnitMessage[] = [];
    const rejected: UnitRejection[] = [];
    let offset = 0;
    let now = '';
    for (const m of queued) {
      const p = await m.prepared();
      now ||= p.now;
      for (const d of p.decoded) {
        const index = offset + d.index;
        decoded.push({ ...d, index, from: m, prepared: d.prepared instanceof ProcessingError ? d.prepared : { ...d.prepared, index } });
      }
      for (const r of p.rejected) rejected.push({ rejected: r, from: m });
      offset += m.batch.messages.length;
    }
    // An event a stage fails on is dead-lettered, and the unit's transaction runs again without
    // it: the pattern state it half-changed in memory is thrown away with the transaction.
    const failed = new Map<number, ProcessingError>(decoded.flatMap((d) => (d.prepared instanceof ProcessingError ? [[d.index, d.prepared] as const] : [])));
    // What the last attempt wrote before its commit: when the commit fails on the way back (the
    // connection cut after the server committed), the transaction is retried, finds the unit's
    // ids applied and would change nothing, leaving the committed output unwritten. So a retry
    // first asks whether that output is committed, and if so the unit is what it committed.
    let lastAttempt: CommittedUnit | undefined;
    for (;;) {
      if (live.length === 0) return undefined;
      const members = live;
      const unit = this.#unitOf(members);
      try {
        const committed = await this.#deps.retry.run(
          'state',
          'a batch transaction',
          () =>
            this.#deps.state.transaction(
              members.map((m) => m.batch.scope),
              async (tx) => {
                const earlier = lastAttempt;
                lastAttempt = undefined;
                if (earlier && earlier.outputId !== '' && (await tx.holdsPending(earlier.outputId))) return earlier;
                const inUnit = (x: { from: QueuedBatch }) => members.includes(x.from);
                lastAttempt = await this.#evaluate(
                  unit,
                  tx,
                  now,
                  decoded.filter(inUnit),
                  rejected.filter(inUnit).map((r) => r.rejected),
                  failed,
                );
                return lastAttempt;
              },
            ),
          this.#signals(members.map((m) => m.batch)),
        );
        // An earlier attempt's unit, committed after all: this attempt's signal is not needed.
        if (committed.release !== unit.release) unit.release();
        return committed;
      } catch (error) {
        unit.release();
        if (error instanceof EventFailed && !failed.has(error.index)) {
          failed.set(error.index, error.error);
          continue;
        }
        if (!this.#isAbandonment(members, error)) throw error;
        const stopping = this.#deps.stopSignal?.aborted === true && error === this.#deps.stopSignal.reason;
        const lost = stopping ? members : members.filter((m) => m.batch.signal?.aborted === true || (error instanceof ScopeLostError && error.scope === m.batch.scope));
        abandon(lost.length > 0 ? lost : members, error);
      }
    }
  }

  /** The unit the batches make: a batch alone keeps its own id, so its inserts' tokens are its own. */
  #unitOf(members: readonly QueuedBatch[]): UnitRef {
    const batches = members.map((m) => m.batch);
    const id = unitId(batches);
    const { signal, release } = allAborted(batches.map((b) => b.signal));
    return { id, members, batches, release, ...(signal ? { signal } : {}) };
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

  /** The unit inside its state transaction; returns what it committed. */
  async #evaluate(
    unit: UnitRef,
    tx: StateTransaction,
    now: string,
    decoded: readonly DecodedMessage[],
    decodeRejected: readonly RejectedMessage[],
    failed: ReadonlyMap<number, ProcessingError>,
  ): Promise<CommittedUnit> {
    const { tokenizer } = this.#deps;
    const rejected = [...decodeRejected];
    for (const { message, index } of decoded) {
      const error = failed.get(index);
      if (error) rejected.push(this.#processingFailure(message, error, now));
    }
    const eventIds = decoded.filter((d) => !failed.has(d.index)).map((d) => d.event.eventId);
    const applied = await tx.applied([...eventIds, ...rejected.map((r) => r.deadLetter.deadLetterId)]);

    // The new events, in order; the same event twice in one unit has one effect.
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
      eventsPerTurn: EVENTS_PER_TURN_IN_TRANSACTION,
      ...(this.#deps.vault ? { vault: this.#deps.vault } : {}),
      ...(this.#deps.failpoint ? { beforeEvent: () => this.#deps.failpoint!('event.process') } : {}),
    });

    const tally: BatchTally = {
      read: unit.batches.reduce((n, b) => n + b.messages.length, 0),
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
    const ref = this.#refOf(unit);
    const options = { attempt: randomUUID(), signal: unit.signal };
    for (const sink of this.#deps.sinks) {
      await this.#deps.retry.run(sink.dependency, `writing a batch to the ${sink.name}`, () => sink.write(ref, out, options), this.#signals(unit.batches));
    }
    const positions = unit.batches.map((b) => ({ scope: b.scope, batchId: b.id, position: positionOf(b) }));
    const derived: AnalyticsOutput = {
      batchId: unit.id,
      scope: positions[0]!.scope,
      position: positions[0]!.position,
      ...(positions.length > 1 ? { batches: positions } : {}),
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
    return { ...unit, output, outputId, tally };
  }

  /** The unit as its sinks see a batch: the batch itself when alone. */
  #refOf(unit: UnitRef): SourceBatch {
    if (unit.batches.length === 1) return unit.batches[0]!;
    const first = unit.batches[0]!;
    return { id: unit.id, scope: first.scope, tenure: first.tenure, messages: [], ...(unit.signal ? { signal: unit.signal } : {}) };
  }

  async #write(unit: CommittedUnit): Promise<void> {
    const { output, outputId, tally } = unit;
    const { analytics, retry, state, logger } = this.#deps;
    if (outputId !== '') {
      const out: BatchOutput = { ...output, deadLetters: output.deadLetters.map((deadLetter) => ({ deadLetter, payload: Buffer.alloc(0) })) };
      const options = { attempt: `pending:${outputId}`, signal: unit.signal };
      // Committed: written for as long as any batch of the unit is still this process's.
      const signals: RetrySignals = { fence: unit.signal, stop: this.#deps.stopSignal };
      await retry.run(analytics.dependency, `writing a batch to the ${analytics.name}`, () => analytics.write(this.#refOf(unit), out, options), signals);
      this.#deps.failpoint?.('store.write.before-confirm');
      await retry.run('state', 'confirming a batch', () => state.confirm(outputId), signals);
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
        { issues: provisional.length, dueYears: years, batch: unit.id },
        'PROVISIONAL DEADLINES: the PRC holiday calendar data does not cover these dates; they were counted on weekdays only. Update chinese-days and recompute.',
      );
    }
  }
}
