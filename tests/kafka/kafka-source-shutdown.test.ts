// A finished Kafka source must leave no connection behind. It polls the group's progress through
// an admin client, and kafkajs does not fail an admin call made after admin.disconnect(): it
// reconnects for it, and nothing closes that socket, so a `verity run --once` outlived its last
// line (issue 6, section 5). Here every progress read's last answer is held until the admin has
// been disconnected (at most 1 s), the timing that leaked, and the admin must send nothing after.
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin } from 'kafkajs';
import { expect, it } from 'vitest';
import { KafkaSource } from '../../connectors/kafka/kafka-source.ts';
import { createLogger } from '../../pipelines/runtime/logger.ts';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';

describeKafka('KafkaSource shutdown', () => {
  const { brokers } = useKafka();

  it('disconnects its admin client only once the progress read under way has settled', async () => {
    const topics = [await createTopic(brokers, uniqueTopic('shutdown-a'), 1), await createTopic(brokers, uniqueTopic('shutdown-b'), 1)];
    const producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: topics[0]!, messages: [{ key: 'k', value: '{}' }] });
    await producer.disconnect();

    const kafka = kafkaClient(brokers);
    const admins: Admin[] = [];
    const sentAfterDisconnect: string[] = [];
    let disconnected = false;
    let markDisconnected!: () => void;
    const disconnectDone = new Promise<void>((resolve) => (markDisconnected = resolve));
    const createAdmin = kafka.admin.bind(kafka);
    kafka.admin = (config) => {
      const admin = createAdmin(config);
      admins.push(admin);
      admin.on(admin.events.REQUEST, (e) => {
        if (disconnected) sentAfterDisconnect.push(e.payload.apiName);
      });
      const disconnect = admin.disconnect.bind(admin);
      admin.disconnect = async () => {
        await disconnect();
        disconnected = true;
        markDisconnected();
      };
      const fetchTopicOffsets = admin.fetchTopicOffsets.bind(admin);
      admin.fetchTopicOffsets = async (topic) => {
        const offsets = await fetchTopicOffsets(topic);
        if (topic === topics[1]) await Promise.race([disconnectDone, sleep(1000)]);
        return offsets;
      };
      return admin;
    };

    const source = new KafkaSource({
      kafka,
      groupId: uniqueTopic('shutdown'),
      topics,
      batchSize: 100,
      partitionsConcurrency: 1,
      once: true,
      logger: createLogger('silent'),
      progressPollMs: 1,
    });
    let handled = 0;
    try {
      await source.run(async (batch) => {
        handled += batch.messages.length;
      }, new AbortController().signal);
      // A read left running reconnects within milliseconds of the disconnect.
      await sleep(1000);
      expect(handled).toBe(1);
      expect(admins).toHaveLength(1);
      expect(sentAfterDisconnect).toEqual([]);
    } finally {
      // Closes whatever a read left running reconnected, so this test leaks nothing itself.
      for (const admin of admins) await admin.disconnect();
    }
  }, 60_000);
});
