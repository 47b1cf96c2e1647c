// vitest globalSetup: one real Kafka broker per test run, shared by every test file, and a
// ClickHouse server for the HTTP store tests when one can be had (Docker or VERITY_CLICKHOUSE_URL).
//
// - It starts only when a selected test file uses Kafka (imports tests/support/kafka/use-kafka.ts
//   or injects 'kafkaBrokers'); `npm test -- rules` never pays for a broker.
//   VERITY_KAFKA_START=always / never overrides that detection.
// - Where the broker comes from: see tests/support/kafka/acquire.ts (VERITY_KAFKA_BROKERS, else
//   Docker via testcontainers, else a local JVM broker from Maven jars, else none).
// - Tests get `inject('kafkaBrokers')` (+ 'kafkaUnavailableReason', 'kafkaSource'); use the
//   helpers in tests/support/kafka/use-kafka.ts.
// - No broker: the Kafka tests are skipped loudly — unless VERITY_REQUIRE_KAFKA=1 or CI mode
//   (VERITY_REQUIRE_ALL=1, CI=true; see skips.ts), which makes this setup throw so the run fails.
// - The broker is stopped in teardown, also when tests fail; if this process dies instead, the
//   broker's watchdog stops it within a second.
// - ClickHouse: only when a selected file uses tests/support/clickhouse/use-clickhouse.ts; tests get
//   inject('clickhouseServer') (url, credentials) or null with a reason, and skip loudly without
//   one (VERITY_REQUIRE_CLICKHOUSE=1 fails them instead). A container is stopped in teardown.
// - PostgreSQL: only when a selected file uses tests/support/postgres/use-postgres.ts (or
//   VERITY_POSTGRES_START=always); started alongside Kafka, see tests/support/postgres/global.ts.
// - The browser: when a selected file uses tests/support/browser/use-browser.ts, Debian's chromium
//   and a CJK font are installed first if missing (tests/support/browser/install-chromium.sh), so
//   that `npm test` on a fresh machine needs nothing else. Without root it says what to install,
//   and the browser tests skip loudly (or fail in CI).
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { acquireClickHouse, type AcquiredClickHouse } from './clickhouse/acquire.ts';
import './clickhouse/context.ts';
import { acquireKafka } from './kafka/acquire.ts';
import { kafkaRequired, kafkaRequiredBy, REQUIRE_KAFKA_ENV } from './kafka/context.ts';
import './postgres/context.ts';
import { setupPostgres } from './postgres/global.ts';

