// Publishes what a batch produced for other systems: dead letters (original bytes, with the reason
// and source coordinates in headers) and issue changes. It runs before the batch's offsets are
// committed, so a crash re-publishes rather than loses (at-least-once; consumers de-duplicate on
// the issue event id, and on verity-source-topic/partition/offset for dead letters).
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { brokerCall } from './kafka-errors.ts';
import { IssueEvent, issueEventOf, issueEventOfNotice } from '../../pipelines/contract/issue-event.ts';
import type { IssueChange, RejectedMessage } from '../../pipelines/quality/model.ts';
import type { BatchOutput, Sink } from '../../pipelines/runtime/sink.ts';
import type { SlaNotice } from '../../pipelines/quality/sla.ts';
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
    if (topicMessages.length === 0) return;
    await brokerCall('publishing to the dead-letter and issue topics', () => this.#producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None }));
  };

  /** The SLA clock's notices, on the issue topic like every other issue change. */
  readonly publishNotices = async (notices: readonly SlaNotice[]): Promise<void> => {
    if (notices.length === 0) return;
    const messages = notices.map((n) => {
      const event = IssueEvent.parse(issueEventOfNotice(n));
      return { key: event.issueId, value: JSON.stringify(event) };
    });
    await brokerCall('publishing SLA notices', () =>
      this.#producer.sendBatch({ topicMessages: [{ topic: this.#options.issueTopic, messages }], acks: -1, compression: CompressionTypes.None }),
    );
  };

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
