// Kafka as a Source: one consumer-group member reading the customer and agent topics. Offsets are
// committed only after the pipeline has durably written (and published) everything derived from
// a chunk, so a crash re-delivers rather than loses; the pipeline's event-id de-duplication
// against the store turns the re-delivery into a no-op.
//
// Backpressure: kafkajs fetches a partition's next batch only after eachBatch resolves, and
// eachBatch awaits the store write, so in-flight work is bounded by one fetch (at most maxBytes,
// each partition's share at most maxBytesPerPartition). The pipeline writes the chunks of one
// fetch in write units across partitions, and prepares only the next unit ahead.
//
// Tombstones (null values, as Debezium emits after a delete) are not change events: they are
// skipped, counted in `tombstones` (not in `read`), and their offsets committed with the chunk.
//
// Several processes in one group share the partitions (ownership `shared`). Each batch names its
// partition (scope) and this member's tenure over it; a partition that comes (back) to this member
// in a rebalance starts a new tenure, so the pipeline drops what it cached for it and repairs what
// a crashed previous owner left half-written. kafkajs finishes the running eachBatch calls before
// it rejoins the group, so two members never process one partition at the same time, unless a
// chunk takes longer than the rebalance timeout.
//
// Slow or unavailable stores. While a chunk is handled — which takes long when the store is slow,
// or retries while it is down — the member keeps heartbeating, so the group does not evict it and
// no rebalance storm follows. A heartbeat that meets a rebalance means partitions may be moving:
// every chunk in flight is then given up uncommitted (its batch signal aborts), and no insert of
// it starts any more (analytics-store.ts checks the signal before each). The inserts already in
// flight end within the store's request timeout (30 s), and the group cannot hand the partition
// to another member before this one rejoins or the rebalance timeout (60 s) passes, whichever
// comes first; so a member that lost its partitions writes nothing after their new owner began.
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { describeCause, ScopeLostError, VerityError } from '../../pipelines/errors.ts';
import type { Failpoint } from '../../pipelines/runtime/failpoints.ts';
import type { BatchHandler, RawMessage, Source, SourceContext } from '../../pipelines/runtime/source.ts';
import { brokerCall } from './kafka-errors.ts';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly batchSize: number;
  readonly partitionsConcurrency: number;
  /** One fetch's most bytes, all partitions (see `maxBytes` in run); absent: kafkajs's default, 10 MB. */
  readonly fetchMaxBytes?: number;
  /** Stop once the group's committed offsets reach the high watermarks the topics had at start. */
  readonly once: boolean;
  readonly logger: Logger;
  /** After a stop is requested, how long in-flight chunks may take before the run fails. */
  readonly shutdownTimeoutMs?: number;
  /** How soon the group notices a member that died without leaving (kafkajs default 30 s). */
  readonly sessionTimeoutMs?: number;
  /** Messages behind the high watermark of a partition this member holds: after each committed chunk, and polled. */
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
  /** A partition left this member in a rebalance: its lag is now another member's to report. */
  readonly onPartitionRevoked?: (topic: string, partition: number) => void;
  /** How often lag (and, with `once`, the group's progress) is read from the broker. Default 5 s; 1 s with `once`. */
  readonly progressPollMs?: number;
  /** Crash tests only (see failpoints.ts): dies on purpose just before or after a commit. */
  readonly failpoint?: Failpoint;
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;
const topicPartitionOf = (key: string) => {
  const slash = key.lastIndexOf('/');
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
};

/** How often a member heartbeats while a chunk is being handled (kafkajs sends at most one per heartbeat interval). */
const HEARTBEAT_TICK_MS = 1000;

/** Commit failures that only mean the group is rebalancing: the new owner re-reads, nothing is lost. */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID']);

export class KafkaSource implements Source {
  readonly ownership = 'shared' as const;
  readonly #o: KafkaSourceOptions;
  tombstones = 0;
  #consuming = false;
  /** This member's tenure over each partition it holds; a new number each time one is assigned anew. */
  readonly #tenures = new Map<string, number>();
  #tenureCounter = 0;
  /** Whether this member led the group at its last join: it then runs the SLA clock. */
  #leader = false;
  /** Aborted, with a ScopeLostError, when a heartbeat meets a rebalance: every chunk in flight is given up. */
  #membership = new AbortController();
  /** The kafkajs error that heartbeat met, by the membership signal it aborted: handed to kafkajs so that it rejoins. */
  readonly #lostBy = new WeakMap<AbortSignal, unknown>();
  #consumer: Consumer | undefined;

