// What a Kafka-mode `verity run` needs besides the shared pipeline: the topics (created when
// missing), the consumer-group source, and the publisher for the dead-letter and issue topics.
import type { Logger } from 'pino';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import type { RunConfig, KafkaRunConfig } from '../../pipelines/config/run-config.ts';
import { failpointFromEnv } from '../../pipelines/runtime/failpoints.ts';
import { createKafka, ensureTopics } from './kafka-client.ts';
import { KafkaSource } from './kafka-source.ts';
import { TopicPublisher } from './topic-publisher.ts';
import { KafkaCorrectionSink } from './correction-publisher.ts';

export interface KafkaRun {
  readonly source: KafkaSource;
  readonly publisher: TopicPublisher;
  /** Corrections upstream: `customer.corrections`, key = customerId. */
  readonly corrections: KafkaCorrectionSink;
  close(): Promise<void>;
}

export interface KafkaRunOptions {
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
  readonly onPartitionRevoked?: (topic: string, partition: number) => void;
  /** Partitions of topics created at start. */
  readonly partitions?: number;
  readonly shutdownTimeoutMs?: number;
  readonly sessionTimeoutMs?: number;
}

export async function openKafkaRun(config: RunConfig, kafkaConfig: KafkaRunConfig, logger: Logger, options: KafkaRunOptions = {}): Promise<KafkaRun> {
  const kafka = createKafka(kafkaConfig, logger);
  const { topics } = kafkaConfig;
  await ensureTopics(kafka, [topics.customers, topics.agents, topics.deadLetters, topics.issues, topics.corrections], options.partitions ?? DEFAULTS.topicPartitions, logger);
  const publisher = await TopicPublisher.connect(kafka, { deadLetterTopic: topics.deadLetters, issueTopic: topics.issues });
  const corrections = await KafkaCorrectionSink.connect(kafka, topics.corrections);
  const source = new KafkaSource({
    kafka,
    groupId: kafkaConfig.groupId,
    topics: [topics.customers, topics.agents],
    batchSize: config.batchSize,
    partitionsConcurrency: kafkaConfig.partitionsConcurrency,
    fetchMaxBytes: kafkaConfig.fetchMaxMb * 1024 * 1024,
    once: config.once,
    logger,
    failpoint: failpointFromEnv(),
    ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.onLag ? { onLag: options.onLag } : {}),
    ...(options.onPartitionRevoked ? { onPartitionRevoked: options.onPartitionRevoked } : {}),
  });
  return {
    source,
    publisher,
    corrections,
    close: async () => {
      await Promise.all([publisher.disconnect(), corrections.disconnect()]);
    },
  };
}
