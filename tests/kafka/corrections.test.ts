// Corrections upstream on a real broker: customer-correction/v1 on the corrections topic, keyed by
// the upstream customer id, readable by a plain consumer. Generated values only.
import { expect, it } from 'vitest';
import { KafkaCorrectionSink } from '../../connectors/kafka/correction-publisher.ts';
import { CustomerCorrection } from '../../pipelines/contract/correction.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';

describeKafka('corrections on Kafka', () => {
  const { brokers } = useKafka();

  it('publishes each correction with key = customerId, as the contract says', async () => {
    const topic = await createTopic(brokers, uniqueTopic('corrections'), 2);
    const sink = await KafkaCorrectionSink.connect(kafkaClient(brokers), topic);
    const correction: CustomerCorrection = {
      schema: 'customer-correction/v1',
      eventId: 'corr-1',
      customerId: 'C-TEST-0001',
      issueId: 'issue-1',
      fields: { mobile: '13912345678', address: '北京市海淀区测试路1号' },
      steward: 'li',
      correctedAt: '2026-10-09T10:00:00.000+08:00',
    };
    try {
      await sink.send([correction]);
    } finally {
      await sink.disconnect();
    }
    const consumer = kafkaClient(brokers).consumer({ groupId: uniqueTopic('corrections-reader') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: unknown }>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) }) });
      });
      expect(received.key).toBe('C-TEST-0001');
      expect(CustomerCorrection.parse(received.value)).toEqual(correction);
    } finally {
      await consumer.disconnect();
    }
  });
});
