// Failpoints: named places where a test can make this process fail on purpose, so that a failure
// lands exactly where it matters (between two inserts of one batch, inside one event's
// processing) instead of where a random kill happens to land. Off unless VERITY_FAILPOINT names
// one; never set in production.
//
//   VERITY_FAILPOINT=store.write.before-records:3         SIGKILL on the 3rd pass through that point
//   VERITY_FAILPOINT=event.process:5:throw                throw a FailpointError on the 5th pass
//   VERITY_FAILPOINT=event.process:5+:throw               … on the 5th pass and every later one
//
// The points: `store.write.before-records` (a batch half-written: everything but its records),
// `event.process` (inside one event's processing), `batch.before-commit` (a Kafka batch written
// and published, its offset not committed), `batch.after-commit` (the offset committed: the crash
// test's "k batches done").

import { ConfigError } from '../errors.ts';

export const FAILPOINT_ENV = 'VERITY_FAILPOINT';

export const FAILPOINT_NAMES = ['store.write.before-records', 'store.write.before-confirm', 'event.process', 'batch.before-commit', 'batch.after-commit'] as const;
export type FailpointName = (typeof FAILPOINT_NAMES)[number];

export type Failpoint = (name: FailpointName) => void;

/** What a `throw` failpoint throws: a plain bug, as far as the code around it can tell. */
export class FailpointError extends Error {
  constructor(name: string, pass: number) {
    super(`${FAILPOINT_ENV}: failing at ${name} (pass ${pass})`);
    this.name = 'FailpointError';
  }
}

export interface FailpointSpec {
  readonly name: FailpointName;
  readonly pass: number;
  /** From `pass` on, every pass fails (`N+`). */
  readonly onwards: boolean;
  readonly action: 'kill' | 'throw';
}

export function parseFailpoint(spec: string | undefined): FailpointSpec | undefined {
  if (spec === undefined || spec === '') return undefined;
  const match = /^([a-z.-]+):([1-9]\d*)(\+?)(?::(kill|throw))?$/.exec(spec);
  const name = match?.[1] as FailpointName | undefined;
  if (!match || !name || !FAILPOINT_NAMES.includes(name)) {
    throw new ConfigError(FAILPOINT_ENV, `a failpoint (${FAILPOINT_NAMES.join(', ')}) and the pass to fail on, e.g. store.write.before-records:3 or event.process:5:throw`);
  }
  return { name, pass: Number(match[2]), onwards: match[3] === '+', action: (match[4] as 'kill' | 'throw' | undefined) ?? 'kill' };
}

/** The failpoint configured in the environment; a no-op when none is. */
export function failpointFromEnv(env: NodeJS.ProcessEnv = process.env): Failpoint {
  const spec = parseFailpoint(env[FAILPOINT_ENV]);
  if (!spec) return () => {};
  let passes = 0;
  return (name) => {
    if (name !== spec.name) return;
    passes += 1;
    if (spec.onwards ? passes < spec.pass : passes !== spec.pass) return;
    if (spec.action === 'throw') throw new FailpointError(name, passes);
    process.stderr.write(`${FAILPOINT_ENV}: dying at ${name} (pass ${passes})\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
