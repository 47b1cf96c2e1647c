// Why a test is skipped, said where it is skipped, so that the end of every run lists the skips
// with their reasons (tests/support/skip-reporter.ts) and CI can fail on any skip that is not one
// of the documented gaps below.
//
//   describe('…', skipWhen(!server, reason, 'clickhouse-server'), () => { … });
//   it('…', { timeout: 90_000, ...skipWhen(!found, 'no X on this machine') }, async () => { … });

/**
 * The skips CI accepts: suites that no single machine runs together today (README "Tests").
 * Anything else skipped under VERITY_REQUIRE_ALL=1 fails the run.
 */
export const DOCUMENTED_GAPS = {
  'clickhouse-server': 'the ClickHouse-server suite needs Docker or VERITY_CLICKHOUSE_URL',
  'kafka-sasl': 'the SASL tests need the local JVM broker; a Docker or external broker has no SASL listener',
} as const;
export type DocumentedGap = keyof typeof DOCUMENTED_GAPS;

declare module 'vitest' {
  interface TaskMeta {
    /** Why this test is skipped (set only when it is). */
    skipReason?: string;
    /** Set when the skip is one of DOCUMENTED_GAPS. */
    skipGap?: DocumentedGap;
  }
}

/** Options for `describe` or `it`: skipped when `skip` is true, with the reason kept for the report. */
export function skipWhen(skip: boolean, reason: string, gap?: DocumentedGap): { skip: boolean; meta: { skipReason?: string; skipGap?: DocumentedGap } } {
  return { skip, meta: skip ? { skipReason: reason, ...(gap ? { skipGap: gap } : {}) } : {} };
}

export const REQUIRE_ALL_ENV = 'VERITY_REQUIRE_ALL';

/**
 * CI mode: every real component must be had (no "Kafka unavailable" skip) and a skipped test
 * fails the run unless it is a documented gap. VERITY_REQUIRE_ALL=1 (.ci/run) or CI=true turns it
 * on; VERITY_REQUIRE_ALL=0 turns it off even under CI=true.
 */
export function requireAll(env: NodeJS.ProcessEnv = process.env): boolean {
  const explicit = env[REQUIRE_ALL_ENV];
  if (explicit !== undefined && explicit !== '') return explicit === '1' || explicit === 'true';
  return env['CI'] === 'true' || env['CI'] === '1';
}
