// Corrections upstream in Kafka mode: customer-correction/v1 on `customer.corrections`, key =
// customerId (so that one customer's corrections stay in order on one partition). Idempotent
// producer, acks from all in-sync replicas; a page re-sent after a failure is de-duplicated by
// consumers on eventId.
import type { Kafka } from 'kafkajs';
import { CustomerCorrection } from '../../pipelines/contract/correction.ts';
import type { CorrectionSink } from '../../pipelines/runtime/outbox-relay.ts';
import { IdempotentProducer } from './idempotent-producer.ts';

export class KafkaCorrectionSink implements CorrectionSink {
  readonly name = 'corrections topic';
  readonly topic: string;
  readonly #producer: IdempotentProducer;

  private constructor(producer: IdempotentProducer, topic: string) {
    this.#producer = producer;
    this.topic = topic;
  }

  static async connect(kafka: Kafka, topic: string): Promise<KafkaCorrectionSink> {
    return new KafkaCorrectionSink(await IdempotentProducer.connect(kafka, 'publishing corrections'), topic);
  }

  async send(corrections: readonly CustomerCorrection[]): Promise<void> {
    if (corrections.length === 0) return;
    const messages = corrections.map((c) => {
      const event = CustomerCorrection.parse(c);
      return { key: event.customerId, value: JSON.stringify(event) };
    });
    await this.#producer.send([{ topic: this.topic, messages }]);
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
