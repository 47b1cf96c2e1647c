// The PostgreSQL part of tests/support/global-setup.ts: one server per test run, shared by every
// test file that uses it (each test makes its own database), started only when one does.
// No server: the PostgreSQL tests are skipped loudly, unless VERITY_REQUIRE_POSTGRES=1 or CI mode,
// which makes this throw so the run fails. Where the server comes from: acquire.ts.
import type { TestProject } from 'vitest/node';
import { acquirePostgres } from './acquire.ts';
import { postgresRequired, postgresRequiredBy, REQUIRE_POSTGRES_ENV } from './context.ts';

const log = (message: string): void => {
  process.stderr.write(`[postgres] ${message}\n`);
};

/** Provides the server (or why there is none) to the test files; returns the teardown. */
export async function setupPostgres(project: TestProject, needed: boolean): Promise<() => Promise<void>> {
  project.provide('postgresUrl', '');
  project.provide('postgresSource', '');
  project.provide('postgresDedicatedSource', '');
  if (!needed) {
    project.provide('postgresUnavailableReason', 'not started: no selected test file uses PostgreSQL');
    project.provide('postgresDedicatedUnavailableReason', 'not looked for: no selected test file uses PostgreSQL');
    return async () => undefined;
  }

  const acquired = await acquirePostgres(log);
  project.provide('postgresDedicatedSource', acquired.dedicated.source);
  project.provide('postgresDedicatedUnavailableReason', 'reason' in acquired.dedicated ? acquired.dedicated.reason : '');
  if (!acquired.available) {
    const bar = '!'.repeat(78);
    const banner = `\n${bar}\nPOSTGRESQL UNAVAILABLE: ${acquired.reason}\n${bar}`;
    if (postgresRequired()) throw new Error(`${postgresRequiredBy()} but ${banner}`);
    process.stderr.write(`${banner}\nThe PostgreSQL tests will be SKIPPED (set ${REQUIRE_POSTGRES_ENV}=1 to fail instead).\n`);
    project.provide('postgresUnavailableReason', acquired.reason);
    return async () => undefined;
  }
  project.provide('postgresUrl', acquired.url);
  project.provide('postgresSource', acquired.source);
  project.provide('postgresUnavailableReason', '');
  return async () => {
    const started = Date.now();
    await acquired.stop();
    if (acquired.source !== 'external') log(`server stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
}
