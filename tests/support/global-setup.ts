// vitest globalSetup: one real Kafka broker per test run, shared by every test file.
//
// - It starts only when a selected test file uses Kafka (imports tests/support/kafka/use-kafka.ts
//   or injects 'kafkaBrokers'); `npm test -- rules` never pays for a broker.
//   VERITY_KAFKA_START=always / never overrides that detection.
// - Where the broker comes from: see tests/support/kafka/acquire.ts (VERITY_KAFKA_BROKERS, else
//   Docker via testcontainers, else a local JVM broker from Maven jars, else none).
// - Tests get `inject('kafkaBrokers')` (+ 'kafkaUnavailableReason', 'kafkaSource'); use the
//   helpers in tests/support/kafka/use-kafka.ts.
// - No broker: the Kafka tests are skipped loudly — unless VERITY_REQUIRE_KAFKA=1 (CI), which makes
//   this setup throw so the run fails.
// - The broker is stopped in teardown, also when tests fail; if this process dies instead, the
//   broker's watchdog stops it within a second.
import { readFile } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { acquireKafka } from './kafka/acquire.ts';
import { kafkaRequired, REQUIRE_KAFKA_ENV } from './kafka/context.ts';

const USES_KAFKA = /use-kafka(?:\.ts)?['"]|inject\(\s*['"]kafka/;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('kafkaBrokers', []);
  project.provide('kafkaSource', '');
  project.provide('kafkaSasl', null);

  const needed = await selectedFilesUseKafka(project);
  if (!needed) {
    project.provide('kafkaUnavailableReason', 'not started: no selected test file uses Kafka');
    return undefined;
  }

  const kafka = await acquireKafka({ log: (message) => process.stderr.write(`[kafka] ${message}\n`) });
  if (!kafka.available) {
    const banner = loud(`KAFKA UNAVAILABLE: ${kafka.reason}`);
    if (kafkaRequired()) {
      throw new Error(`${REQUIRE_KAFKA_ENV}=1 but ${banner}`);
    }
    process.stderr.write(`${banner}\nThe Kafka tests will be SKIPPED (set ${REQUIRE_KAFKA_ENV}=1 to fail instead).\n`);
    project.provide('kafkaUnavailableReason', kafka.reason);
    return undefined;
  }

  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('kafkaSource', kafka.source);
  project.provide('kafkaSasl', kafka.sasl ?? null);
  project.provide('kafkaUnavailableReason', '');
  return async () => {
    const started = Date.now();
    await kafka.stop();
    if (kafka.source !== 'external') process.stderr.write(`[kafka] broker stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };
}

async function selectedFilesUseKafka(project: TestProject): Promise<boolean> {
  const override = process.env['VERITY_KAFKA_START'];
  if (override === 'always') return true;
  if (override === 'never') return false;
  try {
    // The CLI filters (`vitest run tests/kafka`) are what vitest itself globs with; not public API,
    // so anything unexpected means "assume Kafka is needed".
    const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
    const { testFiles } = await project.globTestFiles(Array.isArray(filters) ? (filters as string[]) : undefined);
    for (const file of testFiles) {
      if (USES_KAFKA.test(await readFile(file, 'utf8'))) return true;
    }
    return false;
  } catch {
    return true;
  }
}

function loud(message: string): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n${message}\n${bar}`;
}
