// What one source batch publishes may be far larger than the broker takes in one partition's record
// batch (max.message.bytes, 1 MB by default): found by the 10^5-message Kafka fuzz of issue 6 §3,
// where a batch of 5,000 mostly rejected messages failed its dead-letter publish with
// MESSAGE_TOO_LARGE and stopped the run. Publishing goes in requests of bounded size.
import { expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import type { RejectedMessage } from '../../pipelines/quality/model.ts';
import { readTopic } from '../../tests/kafka/support.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../../tests/support/kafka/use-kafka.ts';
import { inRequests, MAX_REQUEST_BYTES } from './idempotent-producer.ts';
import { deadLetterMessage, TopicPublisher } from './topic-publisher.ts';

/** A dead letter of `bytes` bytes of junk at offset `n`: synthetic, no record data. */
const deadLetter = (n: number, bytes: number): RejectedMessage => ({
  payload: Buffer.alloc(bytes, 0x7b),
  key: null,
  deadLetter: {
    deadLetterId: `d-${n}`, reasonCode: 'not-json', reason: 'not valid JSON', errorPath: '', sizeBytes: bytes, payloadSha256: 'x',
    firstSeenAt: '2026-12-01T00:00:00.000Z', coordinates: { kind: 'kafka', topic: 'customer.changes', partition: 0, offset: String(n) },
  },
});

it('cuts what a batch publishes into requests of at most MAX_REQUEST_BYTES, in order, a larger message alone', () => {
  const dls = Array.from({ length: 3000 }, (_, n) => deadLetterMessage(deadLetter(n, 1000)));
  const big = deadLetterMessage(deadLetter(3000, MAX_REQUEST_BYTES + 1));
  const issues: Message[] = [{ key: 'i-1', value: '{}' }];
  const requests = inRequests([{ topic: 'dlq', messages: [...dls, big] }, { topic: 'issues', messages: issues }]);
  expect(requests.length).toBeGreaterThan(5);
  const flat = requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.key ?? m.headers?.['verity-dead-letter-id'])}`)));
  expect(flat).toEqual([...dls.map((m) => `dlq:${String(m.headers?.['verity-dead-letter-id'])}`), 'dlq:d-3000', 'issues:i-1']);
  for (const r of requests) {
    const bytes = r.flatMap((t) => t.messages).reduce((n, m) => n + (m.value as Buffer | string).length, 0);
    if (r.some((t) => t.messages.includes(big))) expect(r.flatMap((t) => t.messages).filter((m) => m !== big).every((m) => m.key === 'i-1')).toBe(true);
    else expect(bytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  }
  expect(inRequests([])).toEqual([]);
});

describeKafka('publishing a batch larger than the broker takes in one request', () => {
  const { brokers } = useKafka();

  it('publishes 3 MB of dead letters to a one-partition topic with the default message size', async () => {
    const deadLetterTopic = await createTopic(brokers, uniqueTopic('big-dlq'), 1);
    const issueTopic = await createTopic(brokers, uniqueTopic('big-issues'), 1);
    const publisher = await TopicPublisher.connect(kafkaClient(brokers), { deadLetterTopic, issueTopic });
    try {
      const deadLetters = Array.from({ length: 3000 }, (_, n) => deadLetter(n, 1000));
      await publisher.publish({ id: 'unit-big', scope: 'unit', tenure: 1, messages: [] }, { deadLetters, issueChanges: [] });
    } finally {
      await publisher.disconnect();
    }
    const published = await readTopic(brokers, deadLetterTopic);
    expect(published.map((m) => m.headers['verity-dead-letter-id'])).toEqual(Array.from({ length: 3000 }, (_, n) => `d-${n}`));
  });
});
