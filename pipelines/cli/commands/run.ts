import type { Command } from 'commander';
import { createFileSource } from '../../../connectors/file/file-source.ts';
import { openKafkaRun, type KafkaRun } from '../../../connectors/kafka/kafka-run.ts';
import { resolveRunConfig, type RunConfig } from '../../config/run-config.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../runtime/logger.ts';
import { PipelineMetrics } from '../../runtime/metrics.ts';
import type { Source } from '../../runtime/source.ts';
import { runJob, type RunReport } from '../../runtime/run-job.ts';
import { createProgress } from '../progress.ts';
import { exitStatusFor, stopSignalHandler } from '../stop-signals.ts';

export interface RunFlags {
  input?: string;
  rules?: string;
  mappings?: string;
  store?: string;
  database?: string;
  dataDir?: string;
  batchSize?: string;
  once?: boolean;
  report?: string;
  logLevel?: string;
  config?: string;
  progress?: boolean;
  metricsPort?: string;
  metricsHost?: string;
  slaSweepSeconds?: string;
  kafkaBrokers?: string;
  kafkaClientId?: string;
  groupId?: string;
  customerTopic?: string;
  agentTopic?: string;
  deadLetterTopic?: string;
  issueTopic?: string;
  partitionsConcurrency?: string;
  topicPartitions?: string;
  sessionTimeoutMs?: string;
  kafkaSsl?: boolean;
  kafkaSslCa?: string;
  kafkaSslCert?: string;
  kafkaSslKey?: string;
  kafkaSaslMechanism?: string;
  kafkaSaslUsername?: string;
  maxMessageBytes?: string;
  maxStringLength?: string;
  maxArrayItems?: string;
  maxObjectKeys?: string;
  maxDepth?: string;
  eventTimeEarliest?: string;
  eventTimeAheadHours?: string;
  storeRetrySeconds?: string;
  storeTimeoutSeconds?: string;
}

/** After a stop signal, the Kafka source has 30 s to drain; this is the last resort beyond that. */
const HARD_EXIT_AFTER_MS = 40_000;
/** A second stop signal sooner than this after the first is the same request delivered twice. */
const SIGNAL_ECHO_MS = 1_000;

