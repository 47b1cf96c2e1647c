// Publishes what a batch produced for other systems: dead letters (original bytes, with the reason
// and source coordinates in headers) and issue changes. It runs before the batch's offsets are
// committed, so a crash re-publishes rather than loses (at-least-once; consumers de-duplicate on
// the issue event id, and on verity-source-topic/partition/offset for dead letters).
import type { Kafka, Message, TopicMessages } from 'kafkajs';
import { IdempotentProducer, STABLE_ID_HEADER } from './idempotent-producer.ts';
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
    [STABLE_ID_HEADER]: deadLetter.deadLetterId, // verity-dead-letter-id: also what places it
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
  readonly #producer: IdempotentProducer;
  readonly #options: TopicPublisherOptions;

  private constructor(producer: IdempotentProducer, options: TopicPublisherOptions) {
    this.#producer = producer;
    this.#options = options;
  }

  static async connect(kafka: Kafka, options: TopicPublisherOptions): Promise<TopicPublisher> {
    return new TopicPublisher(await IdempotentProducer.connect(kafka, 'publishing to the dead-letter and issue topics'), options);
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
    // A retry of the batch after a failure part-way re-publishes what went, which at-least-once allows.
    await this.#producer.send(topicMessages);
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
