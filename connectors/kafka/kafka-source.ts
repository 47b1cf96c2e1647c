// Kafka as a Source: one consumer-group member reading the customer and agent topics. Offsets are
// committed only after the pipeline has durably written (and published) everything derived from
// a chunk, so a crash re-delivers rather than loses; the pipeline's event-id de-duplication
// against the store turns the re-delivery into a no-op.
//
// Backpressure: kafkajs fetches a partition's next batch only after eachBatch resolves, and
// eachBatch awaits the store write, so in-flight work is bounded by partitionsConcurrency fetched
// batches (each at most maxBytesPerPartition).
//
// Tombstones (null values, as Debezium emits after a delete) are not change events: they are
// skipped, counted in `tombstones` (not in `read`), and their offsets committed with the chunk.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { VerityError } from '../../pipelines/errors.ts';
import type { BatchHandler, RawMessage, Source } from '../../pipelines/runtime/source.ts';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly batchSize: number;
  readonly partitionsConcurrency: number;
  /** Stop once every partition is at the high watermark it had at start. */
  readonly once: boolean;
  readonly logger: Logger;
  /** After a stop is requested, how long in-flight chunks may take before the run fails. */
  readonly shutdownTimeoutMs?: number;
  /** How soon the group notices a member that died without leaving (kafkajs default 30 s). */
  readonly sessionTimeoutMs?: number;
  /** Messages behind the high watermark, after each committed chunk. */
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class KafkaSource implements Source {
  readonly #o: KafkaSourceOptions;
  tombstones = 0;
  #consuming = false;

  /** True once the consumer joined its group (readiness before the first batch). */
  isConsuming(): boolean {
    return this.#consuming;
  }

  constructor(options: KafkaSourceOptions) {
    this.#o = options;
  }

  async #highWatermarks(): Promise<Map<string, { target: bigint; position: bigint }>> {
    const admin = this.#o.kafka.admin();
    await admin.connect();
    try {
      const out = new Map<string, { target: bigint; position: bigint }>();
      const committed = await admin.fetchOffsets({ groupId: this.#o.groupId, topics: [...this.#o.topics] });
      for (const topic of this.#o.topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const p of offsets) {
          const c = mine.find((m) => m.partition === p.partition)?.offset ?? '-1';
          const position = BigInt(c) >= 0n ? BigInt(c) : BigInt(p.low);
          out.set(partitionKey(topic, p.partition), { target: BigInt(p.high), position });
        }
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  async run(handle: BatchHandler, signal: AbortSignal): Promise<void> {
    const { kafka, groupId, topics, batchSize, logger } = this.#o;
    const consumer: Consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...(this.#o.sessionTimeoutMs !== undefined ? { sessionTimeout: this.#o.sessionTimeoutMs } : {}),
    });
    let stopping = false;
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

    let caughtUp: Map<string, { target: bigint; position: bigint }> | undefined;
    const checkCaughtUp = () => {
      if (caughtUp && [...caughtUp.values()].every((p) => p.position >= p.target)) {
        logger.info('caught up with every partition (--once): stopping');
        stop();
      }
    };

    const commit = async (topic: string, partition: number, last: KafkaMessage, highWatermark: string) => {
      const next = BigInt(last.offset) + 1n;
      await consumer.commitOffsets([{ topic, partition, offset: next.toString() }]);
      const lag = BigInt(highWatermark) - next;
      this.#o.onLag?.(topic, partition, Number(lag > 0n ? lag : 0n));
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
        try {
          if (raw.length > 0) await handle({ id: `${topic}-${partition}-${first.offset}-${last.offset}`, messages: raw });
          resolveOffset(last.offset);
          await commit(topic, partition, last, batch.highWatermark);
        } catch (error) {
          // The pipeline's in-memory state may be ahead of the store now: stop rather than retry.
          failure = error;
          logger.error({ topic, partition, offset: first.offset, err: error }, 'batch failed: stopping the consumer without committing it');
          stop();
          return;
        }
        await heartbeat();
      }
    };

    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.#consuming = true;
      logger.info({ groupId, memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'kafka consumer started: consuming');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) {
        failure ??= e.payload.error;
        stop();
      }
    });

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      if (this.#o.once) {
        caughtUp = await this.#highWatermarks();
        checkCaughtUp();
      }
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
      signal.removeEventListener('abort', onAbort);
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