  /** Starts a tenure for every partition that was not assigned to this member before this join. */
  #assigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    const now = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) now.add(partitionKey(topic, p));
    for (const key of [...this.#tenures.keys()]) {
      if (now.has(key)) continue;
      this.#tenures.delete(key);
      const { topic, partition } = topicPartitionOf(key);
      this.#o.onPartitionRevoked?.(topic, partition);
    }
    for (const key of now) if (!this.#tenures.has(key)) this.#tenures.set(key, ++this.#tenureCounter);
  }

  #tenureOf(topic: string, partition: number): number {
    const key = partitionKey(topic, partition);
    let tenure = this.#tenures.get(key);
    if (tenure === undefined) this.#tenures.set(key, (tenure = ++this.#tenureCounter));
    return tenure;
  }

  isGroupLeader(): boolean {
    return this.#leader;
  }

  /** True once the consumer joined its group (readiness before the first batch). */
  isConsuming(): boolean {
    return this.#consuming;
  }

  constructor(options: KafkaSourceOptions) {
    this.#o = options;
  }

  /** While a dependency is down: fetch nothing more (chunks already handed over stay in flight). */
  pause(): void {
    this.#consumer?.pause(this.#o.topics.map((topic) => ({ topic })));
    this.#o.logger.info('consumption paused');
  }

  resume(): void {
    this.#consumer?.resume(this.#o.topics.map((topic) => ({ topic })));
    this.#o.logger.info('consumption resumed');
  }

