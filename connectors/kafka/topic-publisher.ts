// Publishes what a batch produced for other systems: dead letters (original bytes, with the reason
// and source coordinates in headers) and issue changes. It runs before the batch's offsets are
// committed, so a crash re-publishes rather than loses (at-least-once; consumers de-duplicate on
// the issue event id, and on verity-source-topic/partition/offset for dead letters).
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { brokerCall } from './kafka-errors.ts';
import { IssueEvent, issueEventOf } from '../../pipelines/contract/issue-event.ts';
import type { IssueChange, RejectedMessage } from '../../pipelines/quality/model.ts';
import type { BatchOutput, Sink } from '../../pipelines/runtime/sink.ts';
import type { IssueMirror } from '../../pipelines/runtime/outbox-relay.ts';
import type { SourceBatch } from '../../pipelines/runtime/source.ts';

export interface PublishOutput {
  readonly issueChanges: readonly IssueChange[];
  readonly deadLetters: readonly RejectedMessage[];
}

export interface TopicPublisherOptions {
  readonly deadLetterTopic: string;
  readonly issueTopic: string;
}

export function deadLetterMessage({ deadLetter, payload, key }: RejectedMessage): Message {
  const c = deadLetter.coordinates;
  const headers: Record<string, string> = {
    'verity-reason': deadLetter.reason,
    'verity-reason-code': deadLetter.reasonCode,
    'verity-error-path': deadLetter.errorPath,
    'verity-first-seen-at': deadLetter.firstSeenAt,
    'verity-dead-letter-id': deadLetter.deadLetterId,
  };
  if (c.kind === 'kafka') {
    headers['verity-source-topic'] = c.topic;
    headers['verity-source-partition'] = String(c.partition);
    headers['verity-source-offset'] = c.offset;
  } else {
    headers['verity-source-file'] = c.file;
    headers['verity-source-line'] = String(c.line);
  }
  return { key: key ?? null, value: payload, headers };
}

export function issueMessage(change: IssueChange): Message {
  const event = IssueEvent.parse(issueEventOf(change));
  return { key: event.issueId, value: JSON.stringify(event) };
}

/**
 * Bytes of messages per produce request, at most. The broker refuses a partition's record batch
 * over the topic's max.message.bytes (1 MB by default), and what one source batch publishes can
 * pass that many times over (thousands of dead letters when a producer sends garbage): the
 * request failed, not retriably, and the run stopped on every redelivery. A message larger than
 * this on its own still goes, alone.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

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

/** A sink: at-least-once (consumers de-duplicate on the issue event id and the dead letter's coordinates). */
export class TopicPublisher implements Sink {
  readonly name = 'topics';
  readonly dependency = 'topics' as const;
  readonly #producer: Producer;
  readonly #options: TopicPublisherOptions;

  private constructor(producer: Producer, options: TopicPublisherOptions) {
    this.#producer = producer;
    this.#options = options;
  }

  static async connect(kafka: Kafka, options: TopicPublisherOptions): Promise<TopicPublisher> {
    // Idempotent with one request in flight: broker-side de-duplication of retries, in order.
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new TopicPublisher(producer, options);
  }

  write(batch: SourceBatch, out: BatchOutput): Promise<void> {
    return this.publish(batch, out);
  }

  readonly publish = async (_batch: SourceBatch, out: PublishOutput): Promise<void> => {
    const topicMessages: TopicMessages[] = [];
    if (out.deadLetters.length > 0) {
      topicMessages.push({ topic: this.#options.deadLetterTopic, messages: out.deadLetters.map(deadLetterMessage) });
    }
    if (out.issueChanges.length > 0) {
      topicMessages.push({ topic: this.#options.issueTopic, messages: out.issueChanges.map(issueMessage) });
    }
    // One request at a time (the producer keeps one in flight): a retry of the batch after a
    // failure part-way re-publishes the first requests, which at-least-once allows.
    for (const request of inRequests(topicMessages)) {
      await brokerCall('publishing to the dead-letter and issue topics', () => this.#producer.sendBatch({ topicMessages: request, acks: -1, compression: CompressionTypes.None }));
    }
  };

  /** The outbox relay's issue changes (stewards', the clock's), on the issue topic like the pipeline's. */
  readonly issueMirror: IssueMirror = {
    name: 'issue topic',
    writeIssueChanges: (_batchId, issueChanges) => this.publish(undefined as never, { issueChanges, deadLetters: [] }),
  };

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
