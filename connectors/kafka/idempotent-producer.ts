// kafkajs's idempotent producer, with the two holes that lost records closed (kafkajs issue #598;
// lost-produce-responses.test.ts shows both against a real broker).
//
// The broker de-duplicates by producer id and per-partition sequence numbers: a send whose numbers
// it has already written is answered as written and dropped. When a send fails without an answer
// (a broker restart, a cut connection), kafkajs gives its numbers back and sends again, which is
// right only if the same records go to the same partitions under the same numbers. Two things
// broke that:
// - kafkajs partitions again on each of its own tries, and its default partitioner places
//   unkeyed messages round-robin: the records moved, and the broker dropped some as duplicates of
//   the first try and refused others (OUT_OF_ORDER_SEQUENCE_NUMBER). Here an unkeyed message is
//   placed by a hash of what it is (stablePartitioner), so every try places it alike.
// - after kafkajs gave up, the next send, other records, got the numbers of the one that failed
//   and, if the broker had written that one, was dropped as its duplicate while reported sent.
//   Here a producer whose send failed is not used again: the next send gets a new producer id,
//   and sends go one at a time, so none is under way on the producer being replaced.
import { CompressionTypes, Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import pLimit from 'p-limit';
import { PublishError } from '../../pipelines/errors.ts';
import { brokerFailure, isProducerStateFailure, kafkaFailureLabel } from './kafka-errors.ts';

/**
 * Bytes of messages per produce request, at most. The broker refuses a partition's record batch
 * over the topic's max.message.bytes (1 MB by default), and what one source batch publishes can
 * pass that many times over (thousands of dead letters when a producer sends garbage): the
 * request failed, not retriably, and the run stopped on every redelivery. A message larger than
 * this on its own still goes, alone.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** The header that names a message for good (a dead letter's id): where there is no key, what places it. */
export const STABLE_ID_HEADER = 'verity-dead-letter-id';

function sizeOf(message: Message): number {
  const length = (v: unknown) => (v === null || v === undefined ? 0 : Buffer.byteLength(v as string | Buffer));
  let size = 64 + length(message.key) + length(message.value); // 64: a record's framing, generously
  for (const [name, value] of Object.entries(message.headers ?? {})) size += Buffer.byteLength(name) + length(value);
  return size;
}

/** `topicMessages` cut into requests of at most `budget` bytes each, in order. */
export function inRequests(topicMessages: readonly TopicMessages[], budget = MAX_REQUEST_BYTES): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let request: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes > 0 && bytes + size > budget) {
        requests.push(request);
        request = [];
        bytes = 0;
      }
      const last = request[request.length - 1];
      if (last?.topic === topic) last.messages.push(message);
      else request.push({ topic, messages: [message] });
      bytes += size;
    }
  }
  if (request.length > 0) requests.push(request);
  return requests;
}

/**
 * kafkajs's default partitioner (Java's murmur2 on the key) for keyed messages; an unkeyed one is
 * placed the same way by its stable id header (a dead letter's id) or else by its bytes, never
 * round-robin: the same message lands on the same partition on every try.
 */
export const stablePartitioner: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }) => {
    if ((message.key !== null && message.key !== undefined) || (message.partition !== null && message.partition !== undefined)) {
      return byKey({ topic, partitionMetadata, message });
    }
    const id = message.headers?.[STABLE_ID_HEADER];
    const placeBy = typeof id === 'string' || Buffer.isBuffer(id) ? id : (message.value ?? '');
    return byKey({ topic, partitionMetadata, message: { ...message, key: placeBy } });
  };
};

/**
 * One topic writer's producer: idempotent, acks from all in-sync replicas, one request at a time.
 * One at a time here, not only in kafkajs (maxInFlightRequests): a send that started while another
 * was failing would take the numbers the failed one gave back, on the producer about to be
 * replaced. Sends from several callers (a batch's publish, the outbox relay) queue.
 */
export class IdempotentProducer {
  readonly #kafka: Kafka;
  /** What the sends are for, in errors: "publishing corrections". */
  readonly #what: string;
  readonly #oneAtATime = pLimit(1);
  #producer: Promise<Producer> | undefined;
  readonly #closing = new Set<Promise<void>>();
  #disconnected = false;

  private constructor(kafka: Kafka, what: string) {
    this.#kafka = kafka;
    this.#what = what;
  }

  /** Connected at once, so that a broker that cannot be reached fails the start, not the first send. */
  static async connect(kafka: Kafka, what: string): Promise<IdempotentProducer> {
    const producer = new IdempotentProducer(kafka, what);
    await producer.#oneAtATime(() => producer.#connected());
    return producer;
  }

  /**
   * Sends `topicMessages` in requests of at most MAX_REQUEST_BYTES, one after the other. A failure
   * is a PublishError (retriable when sending again may work) or the broker's protocol answer; the
   * requests before it stay sent, so the caller's retry sends them again (at-least-once).
   */
  async send(topicMessages: readonly TopicMessages[]): Promise<void> {
    for (const request of inRequests(topicMessages)) await this.#oneAtATime(() => this.#sendRequest(request));
  }

  /** Closes the producer now, a send under way or not (it fails, and its batch is not committed). */
  async disconnect(): Promise<void> {
    this.#disconnected = true;
    this.#retire();
    await Promise.all([...this.#closing]);
  }

  async #sendRequest(request: TopicMessages[]): Promise<void> {
    const producer = await this.#connected();
    try {
      await producer.sendBatch({ topicMessages: request, acks: -1, compression: CompressionTypes.None });
    } catch (cause) {
      this.#retire();
      if (isProducerStateFailure(cause)) {
        throw new PublishError('PUBLISH_FAILED', `${this.#what} failed: ${kafkaFailureLabel(cause)}; the next send uses a new producer id`, { cause, retriable: true });
      }
      throw brokerFailure(this.#what, cause);
    }
  }

  async #connected(): Promise<Producer> {
    if (this.#disconnected) throw new PublishError('PUBLISH_FAILED', `${this.#what} failed: the producer was disconnected`, { retriable: false });
    if (!this.#producer) {
      const producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: stablePartitioner });
      this.#producer = producer.connect().then(() => producer);
    }
    try {
      return await this.#producer;
    } catch (cause) {
      this.#retire(); // the next send tries a new one
      throw brokerFailure(`${this.#what} (connecting)`, cause);
    }
  }

  /** Used no more: after a failed send its sequence numbers may no longer be the broker's (see the module). */
  #retire(): void {
    const producer = this.#producer;
    this.#producer = undefined;
    if (!producer) return;
    const closing = producer
      .then((p) => p.disconnect())
      .catch(() => undefined) // never connected, or failed already: closing it changes nothing
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
