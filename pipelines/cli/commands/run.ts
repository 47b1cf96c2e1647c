import type { Command } from 'commander';
import { createFileSource } from '../../../connectors/file/file-source.ts';
import { resolveRunConfig, type RunConfig } from '../../config/run-config.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../runtime/logger.ts';
import { runJob, type RunReport } from '../../runtime/run-job.ts';
import { createProgress } from '../progress.ts';

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
}

/** Shared by `verity run` and `npm start`. */
export async function runWithFlags(flags: RunFlags): Promise<{ report: RunReport; config: RunConfig }> {
  const { config: configFile, ...rest } = flags;
  const config = await resolveRunConfig({
    flags: { ...rest, progress: flags.progress },
    env: process.env,
    configFile,
    cwd: process.cwd(),
  });
  if (!config.input) {
    throw new ConfigError('--input', 'no input given: pass a JSON Lines file or - for standard input (Kafka sources arrive with the Kafka issue)');
  }
  const logger = createLogger(config.logLevel);
  const progress = createProgress(config.progress ?? (process.stderr.isTTY === true && config.logLevel !== 'silent'));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await runJob(config, createFileSource({ input: config.input, batchSize: config.batchSize }), logger, {
      onBatch: (stats) => progress.update(stats),
      signal: controller.signal,
    });
    return { report, config };
  } finally {
    progress.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
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
    .option('--once', 'process the input and exit (file and stdin inputs always end at end of input)')
    .option('--report <file>', 'write a JSON run report')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: info)')
    .option('--config <file>', 'YAML config file with the same keys in camelCase')
    .option('--no-progress', 'no live progress line even on a terminal')
    .action(async (flags: RunFlags & { progress: boolean }) => {
      // commander sets progress=true unless --no-progress; only an explicit opt-out should override the TTY check.
      const { report } = await runWithFlags({ ...flags, progress: flags.progress ? undefined : false } as RunFlags);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
