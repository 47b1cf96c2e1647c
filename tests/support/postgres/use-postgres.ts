// Helpers for test files that need a real PostgreSQL server (the run's one is started by
// tests/support/global-setup.ts; see acquire.ts for where it comes from).
//
//   import { createDatabase, describePostgres, usePostgres } from '../support/postgres/use-postgres.ts';
//
//   describePostgres('the state store', () => {
//     const { url } = usePostgres();
//     it('…', async () => {
//       const pool = new Pool({ connectionString: await createDatabase(url) });
//       …
//     });
//   });
//
// Every test should use its own database (createDatabase), so tests and runs stay independent.
// A test that stops, kills or restarts a server starts a dedicated one instead, never the run's:
//
//   describePostgres('outages', () => {
//     it('…', async ({ onTestFinished }) => {
//       const server = await startDedicatedPostgres();
//       onTestFinished(() => server.destroy());
//       await server.stop('kill');  …  await server.restart();   // same URL, same data
//     });
//   }, { dedicated: true });
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describe, inject } from 'vitest';
import type { DedicatedPostgresSource, PostgresSource } from './acquire.ts';
import { startDockerPostgres } from './docker.ts';
import type { PostgresServer, PostgresServerOptions } from './server.ts';
import { startPostgresServer } from './server.ts';
import { skipWhen } from '../skips.ts';
import { postgresRequired, postgresRequiredBy } from './context.ts';

export type { PostgresServer, StopMode } from './server.ts';

export interface PostgresForTests {
  /** The run's server, as the test role's URL (it may create databases); '' when unavailable. */
  readonly url: string;
  readonly available: boolean;
  /** Why it is unavailable ('' when available). */
  readonly reason: string;
  readonly source: PostgresSource | '';
  /** Whether this machine can start dedicated servers (startDedicatedPostgres), and if not, why. */
  readonly dedicated: { readonly available: boolean; readonly source: DedicatedPostgresSource | ''; readonly reason: string };
}

const NO_SETUP = 'tests/support/global-setup.ts did not run (is it listed in vitest.config.ts globalSetup?)';

/** The run's server, as provided by the globalSetup. */
export function usePostgres(): PostgresForTests {
  // inject() returns undefined when the globalSetup did not run (e.g. a different config).
  const url = (inject('postgresUrl') as string | undefined) ?? '';
  const reason = (inject('postgresUnavailableReason') as string | undefined) ?? NO_SETUP;
  const source = (inject('postgresSource') as PostgresSource | '' | undefined) ?? '';
  const dedicatedSource = (inject('postgresDedicatedSource') as DedicatedPostgresSource | '' | undefined) ?? '';
  const dedicatedReason = (inject('postgresDedicatedUnavailableReason') as string | undefined) ?? NO_SETUP;
  return {
    url,
    available: url !== '',
    reason: url ? '' : reason || 'unknown reason',
    source,
    dedicated: { available: dedicatedSource !== '', source: dedicatedSource, reason: dedicatedSource ? '' : dedicatedReason || 'unknown reason' },
  };
}

/**
 * `describe` that is skipped, loudly, when there is no server (or, with `dedicated`, when no
 * dedicated server can be started). With VERITY_REQUIRE_POSTGRES=1 or in CI mode it throws instead
 * (the globalSetup normally fails the run before this point).
 */
export function describePostgres(name: string, fn: () => void, options: { dedicated?: boolean } = {}): void {
  const postgres = usePostgres();
  const reason = !postgres.available
    ? `no PostgreSQL server: ${postgres.reason}`
    : options.dedicated && !postgres.dedicated.available
      ? `no dedicated PostgreSQL server can be started: ${postgres.dedicated.reason}`
      : '';
  if (reason) {
    if (postgresRequired()) throw new Error(`${postgresRequiredBy()} but "${name}" has ${reason}`);
    console.warn(`\n!!! SKIPPING PostgreSQL tests "${name}": ${reason}\n`);
  }
  describe(name, skipWhen(reason !== '', reason.split('\n')[0]!), fn);
}

/**
 * A server of the test's own, which it may stop, kill and restart: from Docker or the local
 * binaries, whichever the globalSetup found. The caller destroys it (onTestFinished/afterAll).
 */
export async function startDedicatedPostgres(options: Pick<PostgresServerOptions, 'settings' | 'startTimeoutMs' | 'stopGraceMs'> = {}): Promise<PostgresServer> {
  const { dedicated } = usePostgres();
  const log = (message: string): void => {
    process.stderr.write(`[postgres] ${message}\n`);
  };
  if (dedicated.source === 'docker') {
    if (options.settings) throw new Error('startDedicatedPostgres: settings are for the local server only');
    return startDockerPostgres({ ...options, log });
  }
  if (dedicated.source === 'local') return startPostgresServer({ ...options, log });
  throw new Error(`no dedicated PostgreSQL server can be started here: ${dedicated.reason}`);
}

/** A database name no other test or run uses: `<prefix>_<time>_<random>`. */
export function uniqueDatabaseName(prefix = 'verity_test'): string {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `${safe}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates database `name` (default: a unique one) on the server of `url`; returns its URL. */
export async function createDatabase(url: string, name = uniqueDatabaseName()): Promise<string> {
  if (!DATABASE_NAME.test(name)) throw new Error(`createDatabase: "${name}" is not a plain lower-case identifier of up to 63 characters`);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.toString();
}

/**
 * Drops the database `databaseUrl` names; end the pools on it first. Not WITH (FORCE): a pool's
 * end() resolves before its connections are gone, and a forced drop would make their ending fail
 * with an error event nobody listens to. PostgreSQL waits up to 5 s for them instead.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!DATABASE_NAME.test(name)) throw new Error(`dropDatabase: "${name}" is not a database createDatabase makes`);
  // A database cannot be dropped from a connection to itself; every server has `postgres`.
  target.pathname = '/postgres';
  const client = new Client({ connectionString: target.toString(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
}