const USES_KAFKA = /use-kafka(?:\.ts)?['"]|inject\(\s*['"]kafka/;
const USES_CLICKHOUSE = /use-clickhouse(?:\.ts)?['"]|inject\(\s*['"]clickhouse/;
const USES_POSTGRES = /use-postgres(?:\.ts)?['"]|inject\(\s*['"]postgres/;
const USES_BROWSER = /use-browser(?:\.ts)?['"]/;
const INSTALL_BROWSER = fileURLToPath(new URL('./browser/install-chromium.sh', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before the services: apt-get and a JVM starting at once would only slow each other down.
  const [needsBrowser] = await selectedFilesUse(project, [USES_BROWSER], [process.env['VERITY_BROWSER_INSTALL']]);
  if (needsBrowser) {
    const installed = spawnSync('bash', [INSTALL_BROWSER], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (installed.status !== 0) process.stderr.write(loud(`browser: ${INSTALL_BROWSER} did not complete (status ${installed.status}); the browser tests will say what is missing`) + '\n');
  }
  // Comes up while Kafka and ClickHouse do; whichever fails, the others are stopped.
  const postgres = selectedFilesUse(project, [USES_POSTGRES], [process.env['VERITY_POSTGRES_START']])
    .then(([needed]) => setupPostgres(project, needed!))
    .then((stop) => ({ stop }), (error: unknown) => ({ error }));
  let others: (() => Promise<void>) | undefined;
  try {
    others = await setupKafkaAndClickHouse(project);
  } catch (error) {
    const settled = await postgres;
    if ('stop' in settled) await settled.stop();
    throw error;
  }
  const settled = await postgres;
  if ('error' in settled) {
    await others?.();
    throw settled.error;
  }
  return async () => {
    await Promise.all([others?.(), settled.stop()]);
  };
}

async function setupKafkaAndClickHouse(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('kafkaBrokers', []);
  project.provide('kafkaSource', '');
  project.provide('kafkaSasl', null);
  project.provide('clickhouseServer', null);

  const [needsKafka, needsClickHouse] = await selectedFilesUse(project, [USES_KAFKA, USES_CLICKHOUSE], [
    process.env['VERITY_KAFKA_START'],
    process.env['VERITY_CLICKHOUSE_START'],
  ]);
  // Both may take a while (a container each with Docker): started together.
  const clickhousePromise: Promise<AcquiredClickHouse | null> = needsClickHouse
    ? acquireClickHouse((message) => process.stderr.write(`[clickhouse] ${message}\n`))
    : Promise.resolve(null);
  const kafkaPromise = needsKafka
    ? acquireKafka({ log: (message) => process.stderr.write(`[kafka] ${message}\n`) }).then(
        (acquired) => ({ acquired }),
        (error: unknown) => ({ error }),
      )
    : null;
  const clickhouse = await startClickHouse(project, clickhousePromise);
  const stopClickHouse = async () => {
    if (clickhouse?.available) await clickhouse.stop();
  };

  if (!kafkaPromise) {
    project.provide('kafkaUnavailableReason', 'not started: no selected test file uses Kafka');
    return stopClickHouse;
  }

  const settled = await kafkaPromise;
  if ('error' in settled) {
    await stopClickHouse();
    throw settled.error;
  }
  const kafka = settled.acquired;
  if (!kafka.available) {
    const banner = loud(`KAFKA UNAVAILABLE: ${kafka.reason}`);
    if (kafkaRequired()) {
      await stopClickHouse();
      throw new Error(`${kafkaRequiredBy()} but ${banner}`);
    }
    process.stderr.write(`${banner}\nThe Kafka tests will be SKIPPED (set ${REQUIRE_KAFKA_ENV}=1 to fail instead).\n`);
    project.provide('kafkaUnavailableReason', kafka.reason);
    return stopClickHouse;
  }

  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('kafkaSource', kafka.source);
  project.provide('kafkaSasl', kafka.sasl ?? null);
  project.provide('kafkaUnavailableReason', '');
  return async () => {
    const started = Date.now();
    await Promise.all([kafka.stop(), stopClickHouse()]);
    if (kafka.source !== 'external') process.stderr.write(`[kafka] broker stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };
}

/** Provides the ClickHouse server (or why there is none) once its acquisition settles. */
async function startClickHouse(project: TestProject, pending: Promise<AcquiredClickHouse | null>): Promise<AcquiredClickHouse | null> {
  const clickhouse = await pending;
  if (clickhouse === null) {
    project.provide('clickhouseUnavailableReason', 'not started: no selected test file uses a ClickHouse server');
  } else if (clickhouse.available) {
    project.provide('clickhouseServer', clickhouse.server);
    project.provide('clickhouseUnavailableReason', '');
  } else {
    process.stderr.write(`${loud(`CLICKHOUSE SERVER UNAVAILABLE: ${clickhouse.reason}`)}\nThe ClickHouse-server tests (tests/e2e/clickhouse-server.test.ts) will be SKIPPED; the HTTP path still runs against verity store serve.\n`);
    project.provide('clickhouseUnavailableReason', clickhouse.reason);
  }
  return clickhouse;
}

/**
 * For each pattern, whether a selected test file's source matches it. An override of `always` or
 * `never` (VERITY_KAFKA_START, VERITY_CLICKHOUSE_START) decides instead of the sources.
 */
async function selectedFilesUse(project: TestProject, patterns: readonly RegExp[], overrides: readonly (string | undefined)[]): Promise<boolean[]> {
  const found = patterns.map((_, i) => (overrides[i] === 'always' ? true : overrides[i] === 'never' ? false : undefined));
  if (found.every((f) => f !== undefined)) return found as boolean[];
  try {
    // The CLI filters (`vitest run tests/kafka`) are what vitest itself globs with; not public API,
    // so anything unexpected means "assume it is needed".
    const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
    const { testFiles } = await project.globTestFiles(Array.isArray(filters) ? (filters as string[]) : undefined);
    const sources = await Promise.all(testFiles.map((file) => readFile(file, 'utf8')));
    return patterns.map((pattern, i) => found[i] ?? sources.some((source) => pattern.test(source)));
  } catch {
    return patterns.map((_, i) => found[i] ?? true);
  }
}

function loud(message: string): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n${message}\n${bar}`;
}
