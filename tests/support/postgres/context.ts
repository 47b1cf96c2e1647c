// What tests/support/global-setup.ts hands to test files about PostgreSQL, through vitest's
// provide/inject, and when a missing server is a failure rather than a skip.
import type { DedicatedPostgresSource, PostgresSource } from './acquire.ts';
import { REQUIRE_ALL_ENV, requireAll } from '../skips.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's server, as the test role's URL; '' when none could be had. */
    postgresUrl: string;
    /** Why `postgresUrl` is '' ('' when it is not). */
    postgresUnavailableReason: string;
    /** Where the run's server came from ('' when unavailable). */
    postgresSource: PostgresSource | '';
    /** Where a test's own (stoppable) server comes from; '' when none can be started here. */
    postgresDedicatedSource: DedicatedPostgresSource | '';
    /** Why `postgresDedicatedSource` is '' ('' when it is not). */
    postgresDedicatedUnavailableReason: string;
  }
}

/** Env var: when '1', a run that needs PostgreSQL fails instead of skipping those tests (.ci/run sets it). */
export const REQUIRE_POSTGRES_ENV = 'VERITY_REQUIRE_POSTGRES';

/** VERITY_REQUIRE_POSTGRES=1, or CI mode (tests/support/skips.ts), where a real server is not optional. */
export function postgresRequired(): boolean {
  const value = process.env[REQUIRE_POSTGRES_ENV];
  return value === '1' || value === 'true' || requireAll();
}

/** What made PostgreSQL required, for the error that says so. */
export function postgresRequiredBy(): string {
  const value = process.env[REQUIRE_POSTGRES_ENV];
  return value === '1' || value === 'true' ? `${REQUIRE_POSTGRES_ENV}=1` : `CI mode (${REQUIRE_ALL_ENV}=1 or CI=true)`;
}
