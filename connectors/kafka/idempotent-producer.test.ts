import fc from 'fast-check';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../pipelines/errors.ts';
import { readTopic } from '../../tests/kafka/support.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../../tests/support/kafka/use-kafka.ts';
import { IdempotentProducer, stablePartitioner } from './idempotent-producer.ts';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0, offlineReplicas: [] }));

describe('stablePartitioner', () => {
  it('places a message alike on every try and in every producer, whatever it holds', () => {
    const message = fc.record({
      key: fc.option(fc.oneof(fc.string(), fc.uint8Array().map((b) => Buffer.from(b))), { nil: null }),
      value: fc.oneof(fc.string(), fc.uint8Array().map((b) => Buffer.from(b))),
      headers: fc.option(fc.record({ 'verity-dead-letter-id': fc.string() }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (messages, n) => {
        const first = stablePartitioner();
        const second = stablePartitioner();
        const place = (p: typeof first) => messages.map((m) => p({ topic: 't', partitionMetadata: partitions(n), message: m as Message }));
        const once = place(first);
        expect(place(first)).toEqual(once); // kafkajs's own retry
        expect(place(second)).toEqual(once); // the next producer
        for (const p of once) expect(p >= 0 && p < n).toBe(true);
      }),
    );
  });

  it('keyed messages go where kafkajs (and the Java client) puts them', () => {
    const ours = stablePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const key of ['C-1', 'C-2', 'issue-9', '']) {
      const args = { topic: 't', partitionMetadata: partitions(12), message: { key, value: '{}' } };
      expect(ours(args)).toBe(theirs(args));
    }
  });

  it('dead letters with no key spread over the partitions by their id, not all on one', () => {
    const p = stablePartitioner();
    const placed = new Set(
      Array.from({ length: 60 }, (_, i) => p({ topic: 't', partitionMetadata: partitions(6), message: { key: null, value: '{"cut', headers: { 'verity-dead-letter-id': `d-${i}` } } })),
    );
    expect(placed.size).toBe(6);
  });
});

describeKafka('IdempotentProducer against a broker', () => {
  const { brokers } = useKafka();

  it('sends, and once disconnected refuses to send (not retriable) instead of connecting again', async () => {
    const topic = await createTopic(brokers, uniqueTopic('idempotent'), 2);
    const producer = await IdempotentProducer.connect(kafkaClient(brokers), 'publishing test records');
    await producer.send([{ topic, messages: [{ key: 'k-1', value: 'one' }, { key: null, value: 'two' }] }]);
    await producer.disconnect();
    const refused = await producer.send([{ topic, messages: [{ key: 'k-2', value: 'three' }] }]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PublishError);
    expect((refused as PublishError).retriable).toBe(false);
    await producer.disconnect(); // twice: nothing left to close
    expect((await readTopic(brokers, topic)).map((m) => m.value?.toString()).sort()).toEqual(['one', 'two']);
  });
});