/** Shared by `verity run` and `npm start`. */
export async function runWithFlags(flags: RunFlags): Promise<{ report: RunReport; config: RunConfig }> {
  const { config: configFile, groupId, sessionTimeoutMs, metricsPort, ...rest } = flags;
  // `--metrics-port auto` binds whatever port is free and logs the URL ('metrics endpoint
  // listening'): whoever starts the process reads it there, so no port is picked in advance for
  // another process to take first. A flag only: a deployment publishes a known port.
  const ephemeralMetrics = metricsPort === 'auto';
  // Validated once, with every other setting: flags, env vars and the config file alike.
  const config = await resolveRunConfig({
    flags: { ...rest, metricsPort: ephemeralMetrics ? undefined : metricsPort, kafkaGroupId: groupId, kafkaSessionTimeoutMs: sessionTimeoutMs, progress: flags.progress },
    env: process.env,
    configFile,
    cwd: process.cwd(),
    flagNames: { kafkaGroupId: '--group-id', kafkaSessionTimeoutMs: '--session-timeout-ms', progress: '--no-progress' },
  });
  if (!config.input && !config.kafka) {
    throw new ConfigError('--input', 'no input given: pass a JSON Lines file, - for standard input, or --kafka-brokers to consume Kafka');
  }
  const logger = createLogger(config.logLevel);
  const progress = createProgress(config.progress ?? (process.stderr.isTTY === true && config.logLevel !== 'silent'));
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
    setTimeout(() => {
      logger.error({ afterMs: HARD_EXIT_AFTER_MS }, 'shutdown did not finish in time: exiting; uncommitted batches will be re-delivered');
      process.exit(1);
    }, HARD_EXIT_AFTER_MS).unref();
  };
  // See stop-signals.ts: the first signal stops gracefully, its echo is ignored, a late repeat exits.
  const onSignal = stopSignalHandler({
    echoMs: SIGNAL_ECHO_MS,
    now: Date.now,
    onStop: (signal) => {
      logger.info({ signal }, 'stop requested: finishing the batch in progress, then exiting');
      stop();
    },
    onInsist: (signal) => {
      logger.warn({ signal }, 'second stop signal: exiting now; uncommitted batches will be re-delivered');
      process.exit(exitStatusFor(signal));
    },
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // A file or stdin given explicitly wins over brokers from the environment; Kafka needs no --input.
  let kafkaRun: KafkaRun | undefined;
  let metrics: PipelineMetrics | undefined;
  try {
    let source: Source;
    if (config.input) {
      source = createFileSource({ input: config.input, batchSize: config.batchSize });
    } else {
      const kafkaConfig = config.kafka!;
      if (config.metricsPort > 0 || config.metricsHost || ephemeralMetrics) metrics = new PipelineMetrics();
      const lagMetrics = metrics;
      kafkaRun = await openKafkaRun(config, kafkaConfig, logger, {
        partitions: kafkaConfig.topicPartitions,
        ...(kafkaConfig.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: kafkaConfig.sessionTimeoutMs } : {}),
        ...(lagMetrics
          ? {
              onLag: (topic: string, partition: number, lag: number) => lagMetrics.setLag(topic, partition, lag),
              onPartitionRevoked: (topic: string, partition: number) => lagMetrics.clearLag(topic, partition),
            }
          : {}),
      });
      source = kafkaRun.source;
    }
    const report = await runJob(config, source, logger, {
      onBatch: (stats) => progress.update(stats),
      signal: controller.signal,
      ...(config.metricsHost || ephemeralMetrics
        ? { metricsServer: { ...(config.metricsHost ? { host: config.metricsHost } : {}), ...(ephemeralMetrics ? { port: 0 } : {}) } }
        : {}),
      ...(metrics ? { metrics } : {}),
      ...(kafkaRun ? { publish: kafkaRun.publisher.publish, publishNotices: kafkaRun.publisher.publishNotices } : {}),
    });
    return { report, config };
  } finally {
    await kafkaRun?.close();
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('validate change events, write masked analytics, findings and issues')
    .option('-i, --input <file>', 'JSON Lines input file, or - for standard input')
    .option('--rules <dir>', 'rule pack folder or file (default: the built-in pack)')
    .option('--mappings <dir>', 'Debezium field-mapping folder or file (default: the shipped example)')
    .option('--store <dir|url>', 'embedded chDB folder, or http(s):// URL of a ClickHouse server (default: data/chdb)')
    .option('--database <name>', 'ClickHouse database (default: verity)')
    .option('--data-dir <dir>', 'folder for the embedded store, token key and dead letters (default: data)')
    .option('--batch-size <n>', 'events per batch (default: 5000)')
    .option('--once', 'process the input and exit: Kafka stops once caught up with every partition (file and stdin always end at end of input)')
    .option('--report <file>', 'write a JSON run report')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: info)')
    .option('--config <file>', 'YAML config file with the same keys in camelCase')
    .option('--no-progress', 'no live progress line even on a terminal')
    .option('--sla-sweep-seconds <s>', 'how often the SLA clock raises due-soon and breached notices; 0 = only at the end of a run (default: 60)')
    .option('--metrics-port <port>', 'serve /metrics, /healthz and /readyz on this port; 0 = off; auto = any free port, logged with its URL (default: 9464 with Kafka, else 0)')
    .option('--kafka-brokers <list>', 'consume Kafka: host:port, comma-separated (env VERITY_KAFKA_BROKERS); --input then not needed')
    .option('--kafka-client-id <id>', 'Kafka client id (default: verity)')
    .option('--group-id <id>', 'Kafka consumer group (default: verity-quality)')
    .option('--customer-topic <topic>', 'customer change topic (default: customer.changes)')
    .option('--agent-topic <topic>', 'agent change topic (default: agent.changes)')
    .option('--dead-letter-topic <topic>', 'dead-letter topic (default: customer.changes.dlq)')
    .option('--issue-topic <topic>', 'issue change topic (default: dq.issues)')
    .option('--partitions-concurrency <n>', 'partitions processed concurrently (default: 2)')
    .option('--topic-partitions <n>', 'partitions of topics Verity creates when missing (default: 6)')
    .option('--session-timeout-ms <ms>', 'Kafka consumer session timeout: how soon a crashed member is replaced (default: 30000)')
    .option('--metrics-host <addr>', 'address the metrics endpoint listens on (default: 127.0.0.1; 0.0.0.0 in a container)')
    .option('--kafka-ssl', 'connect to the brokers over TLS (env VERITY_KAFKA_SSL=true)')
    .option('--kafka-ssl-ca <file>', 'PEM file of the CA that signed the brokers\' certificates (turns TLS on)')
    .option('--kafka-ssl-cert <file>', 'PEM client certificate for mutual TLS, with --kafka-ssl-key')
    .option('--kafka-ssl-key <file>', 'PEM private key of the client certificate')
    .option('--kafka-sasl-mechanism <name>', 'plain|scram-sha-256|scram-sha-512; the password comes from VERITY_KAFKA_SASL_PASSWORD or the config file, never a flag')
    .option('--kafka-sasl-username <name>', 'SASL user name (env VERITY_KAFKA_SASL_USERNAME)')
    .option('--max-message-bytes <n>', 'messages larger than this are dead-lettered as too-large (default: 1048576)')
    .option('--max-string-length <n>', 'longest string value or member name, in characters (default: 4096)')
    .option('--max-array-items <n>', 'most items in any array: accounts, relatives, … (default: 100)')
    .option('--max-object-keys <n>', 'most members in any object (default: 256)')
    .option('--max-depth <n>', 'deepest nesting of objects and arrays (default: 32)')
    .option('--event-time-earliest <date>', 'earliest occurredAt accepted, a date or an ISO instant (default: 1970-01-01)')
    .option('--event-time-ahead-hours <h>', 'how far past the processing time occurredAt may lie (default: 24)')
    .option('--store-retry-seconds <s>', 'how long a batch write is retried while the store is unavailable before the run stops (default: 600)')
    .option('--store-timeout-seconds <s>', 'how long one request to a ClickHouse server may take, 1 to 50 (default: 30)')
    .action(async (flags: RunFlags & { progress: boolean }) => {
      // commander sets progress=true unless --no-progress; only an explicit opt-out should override the TTY check.
      const { report } = await runWithFlags({ ...flags, progress: flags.progress ? undefined : false } as RunFlags);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
