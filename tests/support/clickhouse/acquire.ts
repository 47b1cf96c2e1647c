// Picks the ClickHouse server for tests of the HTTP store path (`verity run --store http://…`):
//   1. VERITY_CLICKHOUSE_URL=http(s)://host:8123 → that server, as is (checked it answers /ping);
//      credentials from the URL or VERITY_CLICKHOUSE_USER / VERITY_CLICKHOUSE_PASSWORD
//   2. a Docker engine                            → clickhouse/clickhouse-server via testcontainers
//   3. neither                                    → unavailable, with the reason (tests skip loudly)
// VERITY_CLICKHOUSE_DOCKER=0 skips step 2. There is no local fallback: chDB is an embedded engine,
// not a server, and the HTTP path is exactly what these tests are for.
import { dockerAvailable } from '../kafka/docker.ts';
import { startDockerClickHouse } from './docker.ts';

export type ClickHouseSource = 'external' | 'docker';

/** What test files get: plain data, so it can pass through vitest's provide/inject. */
export interface ClickHouseServer {
  /** http(s)://host:port, without credentials. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly source: ClickHouseSource;
}

export type AcquiredClickHouse =
  | { readonly available: true; readonly server: ClickHouseServer; stop(): Promise<void> }
  | { readonly available: false; readonly reason: string };

export const CLICKHOUSE_URL_ENV = 'VERITY_CLICKHOUSE_URL';

/** Answers `Ok.` on /ping within the timeout. */
export async function pingClickHouse(url: string, timeoutMs = 5_000): Promise<void> {
  const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  if (!response.ok || body.trim() !== 'Ok.') throw new Error(`GET /ping answered ${response.status}`);
}

function externalServer(value: string): ClickHouseServer {
  const url = new URL(value);
  const username = process.env['VERITY_CLICKHOUSE_USER'] ?? decodeURIComponent(url.username || 'default');
  const password = process.env['VERITY_CLICKHOUSE_PASSWORD'] ?? decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.origin, username, password, source: 'external' };
}

export async function acquireClickHouse(log: (message: string) => void): Promise<AcquiredClickHouse> {
  const external = process.env[CLICKHOUSE_URL_ENV]?.trim();
  if (external) {
    let server: ClickHouseServer;
    try {
      server = externalServer(external);
      await pingClickHouse(server.url, 15_000);
    } catch (error) {
      return { available: false, reason: `${CLICKHOUSE_URL_ENV} is not an answering ClickHouse server: ${(error as Error).message}` };
    }
    log(`using the external ClickHouse server from ${CLICKHOUSE_URL_ENV}: ${server.url}`);
    return { available: true, server, stop: async () => undefined };
  }
  if (process.env['VERITY_CLICKHOUSE_DOCKER'] === '0') {
    return { available: false, reason: `VERITY_CLICKHOUSE_DOCKER=0 and no ${CLICKHOUSE_URL_ENV}` };
  }
  if (!(await dockerAvailable())) {
    return { available: false, reason: `no Docker engine reachable and no ${CLICKHOUSE_URL_ENV} set` };
  }
  try {
    const started = await startDockerClickHouse({ log });
    return { available: true, server: started.server, stop: started.stop };
  } catch (error) {
    return { available: false, reason: `Docker is reachable but the ClickHouse container failed: ${(error as Error).message}` };
  }
}
