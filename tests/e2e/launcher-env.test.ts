// The launcher behind `npm start`, `npm test` and `npm run verity` (bin/run-node.mjs) gives the node it
// starts the runtime settings of bin/node-runtime.mjs (glibc's mmap threshold), and leaves a value the
// caller set alone. A real child process each time: the settings only act if the process has them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV } from '../../bin/node-runtime.mjs';
import { PROJECT_ROOT } from './support.ts';

const script = join(mkdtempSync(join(tmpdir(), 'verity-launcher-')), 'print-env.mjs');
writeFileSync(script, `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(RUNTIME_ENV))}.map((k) => [k, process.env[k] ?? null]))));\n`);

function launch(env: NodeJS.ProcessEnv): Record<string, string | null> {
  const result = spawnSync(process.execPath, ['bin/run-node.mjs', script], { cwd: PROJECT_ROOT, encoding: 'utf8', env });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, string | null>;
}

/** This process's environment without the runtime settings (vitest itself was started by the launcher). */
function withoutRuntimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(RUNTIME_ENV)) delete env[name];
  return env;
}

describe('bin/run-node.mjs', () => {
  it('starts node with glibc’s mmap threshold fixed at 1 MB', () => {
    expect(RUNTIME_ENV).toEqual({ MALLOC_MMAP_THRESHOLD_: '1048576' });
    expect(launch(withoutRuntimeEnv())).toEqual(RUNTIME_ENV);
  });

  it('keeps a value the caller set', () => {
    expect(launch({ ...withoutRuntimeEnv(), MALLOC_MMAP_THRESHOLD_: '262144' })).toEqual({ MALLOC_MMAP_THRESHOLD_: '262144' });
  });
});
