import { FileCorrectionSink } from '../../../connectors/file/correction-outbox.ts';
import type { Command } from 'commander';
import { createFileSource } from '../../../connectors/file/file-source.ts';
import { openKafkaRun, type KafkaRun } from '../../../connectors/kafka/kafka-run.ts';
import { resolveRunConfig, type RunConfig } from '../../config/run-config.ts';
import { flagAttribute, helpOf, RUN_SETTINGS, type SettingKey } from '../../config/run-settings.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../runtime/logger.ts';
import { PipelineMetrics } from '../../runtime/metrics.ts';
import type { Source } from '../../runtime/source.ts';
import { runJob, type RunReport } from '../../runtime/run-job.ts';
import { applyHeapGrowth } from '../heap-growth.ts';
import { createProgress } from '../progress.ts';
import { exitStatusFor, stopSignalHandler } from '../stop-signals.ts';
import { runConnectors } from '../run-connectors.ts';

/**
 * What commander hands over: one value per setting (named after its flag; see run-settings.ts),
 * and `--config`. `npm start` passes the same, keyed by setting.
 */
export type RunFlags = Partial<Record<SettingKey, string | boolean>> & { readonly config?: string };

/** After a stop signal, the Kafka source has 30 s to drain; this is the last resort beyond that. */
const HARD_EXIT_AFTER_MS = 40_000;
/** A second stop signal sooner than this after the first is the same request delivered twice. */
const SIGNAL_ECHO_MS = 1_000;

/** Shared by `verity run` and `npm start`. */
export async function runWithFlags(flags: RunFlags): Promise<{ report: RunReport; config: RunConfig }> {
  const { config: configFile, ...settings } = flags;
  // Validated once, with every other setting: flags, env vars and the config file alike.
  const config = await resolveRunConfig({ flags: settings, env: process.env, configFile, cwd: process.cwd() });
  if (!config.input && !config.kafka) {
    throw new ConfigError('--input', 'no input given: pass a JSON Lines file, - for standard input, or --kafka-brokers to consume Kafka');
  }
  applyHeapGrowth(config.heapGrowthPercent);
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
      source = createFileSource({ input: config.input, batchSize: config.batchSize, maxLineBytes: config.limits.maxMessageBytes });
    } else {
      const kafkaConfig = config.kafka!;
      if (config.metricsPort === 'auto' || config.metricsPort > 0 || config.metricsHost) metrics = new PipelineMetrics();
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
    const report = await runJob(config, runConnectors(config), source, logger, {
      onBatch: (stats) => progress.update(stats),
      signal: controller.signal,
      ...(config.metricsHost ? { metricsServer: { host: config.metricsHost } } : {}),
      ...(metrics ? { metrics } : {}),
      ...(kafkaRun
        ? { sinks: [kafkaRun.publisher], issueMirrors: [kafkaRun.publisher.issueMirror], corrections: kafkaRun.corrections }
        : { corrections: FileCorrectionSink.inDataDir(config.dataDir) }),
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
  const command = program.command('run').description('validate change events, write masked analytics, findings and issues');
  // Every flag from the one list of settings; commander names each value after its flag.
  const byAttribute = new Map<string, SettingKey>();
  for (const [key, s] of Object.entries(RUN_SETTINGS) as [SettingKey, { flag?: string }][]) {
    if (!s.flag) continue;
    command.option(s.flag, helpOf(key));
    byAttribute.set(flagAttribute(s.flag), key);
  }
  command.option('--config <file>', 'YAML config file with the same keys in camelCase (see the README, "Configuration")');
  command.action(async (given: Record<string, string | boolean | undefined>) => {
    const flags: Record<string, string | boolean> = {};
    for (const [attribute, value] of Object.entries(given)) {
      const key = byAttribute.get(attribute);
      if (key !== undefined && value !== undefined) flags[key] = value;
    }
    // commander sets progress=true unless --no-progress; only an explicit opt-out may override the
    // terminal check.
    if (flags['progress'] === true) delete flags['progress'];
    const { report } = await runWithFlags({ ...(flags as RunFlags), ...(typeof given['config'] === 'string' ? { config: given['config'] } : {}) });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  });
}
