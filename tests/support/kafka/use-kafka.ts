// Helpers for test files that need the run's Kafka broker (started by tests/support/global-setup.ts).
//
//   import { createTopic, describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
//
//   describeKafka('my pipeline', () => {
//     const { brokers } = useKafka();
//     it('…', async () => {
//       const topic = await createTopic(brokers, uniqueTopic('orders'), 3);
//       …
//     });
//   });
//
// Every test should use its own topic (uniqueTopic) and consumer group, so tests stay independent.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig } from 'kafkajs';
import { describe, inject } from 'vitest';
import { applyKafkajsRequestQueueFix } from '../../../connectors/kafka/kafkajs-request-queue-fix.ts';
import type { KafkaSource } from './acquire.ts';
import type { KafkaSaslListener } from './broker.ts';
import { skipWhen } from '../skips.ts';
import { kafkaRequired, kafkaRequiredBy } from './context.ts';

// Test files create kafkajs clients of their own (see the module for the defect it fixes).
applyKafkajsRequestQueueFix();

export interface KafkaForTests {
  /** Bootstrap addresses; empty when unavailable. */
  brokers: string[];
  available: boolean;
  /** Why it is unavailable ('' when available). */
  reason: string;
  source: KafkaSource | '';
  /** The broker's SASL/PLAIN listener; null when it has none (Docker or an external broker). */
  sasl: KafkaSaslListener | null;
}

/** The run's broker, as provided by the globalSetup. */
export function useKafka(): KafkaForTests {
  // inject() returns undefined when the globalSetup did not run (e.g. a different config).
  const brokers = (inject('kafkaBrokers') as string[] | undefined) ?? [];
  const reason =
    (inject('kafkaUnavailableReason') as string | undefined) ??
    'tests/support/global-setup.ts did not run (is it listed in vitest.config.ts globalSetup?)';
  const source = (inject('kafkaSource') as KafkaSource | '' | undefined) ?? '';
  const sasl = (inject('kafkaSasl') as KafkaSaslListener | null | undefined) ?? null;
  const available = brokers.length > 0;
  return { brokers, available, reason: available ? '' : reason || 'unknown reason', source, sasl };
}

/**
 * `describe` that is skipped, loudly, when there is no broker. With VERITY_REQUIRE_KAFKA=1 (or in
 * CI mode) it throws instead (the globalSetup normally fails the run before this point).
 */
export function describeKafka(name: string, fn: () => void): void {
  const kafka = useKafka();
  if (!kafka.available) {
    if (kafkaRequired()) throw new Error(`${kafkaRequiredBy()} but no Kafka broker for "${name}": ${kafka.reason}`);
    console.warn(`\n!!! SKIPPING Kafka tests "${name}": ${kafka.reason}\n`);
  }
  describe(name, skipWhen(!kafka.available, `no Kafka broker: ${kafka.reason.split('\n')[0]}`), fn);
}

/** A kafkajs client for tests: quiet (ERROR only; VERITY_KAFKA_LOG=debug|info|warn for more). */
export function kafkaClient(brokers: string[], config: Partial<KafkaConfig> = {}): Kafka {
  const levels: Record<string, logLevel> = {
    nothing: logLevel.NOTHING,
    error: logLevel.ERROR,
    warn: logLevel.WARN,
    info: logLevel.INFO,
    debug: logLevel.DEBUG,
  };
  return new Kafka({
    clientId: 'verity-tests',
    logLevel: levels[(process.env['VERITY_KAFKA_LOG'] ?? 'error').toLowerCase()] ?? logLevel.ERROR,
    ...config,
    brokers,
  });
}

/** Creates a topic (fails if it exists) and waits for its partition leaders. Returns its name. */
export async function createTopic(brokers: string[], name: string, partitions = 3, timeoutMs = 30_000): Promise<string> {
  const admin = kafkaClient(brokers, { clientId: 'verity-tests-admin' }).admin();
  await admin.connect();
  try {
    // Leaders are waited for below: kafkajs's own wait (waitForLeaders) gives up on
    // UNKNOWN_TOPIC_OR_PARTITION, which a broker that has just started answers for a new topic
    // until its metadata cache has it.
    const created = await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }] });
    if (!created) throw new Error(`topic ${name} already exists`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let state: string;
      try {
        const [topic] = (await admin.fetchTopicMetadata({ topics: [name] })).topics;
        const led = topic?.partitions.filter((p) => p.leader >= 0).length ?? 0;
        if (led === partitions) break;
        state = `${led} of ${partitions} partitions have a leader`;
      } catch (error) {
        state = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`topic ${name}: no leaders within ${timeoutMs} ms (${state})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
  return name;
}

/** A topic (or group) name no other test or run uses: `<prefix>-<time>-<random>`. */
export function uniqueTopic(prefix = 'test'): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 180);
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
