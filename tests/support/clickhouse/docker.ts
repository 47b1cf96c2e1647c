// A ClickHouse server in Docker via testcontainers, for the HTTP store path. Configured the way
// @testcontainers/clickhouse does it (HTTP wait on `/` answering "Ok.", high nofile ulimit), with
// the image docker-compose.yml runs. testcontainers is imported lazily: no Docker, no load.
import { randomBytes } from 'node:crypto';
import type { ClickHouseServer } from './acquire.ts';

/** Same server line as docker-compose.yml (tests/compose/compose-config.test.ts keeps them equal). */
export const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:25.8';
const HTTP_PORT = 8123;

export async function startDockerClickHouse(
  options: { startTimeoutMs?: number; log?: (message: string) => void } = {},
): Promise<{ server: ClickHouseServer; stop(): Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const started = Date.now();
  // Made up per run: a throwaway container's credentials, never a real secret.
  const username = 'verity';
  const password = randomBytes(12).toString('hex');
  const container = await new GenericContainer(CLICKHOUSE_IMAGE)
    .withExposedPorts(HTTP_PORT)
    .withEnvironment({ CLICKHOUSE_USER: username, CLICKHOUSE_PASSWORD: password, CLICKHOUSE_DB: 'verity' })
    .withUlimits({ nofile: { soft: 262144, hard: 262144 } })
    .withWaitStrategy(Wait.forHttp('/', HTTP_PORT).forResponsePredicate((body) => body === 'Ok.\n'))
    .withStartupTimeout(options.startTimeoutMs ?? 120_000)
    .start();
  const url = `http://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}`;
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= container.stop({ timeout: 5_000 }).then(() => undefined);
    return stopped;
  };
  options.log?.(`ClickHouse server ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s (${CLICKHOUSE_IMAGE} via testcontainers)`);
  return { server: { url, username, password, source: 'docker' }, stop };
}
