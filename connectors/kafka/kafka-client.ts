// One place that turns the run configuration into a kafkajs client. kafkajs logs go through pino at
// WARN and above, with only the client's own message and a few safe fields: kafkajs log entries can
// carry request payloads, which may hold personal data.
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaRunConfig } from '../../pipelines/config/run-config.ts';

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

export function createKafka(config: KafkaRunConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  const sasl: SASLOptions | undefined = config.sasl
    ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions)
    : undefined;
  return new Kafka({
    clientId: `${config.clientId}${clientIdSuffix}`,
    brokers: [...config.brokers],
    ssl: config.ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  });
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
