// Corrections upstream in Kafka mode: customer-correction/v1 on `customer.corrections`, key =
// customerId (so that one customer's corrections stay in order on one partition). Idempotent
// producer, acks from all in-sync replicas; a page re-sent after a failure is de-duplicated by
// consumers on eventId.
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { CustomerCorrection } from '../../pipelines/contract/correction.ts';
import type { CorrectionSink } from '../../pipelines/runtime/outbox-relay.ts';
import { brokerCall } from './kafka-errors.ts';

export const DEFAULT_CORRECTIONS_TOPIC = 'customer.corrections';

export class KafkaCorrectionSink implements CorrectionSink {
  readonly name = 'corrections topic';
  readonly topic: string;
  readonly #producer: Producer;

  private constructor(producer: Producer, topic: string) {
    this.#producer = producer;
    this.topic = topic;
  }

  static async connect(kafka: Kafka, topic = DEFAULT_CORRECTIONS_TOPIC): Promise<KafkaCorrectionSink> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return new KafkaCorrectionSink(producer, topic);
  }

  async send(corrections: readonly CustomerCorrection[]): Promise<void> {
    if (corrections.length === 0) return;
    const messages = corrections.map((c) => {
      const event = CustomerCorrection.parse(c);
      return { key: event.customerId, value: JSON.stringify(event) };
    });
    await brokerCall('publishing corrections', () => this.#producer.sendBatch({ topicMessages: [{ topic: this.topic, messages }], acks: -1, compression: CompressionTypes.None }));
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
