// Proves the test broker is a real Kafka: partitioned topics, keyed ordering, consumer groups and
// committed offsets that survive a consumer restart.
import { Partitioners } from 'kafkajs';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';

interface Received {
  partition: number;
  offset: string;
  key: string;
  value: string;
}

/** Subscribes `consumer` to `topic` and resolves once `count` messages arrived (or rejects after `timeoutMs`). */
async function consume(consumer: Consumer, topic: string, count: number, timeoutMs = 30_000): Promise<Received[]> {
  const received: Received[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      received.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
      });
      if (received.length >= count) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${received.length}/${count} messages from ${topic} after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([enough, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return received;
}

describeKafka('the test Kafka broker', () => {
  const { brokers } = useKafka();
  let kafka: Kafka | undefined;
  const client = (): Kafka => (kafka ??= kafkaClient(brokers));
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  function producer() {
    const p = client().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    cleanups.push(() => p.disconnect());
    return p;
  }

  function consumer(groupId: string) {
    const c = client().consumer({ groupId, allowAutoTopicCreation: false });
    cleanups.push(() => c.disconnect());
    return c;
  }

  it('delivers 100 keyed messages through a 3-partition topic, in order per key', async () => {
    const topic = await createTopic(brokers, uniqueTopic('broker-keyed'), 3);
    const keys = Array.from({ length: 10 }, (_, i) => `customer-${i}`);
    const sent = Array.from({ length: 100 }, (_, i) => ({ key: keys[i % keys.length]!, value: `${keys[i % keys.length]}#${Math.floor(i / keys.length)}` }));

    const p = producer();
    await p.connect();
    await p.send({ topic, messages: sent });

    const c = consumer(uniqueTopic('broker-keyed-group'));
    await c.connect();
    const received = await consume(c, topic, 100);

    expect(received).toHaveLength(100);
    expect(received.map((m) => `${m.key}=${m.value}`).sort()).toEqual(sent.map((m) => `${m.key}=${m.value}`).sort());
    // Really partitioned: the keys spread over more than one partition, and each key sticks to one.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of received) partitionsByKey.set(m.key, (partitionsByKey.get(m.key) ?? new Set()).add(m.partition));
    for (const [key, partitions] of partitionsByKey) expect(partitions.size, key).toBe(1);
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
    // Per-key order is the send order.
    for (const key of keys) {
      const sequence = received.filter((m) => m.key === key).map((m) => Number(m.value.split('#')[1]));
      expect(sequence, key).toEqual([...Array(10).keys()]);
    }
  });

  it('keeps a committed consumer-group offset across a consumer restart', async () => {
    const topic = await createTopic(brokers, uniqueTopic('broker-offsets'), 3);
    const groupId = uniqueTopic('broker-offsets-group');
    const p = producer();
    await p.connect();
    // Explicit partitions, every partition gets both batches: if the committed offsets were lost,
    // the restarted consumer would see "before" messages ahead of the "after" ones.
    const batch = (label: string, perPartition: number) =>
      [0, 1, 2].flatMap((partition) =>
        Array.from({ length: perPartition }, (_, i) => ({ partition, key: `p${partition}`, value: `${label}-${partition}-${i}` })),
      );
    const before = batch('before', 4);
    await p.send({ topic, messages: before });

    // First consumer: read everything, commit explicitly, leave the group.
    const first = consumer(groupId);
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    const seenFirst: Received[] = [];
    let firstDone!: () => void;
    const firstComplete = new Promise<void>((resolve) => (firstDone = resolve));
    await first.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        seenFirst.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        await first.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        if (seenFirst.length === before.length) firstDone();
      },
    });
    await firstComplete;
    await first.disconnect();
    expect(seenFirst.map((m) => m.value).sort()).toEqual(before.map((m) => m.value).sort());

    // The broker holds the commit: offset 4 on each partition.
    const admin = client().admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions.map((x) => [x.partition, x.offset]).sort()).toEqual([
      [0, '4'],
      [1, '4'],
      [2, '4'],
    ]);

    const after = batch('after', 2);
    await p.send({ topic, messages: after });

    // Restarted consumer, same group: only what was produced after the commit.
    const second = consumer(groupId);
    await second.connect();
    const seenSecond = await consume(second, topic, after.length);
    expect(seenSecond.map((m) => m.value).sort()).toEqual(after.map((m) => m.value).sort());
    expect(seenSecond.every((m) => BigInt(m.offset) >= 4n)).toBe(true);
  });
});
