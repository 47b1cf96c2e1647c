// The launcher behind `npm start`, `npm test` and `npm run verity` (bin/run-node.mjs) gives the node it
// starts the runtime settings of bin/node-runtime.mjs (glibc's mmap threshold, V8's young
// generation and platform threads), and leaves a value the caller set alone. A real child process
// each time: the settings only act if the process has them, and the child shows they do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV, RUNTIME_NODE_OPTIONS } from '../../bin/node-runtime.mjs';
import { PROJECT_ROOT } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'verity-launcher-'));
const script = join(dir, 'print-env.mjs');
writeFileSync(script, `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify([...Object.keys(RUNTIME_ENV), 'NODE_OPTIONS'])}.map((k) => [k, process.env[k] ?? null]))));\n`);

// Keeps a window of 200,000 young objects alive while it allocates: V8 grows the young generation
// of a thread that does this as far as it may. Measured on the main thread and in a worker.
const youngGeneration = join(dir, 'young-generation.mjs');
writeFileSync(
  youngGeneration,
  `import { getHeapSpaceStatistics } from 'node:v8';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
const newSpaceMb = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
function churn() {
  let highest = newSpaceMb();
  const window = new Array(200_000);
  for (let i = 0; i < 3_000_000; i++) {
    window[i % window.length] = { i, text: 'v' + i };
    if (i % 10_000 === 0) highest = Math.max(highest, newSpaceMb());
  }
  return highest;
}
if (isMainThread) {
  const main = churn();
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url));
    w.once('message', resolve);
    w.once('error', reject);
  });
  process.stdout.write(JSON.stringify({ main, worker }));
} else parentPort.postMessage(churn());
`,
);

// The names of this process's threads: V8's platform threads are called V8Worker on Linux.
const threadNames = join(dir, 'thread-names.mjs');
writeFileSync(
  threadNames,
  `import { readdirSync, readFileSync } from 'node:fs';
const names = readdirSync('/proc/self/task').map((t) => readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim());
process.stdout.write(JSON.stringify({ v8Workers: names.filter((n) => n === 'V8Worker').length }));
`,
);

function launch(env: NodeJS.ProcessEnv, child = script): Record<string, string | number | null> {
  const result = spawnSync(process.execPath, ['bin/run-node.mjs', child], { cwd: PROJECT_ROOT, encoding: 'utf8', env });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, string | number | null>;
}

/** This process's environment without the runtime settings (vitest itself was started by the launcher). */
function withoutRuntimeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...Object.keys(RUNTIME_ENV), 'NODE_OPTIONS']) delete env[name];
  return env;
}

describe('bin/run-node.mjs', () => {
  it('starts node with glibc’s mmap threshold fixed at 1 MB, V8’s semi-spaces at 16 MB and one V8 platform thread', () => {
    expect(RUNTIME_ENV).toEqual({ MALLOC_MMAP_THRESHOLD_: '1048576' });
    expect(RUNTIME_NODE_OPTIONS).toEqual(['--max-semi-space-size=16', '--v8-pool-size=1']);
    expect(launch(withoutRuntimeEnv())).toEqual({ ...RUNTIME_ENV, NODE_OPTIONS: '--max-semi-space-size=16 --v8-pool-size=1' });
  });

  it('keeps a value the caller set, and adds its V8 option to the caller’s others', () => {
    expect(launch({ ...withoutRuntimeEnv(), MALLOC_MMAP_THRESHOLD_: '262144' })).toMatchObject({ MALLOC_MMAP_THRESHOLD_: '262144' });
    expect(launch({ ...withoutRuntimeEnv(), NODE_OPTIONS: '--max_semi_space_size=8' })).toMatchObject({ NODE_OPTIONS: '--max_semi_space_size=8 --v8-pool-size=1' });
    expect(launch({ ...withoutRuntimeEnv(), NODE_OPTIONS: '--v8-pool-size=4' })).toMatchObject({ NODE_OPTIONS: '--v8-pool-size=4 --max-semi-space-size=16' });
    expect(launch({ ...withoutRuntimeEnv(), NODE_OPTIONS: ' --max-old-space-size=2048 ' })).toMatchObject({
      NODE_OPTIONS: '--max-old-space-size=2048 --max-semi-space-size=16 --v8-pool-size=1',
    });
  });

  it('keeps every thread’s young generation within two 16 MB semi-spaces', () => {
    const highest = launch(withoutRuntimeEnv(), youngGeneration);
    // Left to itself, V8 grows it to 128 MB (two 64 MB semi-spaces) for this churn. Within the
    // option's bound V8 reports 32–37 MB (a few pages of its own on top of the semi-spaces).
    expect(highest['main']).toBeGreaterThan(0);
    expect(highest['main']).toBeLessThanOrEqual(48);
    expect(highest['worker']).toBeGreaterThan(0);
    expect(highest['worker']).toBeLessThanOrEqual(48);
  });

  it('gives the child one V8 platform thread, where node starts four, unless the caller names another count', () => {
    expect(launch(withoutRuntimeEnv(), threadNames)).toEqual({ v8Workers: 1 });
    // The same script without the launcher's options: node's own pool, so the count above is the option's doing.
    const plain = spawnSync(process.execPath, [threadNames], { encoding: 'utf8', env: withoutRuntimeEnv() });
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toEqual({ v8Workers: 4 });
    expect(launch({ ...withoutRuntimeEnv(), NODE_OPTIONS: '--v8-pool-size=2' }, threadNames)).toEqual({ v8Workers: 2 });
  });

  it('leaves the young generation to V8 when the caller’s NODE_OPTIONS says so', () => {
    // The same churn with V8's own limit: the bound above is the option's doing.
    const highest = launch({ ...withoutRuntimeEnv(), NODE_OPTIONS: '--max-semi-space-size=64' }, youngGeneration);
    expect(highest['main']).toBeGreaterThan(96);
    expect(highest['worker']).toBeGreaterThan(96);
  });
});
