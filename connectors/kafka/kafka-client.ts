// One place that turns the run configuration into a kafkajs client. kafkajs logs go through pino at
// WARN and above, with only the client's own message and a few safe fields: kafkajs log entries can
// carry request payloads, which may hold personal data.
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaRunConfig } from '../../pipelines/config/run-config.ts';
import { applyKafkajsRequestQueueFix } from './kafkajs-request-queue-fix.ts';

// Before any connection exists: see the module for the kafkajs defect it fixes.
applyKafkajsRequestQueueFix();

const SAFE_LOG_FIELDS = ['broker', 'clientId', 'groupId', 'topic', 'partition', 'retryCount', 'retryTime', 'error', 'type'] as const;

function pinoLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const fields: Record<string, unknown> = { kafka: namespace };
      const entry = log as unknown as Record<string, unknown>;
      for (const key of SAFE_LOG_FIELDS) if (entry[key] !== undefined) fields[key] = entry[key];
      const message = String(log.message ?? '');
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/**
 * The kafkajs client options for a run configuration: TLS and SASL exactly as configured (kafkajs
 * takes `ssl: true` or Node TLS options such as `ca`, `cert`, `key`), logs through pino.
 */
export function kafkaClientConfig(config: KafkaRunConfig, logger: Logger, clientIdSuffix = ''): KafkaConfig {
  const sasl: SASLOptions | undefined = config.sasl
    ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions)
    : undefined;
  return {
    clientId: `${config.clientId}${clientIdSuffix}`,
    brokers: [...config.brokers],
    ssl: typeof config.ssl === 'boolean' ? config.ssl : { ...config.ssl },
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  };
}

export function createKafka(config: KafkaRunConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  return new Kafka(kafkaClientConfig(config, logger, clientIdSuffix));
}

/** Creates the topics that do not exist yet (brokers often run with auto-create off). */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions: number, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
        waitForLeaders: true,
      });
    } catch (error) {
      // Another instance may have created them in between: only a still-missing topic is an error.
      const now = new Set(await admin.listTopics());
      if (missing.some((t) => !now.has(t))) throw error;
    }
    logger.info({ topics: missing, partitions }, 'created missing Kafka topics');
  } finally {
    await admin.disconnect();
  }
}