  /**
   * Every partition's end (high watermark) and the group's position in it: its committed offset,
   * or the partition's start while the group has committed none. From the broker.
   */
  async #groupProgress(admin: Admin, cancelled: () => boolean = () => false): Promise<Map<string, { end: bigint; position: bigint }>> {
    const out = new Map<string, { end: bigint; position: bigint }>();
    // Checked before each call, so a stop waits for one broker round trip, not for the whole read.
    const next = () => {
      if (cancelled()) throw new ProgressReadCancelled();
    };
    for (const topic of this.#o.topics) {
      next();
      for (const p of await admin.fetchTopicOffsets(topic)) {
        out.set(partitionKey(topic, p.partition), { end: BigInt(p.high), position: BigInt(p.low) });
      }
    }
    next();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: this.#o.groupId, topics: [...this.#o.topics] })) {
      for (const { partition, offset } of partitions) {
        const p = out.get(partitionKey(topic, partition));
        if (p && BigInt(offset) >= 0n) p.position = BigInt(offset);
      }
    }
    return out;
  }

  async run(handle: BatchHandler, signal: AbortSignal, context?: SourceContext): Promise<void> {
    const { kafka, groupId, topics, batchSize, logger } = this.#o;
    let stopping = false;
    const consumer: Consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // kafkajs fetches again only once every chunk of the last fetch is written (per broker): the
      // pipeline drains at each fetch's end. With 10 MB (kafkajs's default) that was about 14,000
      // events per fetch and cost a sixth of the throughput (the run's default is 48 MB).
      ...(this.#o.fetchMaxBytes !== undefined ? { maxBytes: this.#o.fetchMaxBytes } : {}),
      ...(this.#o.sessionTimeoutMs !== undefined ? { sessionTimeout: this.#o.sessionTimeoutMs } : {}),
      // kafkajs restarts a crashed consumer on a timer of its own, which a disconnect already under
      // way does not cancel: the consumer would rejoin the group after the run ended and keep the
      // process alive. Once stopping, a crash ends the consumer for good. (retries: 5 is kafkajs's
      // consumer default, which a `retry` option would otherwise replace.)
      retry: { retries: 5, restartOnFailure: async () => !stopping },
    });
    this.#consumer = consumer;
    let failure: unknown;
    let wake!: () => void;
    const stopRequested = new Promise<void>((resolve) => (wake = resolve));
    const stop = () => {
      stopping = true;
      wake();
    };
    const onAbort = () => {
      logger.info('stop requested: finishing in-flight batches, then committing and disconnecting');
      stop();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    // With `once`: each partition's end when the run started, and how far the group has got.
    let caughtUp: Map<string, { target: bigint; position: bigint }> | undefined;
    const checkCaughtUp = () => {
      if (caughtUp && [...caughtUp.values()].every((p) => p.position >= p.target)) {
        logger.info('caught up with every partition (--once): stopping');
        stop();
      }
    };
    const reportLag = (topic: string, partition: number, end: bigint, next: bigint) => {
      const lag = end - next;
      this.#o.onLag?.(topic, partition, Number(lag > 0n ? lag : 0n));
    };

    const commit = async (topic: string, partition: number, last: KafkaMessage, highWatermark: string, fence: AbortSignal) => {
      const next = BigInt(last.offset) + 1n;
      const send = () => brokerCall('committing offsets', () => consumer.commitOffsets([{ topic, partition, offset: next.toString() }]));
      try {
        // A broker that restarts refuses commits for a while: they are retried like a store write.
        await (context ? context.retry('committing offsets', send, fence) : send());
      } catch (error) {
        if (!REBALANCE_ERRORS.has((error as { type?: string }).type ?? '')) throw error;
        // The chunk is stored; whoever reads the partition next skips its events as stored.
        logger.warn({ topic, partition, offset: last.offset, reason: (error as { type?: string }).type }, 'offset commit refused during a rebalance: the chunk is stored and will be skipped when re-read');
        throw new RebalanceDuringCommit(error);
      }
      reportLag(topic, partition, BigInt(highWatermark), next);
      const p = caughtUp?.get(partitionKey(topic, partition));
      if (p && next > p.position) p.position = next;
      checkCaughtUp();
    };

    const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      const { topic, partition, messages } = batch;
      // Chunk boundaries follow what kafkajs fetched; re-deliveries may be cut differently, which
      // is why idempotence rests on event ids and table keys, not on the batch id alone.
      for (let i = 0; i < messages.length; i += batchSize) {
        if (stopping || failure !== undefined || !isRunning() || isStale()) return;
        const chunk = messages.slice(i, i + batchSize);
        const raw: RawMessage[] = [];
        for (const m of chunk) {
          if (m.value === null) {
            this.tombstones += 1;
            continue;
          }
          raw.push({ value: m.value, key: m.key, coordinates: { kind: 'kafka', topic, partition, offset: m.offset } });
        }
        const first = chunk[0]!;
        const last = chunk[chunk.length - 1]!;
        // Given up when the group rebalances (see the file comment) or the run is stopped.
        const membership = this.#membership;
        const chunkSignal = AbortSignal.any([membership.signal, signal]);
        const beat = setInterval(() => {
          heartbeat().catch((error: unknown) => {
            const type = (error as { type?: string }).type ?? '';
            if (!REBALANCE_ERRORS.has(type)) {
              logger.debug({ err: error }, 'heartbeat failed; trying again');
            } else if (!membership.signal.aborted) {
              logger.warn({ topic, partition, reason: type }, 'the group is rebalancing: giving up the chunks in flight, no insert of them starts any more');
              this.#lostBy.set(membership.signal, error);
              membership.abort(new ScopeLostError(partitionKey(topic, partition), `the group is rebalancing: ${type}`));
            }
          });
        }, HEARTBEAT_TICK_MS);
        try {
          if (raw.length > 0) {
            await handle({
              id: `${topic}-${partition}-${first.offset}-${last.offset}`,
              scope: partitionKey(topic, partition),
              tenure: this.#tenureOf(topic, partition),
              messages: raw,
              signal: membership.signal,
            });
          }
          resolveOffset(last.offset);
          this.#o.failpoint?.('batch.before-commit');
          await commit(topic, partition, last, batch.highWatermark, membership.signal);
          this.#o.failpoint?.('batch.after-commit');
        } catch (error) {
          // kafkajs rejoins the group when eachBatch throws a rebalance error; not a failure.
          if (error instanceof RebalanceDuringCommit) throw error.cause;
          if (chunkSignal.aborted) {
            // Not committed: whoever holds the partition next reads the chunk again.
            logger.warn({ topic, partition, offset: first.offset, reason: describeCause(chunkSignal.reason) }, 'chunk given up uncommitted');
            // Only a new join renews the membership, and kafkajs rejoins only on an error it sees
            // itself; its own next heartbeat may well succeed (NOT_COORDINATOR_FOR_GROUP from a
            // broker that has just restarted: same group, same generation). So it is handed the
            // error the heartbeat met; else it re-fetches the chunk, which is given up again, forever.
            if (membership.signal.aborted && this.#lostBy.has(membership.signal)) throw this.#lostBy.get(membership.signal);
            return;
          }
          // The pipeline's in-memory state may be ahead of the store now: stop rather than retry.
          failure = error;
          logger.error({ topic, partition, offset: first.offset, err: error }, 'batch failed: stopping the consumer without committing it');
          stop();
          return;
        } finally {
          clearInterval(beat);
        }
        await heartbeat();
      }
    };

    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.#membership = new AbortController();
      this.#assigned(e.payload.memberAssignment);
      this.#leader = e.payload.isLeader;
      this.#consuming = true;
      logger.info({ groupId, memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'kafka consumer started: consuming');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // Until kafkajs has reconnected and rejoined, nothing is consumed: /readyz says so.
      this.#consuming = false;
      if (e.payload.restart) {
        logger.warn({ groupId, error: (e.payload.error as Error).name }, 'Kafka consumer lost its brokers: kafkajs restarts it; not ready until it has rejoined its group');
        return;
      }
      // Every offset committed was written first: a crash while stopping loses nothing, the
      // uncommitted rest is re-delivered to whoever reads the partition next.
      if (stopping) {
        logger.warn({ groupId, err: e.payload.error }, 'Kafka consumer crashed while stopping; uncommitted batches will be re-delivered');
        return;
      }
      failure ??= e.payload.error;
      stop();
    });

    // The broker's view, polled: lag keeps moving while producers write or a sink stalls, and
    // with `once` the other members' commits count too.
    const admin = this.#o.kafka.admin();
    let poll: NodeJS.Timeout | undefined;
    /** The progress read under way, if any: the admin is disconnected only after it settled. */
    let reading: Promise<void> | undefined;
    const readProgress = async () => {
      for (const [key, p] of await this.#groupProgress(admin, () => stopping)) {
        if (this.#tenures.has(key)) {
          const { topic, partition } = topicPartitionOf(key);
          reportLag(topic, partition, p.end, p.position);
        }
        const target = caughtUp?.get(key);
        if (target && p.position > target.position) target.position = p.position;
      }
      checkCaughtUp();
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      await admin.connect();
      if (this.#o.once) {
        caughtUp = new Map([...(await this.#groupProgress(admin))].map(([key, p]) => [key, { target: p.end, position: p.position }]));
        checkCaughtUp();
      }
      poll = setInterval(() => {
        if (reading || stopping) return;
        reading = readProgress()
          .catch((error: unknown) => logger.debug({ err: error }, 'could not read the group progress; trying again'))
          .finally(() => (reading = undefined));
      }, this.#o.progressPollMs ?? (this.#o.once ? 1000 : 5000));
      if (!stopping && !signal.aborted) {
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.#o.partitionsConcurrency,
          eachBatch,
        });
      }
      if (signal.aborted) stop();
      await stopRequested;
    } finally {
      stopping = true;
      clearInterval(poll);
      signal.removeEventListener('abort', onAbort);
      // An admin call made after admin.disconnect() does not fail: kafkajs reconnects to the
      // broker for it and that socket is never closed, so a `--once` run whose last progress read
      // overlapped the disconnect stayed alive long after its last line (issue 6, section 5).
      await reading;
      await admin.disconnect();
      await this.#disconnect(consumer);
    }
    if (failure !== undefined) {
      throw failure instanceof Error ? failure : new VerityError('SOURCE_FAILED', `Kafka consumer failed: ${String(failure)}`);
    }
  }

  async #disconnect(consumer: Consumer): Promise<void> {
    const limit = this.#o.shutdownTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limit);
    });
    // disconnect() waits for the running eachBatch calls to finish their current chunk.
    const outcome = await Promise.race([consumer.disconnect().then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#o.logger.error({ timeoutMs: limit }, 'Kafka consumer did not stop in time: uncommitted batches will be re-delivered');
      throw new VerityError('SOURCE_FAILED', `Kafka consumer did not stop within ${limit} ms`);
    }
  }
}

/** A progress read given up because the source is stopping. */
class ProgressReadCancelled extends Error {
  constructor() {
    super('progress read cancelled: the source is stopping');
  }
}

/** A commit refused because the group is rebalancing; carries kafkajs's error for it to handle. */
class RebalanceDuringCommit extends Error {
  constructor(cause: unknown) {
    super('offset commit refused during a rebalance', { cause });
  }
}
