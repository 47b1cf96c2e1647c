// Failpoints: named places where a crash test can make this process die on purpose, so that a
// crash lands exactly where it matters (e.g. between two inserts of one batch) instead of where
// a random kill happens to land. Off unless VERITY_FAILPOINT names one; never set in production.
//
//   VERITY_FAILPOINT=store.write.before-records:3   SIGKILL on the 3rd pass through that point

import { ConfigError } from '../errors.ts';

export const FAILPOINT_ENV = 'VERITY_FAILPOINT';

export type FailpointName = 'store.write.before-records';

export type Failpoint = (name: FailpointName) => void;

export function parseFailpoint(spec: string | undefined): { readonly name: string; readonly pass: number } | undefined {
  if (spec === undefined || spec === '') return undefined;
  const match = /^([a-z.-]+):([1-9]\d*)$/.exec(spec);
  if (!match) throw new ConfigError(FAILPOINT_ENV, `a failpoint and the pass to die on, e.g. store.write.before-records:3`);
  return { name: match[1]!, pass: Number(match[2]) };
}

/** The failpoint configured in the environment; a no-op when none is. */
export function failpointFromEnv(env: NodeJS.ProcessEnv = process.env): Failpoint {
  const spec = parseFailpoint(env[FAILPOINT_ENV]);
  if (!spec) return () => {};
  let passes = 0;
  return (name) => {
    if (name !== spec.name || ++passes !== spec.pass) return;
    process.stderr.write(`${FAILPOINT_ENV}: dying at ${name} (pass ${passes})\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
