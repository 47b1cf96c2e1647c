// PostgreSQL in Docker via testcontainers (@testcontainers/postgresql, the official postgres:17
// image), used when a container engine is reachable. Imported lazily so that machines without
// Docker never load testcontainers.
//
// stop() and restart() must keep the port and the data: the host port is chosen up front (a random
// published port may change when a container starts again), and stop() leaves the container (and
// its data volume) in place; destroy() removes both.
import { randomBytes } from 'node:crypto';
import type { PostgresServer, StopMode } from './server.ts';
import { freePort, POSTGRES_MAJOR, redact, TEST_DATABASE, TEST_ROLE, waitForPostgres } from './server.ts';

export const POSTGRES_IMAGE = `postgres:${POSTGRES_MAJOR}`;
const POSTGRES_PORT = 5432;

export async function startDockerPostgres(
  options: { startTimeoutMs?: number; stopGraceMs?: number; log?: (message: string) => void } = {},
): Promise<PostgresServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { getContainerRuntimeClient } = await import('testcontainers');
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const started = Date.now();
  // Made up per server: a throwaway container's credentials, never a real secret. The image makes
  // this role the superuser, so url and adminUrl are the same here.
  const password = randomBytes(16).toString('hex');
  const start = (hostPort: number) =>
    new PostgreSqlContainer(POSTGRES_IMAGE)
      .withDatabase(TEST_DATABASE)
      .withUsername(TEST_ROLE)
      .withPassword(password)
      .withExposedPorts({ container: POSTGRES_PORT, host: hostPort })
      // The same speed-ups as the local server (see serverSettings in server.ts for why they are safe).
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=32MB'])
      .withStartupTimeout(startTimeoutMs)
      .start();
  // Another process can take the host port before Docker publishes it; then we pick again.
  let port = await freePort();
  let container: Awaited<ReturnType<typeof start>>;
  for (let attempt = 1; ; attempt++) {
    try {
      container = await start(port);
      break;
    } catch (error) {
      if (attempt >= 5 || !/port is already allocated|address already in use/i.test((error as Error).message)) throw error;
      options.log?.(`host port ${port} was taken before the container bound it (attempt ${attempt}/5); retrying with another`);
      port = await freePort();
    }
  }
  const host = container.getHost();
  const url = `postgres://${TEST_ROLE}:${password}@${host}:${port}/${TEST_DATABASE}`;
  const client = await getContainerRuntimeClient();
  const raw = client.container.getById(container.getId());
  let running = true;
  let destroyed = false;

  // `docker stop` sends the image's STOPSIGNAL (SIGINT: a fast shutdown); the other modes are crashes.
  const stop = async (mode: StopMode = 'fast'): Promise<void> => {
    if (!running) return;
    if (mode === 'fast') {
      await client.container.stop(raw, { timeout: stopGraceMs });
    } else {
      await raw.kill({ signal: mode === 'immediate' ? 'SIGQUIT' : 'SIGKILL' });
      await raw.wait();
    }
    running = false;
  };

  options.log?.(`PostgreSQL ready on ${host}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (${POSTGRES_IMAGE} via testcontainers)`);
  return {
    url,
    adminUrl: url,
    host,
    port,
    source: 'docker',
    logFile: `(container ${container.getId().slice(0, 12)}: docker logs)`,
    get running() {
      return running && !destroyed;
    },
    stop,
    async restart() {
      if (destroyed) throw new Error('restart() after destroy()');
      await stop('fast');
      const restarted = Date.now();
      await client.container.start(raw);
      running = true;
      await waitForPostgres(url, startTimeoutMs).catch((error: unknown) => {
        throw new Error(`the PostgreSQL container ${container.getId().slice(0, 12)} did not come back on ${redact(url)}: ${(error as Error).message}`);
      });
      options.log?.(`PostgreSQL container restarted on ${host}:${port} in ${((Date.now() - restarted) / 1000).toFixed(1)} s`);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      running = false;
      await container.stop({ timeout: stopGraceMs, remove: true, removeVolumes: true });
    },
  };
}
