// A heartbeat that meets NOT_COORDINATOR_FOR_GROUP while a chunk is handled, as every member's
// does when its broker has just restarted: the source gives the chunk up, and must then rejoin the
// group. kafkajs rejoins only on an error it sees itself, and its own next heartbeat succeeds (same
// group, same generation), so a source that kept the error to itself re-fetched the chunk and gave
// it up again, forever (tests/kafka/broker-restart.test.ts found it). The broker is real; only
// that one heartbeat answer is made up, as the restarted broker gave it.
import { KafkaJSProtocolError, Partitioners, type ConsumerRunConfig, type EachBatchPayload } from 'kafkajs';
import { expect, it } from 'vitest';
import { KafkaSource } from '../../connectors/kafka/kafka-source.ts';
import { createLogger } from '../../pipelines/runtime/logger.ts';
import type { SourceBatch } from '../../pipelines/runtime/source.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';

describeKafka('KafkaSource after a heartbeat meets a moved coordinator', () => {
  const { brokers } = useKafka();

  it('rejoins the group and handles the chunk it gave up', async () => {
    const topic = await createTopic(brokers, uniqueTopic('heartbeat-lost'), 1);
    const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: ['1', '2', '3'].map((value) => ({ key: 'k', value })) });
    await producer.disconnect();

    const kafka = kafkaClient(brokers);
    let joins = 0;
    // Armed while the first chunk is handled: the source's next heartbeat then meets the error.
    let armed = false;
    const createConsumer = kafka.consumer.bind(kafka);
    kafka.consumer = (config) => {
      const consumer = createConsumer(config);
      consumer.on(consumer.events.GROUP_JOIN, () => (joins += 1));
      const run = consumer.run.bind(consumer);
      consumer.run = (runConfig?: ConsumerRunConfig) =>
        run({
          ...runConfig,
          eachBatch: (payload: EachBatchPayload) =>
            runConfig!.eachBatch!({
              ...payload,
              heartbeat: async () => {
                if (!armed) return payload.heartbeat();
                armed = false;
                throw new KafkaJSProtocolError({ type: 'NOT_COORDINATOR_FOR_GROUP', code: 16, retriable: true, message: 'This is not the correct coordinator for this group' } as unknown as Error);
              },
            }),
        });
      return consumer;
    };

    const source = new KafkaSource({ kafka, groupId: uniqueTopic('heartbeat-lost'), topics: [topic], batchSize: 1, partitionsConcurrency: 1, once: true, logger: createLogger('silent') });
    const handled: string[] = [];
    let givenUp = 0;
    let calls = 0;
    const handle = async (batch: SourceBatch) => {
      calls += 1;
      // As the pipeline does: nothing of a chunk whose membership is given up is written.
      batch.signal?.throwIfAborted();
      if (calls === 1) {
        armed = true;
        // Long enough for the source's 1 s heartbeat tick; ends at once when the chunk is given up.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 5_000);
          batch.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            givenUp += 1;
            reject(batch.signal!.reason as Error);
          });
        });
      }
      handled.push(...batch.messages.map((m) => m.value.toString()));
    };
    const stop = new AbortController();
    const bound = setTimeout(() => stop.abort(), 30_000);
    try {
      await source.run(handle, stop.signal);
    } finally {
      clearTimeout(bound);
    }
    expect(stop.signal.aborted, `not caught up within 30 s: handled ${JSON.stringify(handled)} in ${calls} calls, ${joins} joins`).toBe(false);
    // Given up once, then taken up again after a new join, not given up over and over.
    expect(givenUp).toBe(1);
    expect(joins).toBeGreaterThanOrEqual(2);
    expect(handled).toEqual(['1', '2', '3']);
  }, 60_000);
});
