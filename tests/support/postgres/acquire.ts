// Picks the PostgreSQL server for a test run, in this order:
//   1. VERITY_POSTGRES_URL=postgres://user:password@host:port/db → that server, as is (checked it answers)
//   2. a Docker engine                                            → postgres:17 via testcontainers
//   3. Maven (until the binaries are cached)                      → a local server from Maven Central (server.ts)
//   4. none of these                                              → unavailable, with the reason
// VERITY_POSTGRES_DOCKER=0 skips step 2 (e.g. to test the local server on a machine with Docker).
//
// It also settles where *dedicated* servers come from, for tests that stop, kill and restart a
// server of their own (never the run's, and never an external one): Docker if reachable, else the
// local binaries.
import { dockerAvailable } from '../kafka/docker.ts';
import { startDockerPostgres } from './docker.ts';
import { localServerProblem, POSTGRES_MAJOR, PostgresServerError, redact, startPostgresServer, waitForPostgres } from './server.ts';

export type PostgresSource = 'external' | 'docker' | 'local';
export type DedicatedPostgresSource = 'docker' | 'local';

export const POSTGRES_URL_ENV = 'VERITY_POSTGRES_URL';

export type DedicatedPostgres = { readonly source: DedicatedPostgresSource } | { readonly source: ''; readonly reason: string };

export type AcquiredPostgres =
  | {
      readonly available: true;
      readonly source: PostgresSource;
      /** The test role's URL; it may create databases (createDatabase in use-postgres.ts). */
      readonly url: string;
      readonly dedicated: DedicatedPostgres;
      stop(): Promise<void>;
    }
  | { readonly available: false; readonly reason: string; readonly dedicated: DedicatedPostgres };

export async function acquirePostgres(log: (message: string) => void): Promise<AcquiredPostgres> {
  const dockerAllowed = process.env['VERITY_POSTGRES_DOCKER'] !== '0';
  const external = process.env[POSTGRES_URL_ENV]?.trim();
  if (external) {
    let version: number;
    try {
      version = await waitForPostgres(external, 15_000);
    } catch (error) {
      return {
        available: false,
        reason: `${POSTGRES_URL_ENV}=${redact(external)} is not answering: ${(error as Error).message}`,
        dedicated: { source: '', reason: 'not looked for: the run has no server' },
      };
    }
    log(`using the external server from ${POSTGRES_URL_ENV}: ${redact(external)} (server_version_num ${version})`);
    if (version < POSTGRES_MAJOR * 10_000) log(`WARNING: that server is older than PostgreSQL ${POSTGRES_MAJOR}, the version Verity's tests target`);
    return { available: true, source: 'external', url: external, dedicated: await dedicatedSource(dockerAllowed), stop: async () => undefined };
  }

  const problems: string[] = [];
  if (dockerAllowed && (await dockerAvailable())) {
    try {
      const server = await startDockerPostgres({ log });
      return { available: true, source: 'docker', url: server.url, dedicated: { source: 'docker' }, stop: () => server.destroy() };
    } catch (error) {
      // Fall through to the local server; keep the reason in case that fails too.
      problems.push(`Docker is reachable but the PostgreSQL container failed: ${(error as Error).message}`);
      log(problems[problems.length - 1]!);
    }
  } else {
    problems.push(dockerAllowed ? 'no Docker engine reachable' : 'VERITY_POSTGRES_DOCKER=0');
  }

  try {
    const server = await startPostgresServer({ log });
    return { available: true, source: 'local', url: server.url, dedicated: { source: 'local' }, stop: () => server.destroy() };
  } catch (error) {
    problems.push(`local PostgreSQL server: ${error instanceof PostgresServerError ? `[${error.code}] ` : ''}${(error as Error).message}`);
  }
  const reason = `no PostgreSQL server could be had — set ${POSTGRES_URL_ENV}, or provide Docker, or Maven (and Java) for the binaries from Maven Central.\n- ${problems.join('\n- ')}`;
  return { available: false, reason, dedicated: { source: '', reason: 'neither Docker nor a local server works here (see the run server\'s reason)' } };
}

/** With an external run server, whether dedicated servers can still be started here. */
async function dedicatedSource(dockerAllowed: boolean): Promise<DedicatedPostgres> {
  if (dockerAllowed && (await dockerAvailable())) return { source: 'docker' };
  const problem = localServerProblem();
  return problem === null ? { source: 'local' } : { source: '', reason: `no Docker engine and no local server: ${problem}` };
}
