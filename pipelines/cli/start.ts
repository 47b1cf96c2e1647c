// `npm start`: the main job on embedded defaults. Generates a demo stream on first use, runs the
// pipeline over it into the local chDB store, and prints a summary a person can read.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { DEFAULTS } from '../config/defaults.ts';
import { ENV } from '../config/run-settings.ts';
import { writeGeneratedStream } from '../generate/index.ts';
import { runWithFlags } from './commands/run.ts';
import { reportFailure } from './main.ts';
import { printSummary } from './summary.ts';

async function start(): Promise<void> {
  const dataDir = resolve(process.env[ENV.dataDir] || DEFAULTS.dataDir);
  let input = process.argv[2] ?? process.env.VERITY_INPUT;
  if (!input) {
    input = resolve(dataDir, DEFAULTS.demoStream);
    if (!existsSync(input)) {
      process.stdout.write(`Generating a demo stream of ${DEFAULTS.demoCustomers} synthetic customers → ${input}\n`);
      await mkdir(dirname(input), { recursive: true });
      await writeGeneratedStream(input, { customers: DEFAULTS.demoCustomers, seed: DEFAULTS.demoSeed });
    }
  }
  process.stdout.write(`Processing ${input}\n`);
  const { report, config } = await runWithFlags({
    input,
    once: true,
    report: resolve(dataDir, 'demo', 'report.json'),
    logLevel: process.env[ENV.logLevel] || 'error',
  });
  const client = createStoreClient(config.store);
  try {
    await printSummary(report, client, config.database, process.stdout);
  } finally {
    await client.close();
  }
  process.stdout.write(`\nReport: ${resolve(dataDir, 'demo', 'report.json')}\n`);
}

try {
  await start();
} catch (error) {
  process.exitCode = reportFailure(error);
}
