// Stopping `verity run` with a signal, as a supervisor (SIGTERM to the pid it started) or a terminal
// (Ctrl-C to the whole process group) does. On a machine whose node is too old, `node
// bin/verity.mjs` is a stand-in that runs the real CLI under Node 24 (and `--input -` adds one
// more re-run): a signal sent to the stand-in must reach the real process, which finishes and
// prints its report, and no process may be left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { skipWhen } from '../support/skips.ts';
import { PROJECT_ROOT, verity } from './support.ts';

/** The first `node` on PATH: what `npx verity` and the npm scripts start with (Node 20 here). */
const pathNode = spawnSync('node', ['--version'], { encoding: 'utf8' });
const pathNodeVersion = pathNode.status === 0 ? pathNode.stdout.trim() : '';

interface Running {
  readonly child: ChildProcess;
  readonly dataDir: string;
  stderr: string;
  stdout: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `verity run --input -` reading from a pipe this test keeps open: it waits for input forever. */
function startRun(node: string, lines: readonly string[]): Running {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'verity-signals-')), 'data');
  const child = spawn(node, ['bin/verity.mjs', 'run', '--input', '-', '--data-dir', dataDir, '--no-progress'], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    dataDir,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  child.stdin!.write(`${lines.join('\n')}\n`);
  return running;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Processes whose command line names this run's data dir (Linux /proc). */
function processesOf(dataDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dataDir)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('stopping verity run with a signal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-signals-stream-'));
  const stream = join(dir, 'stream.jsonl');
  const generated = verity(['generate', '--customers', '40', '--seed', '3', '--out', stream]);
  const lines = readFileSync(stream, 'utf8').trim().split('\n');

  it(
    `SIGTERM to the pid started with the PATH node (${pathNodeVersion || 'none'}) stops the real process gracefully`,
    { timeout: 90_000, ...skipWhen(pathNodeVersion === '', 'no node on PATH') },
    async () => {
      expect(generated.status, generated.stderr).toBe(0);
      const run = startRun('node', lines);
      await until(() => run.stderr.includes('"verity run starting"'), 60_000);
      // Give the written lines time to be read and handed over as a batch at end of input… there is
      // none: the pipe stays open, so the run waits, as a stdin consumer in production would.
      await new Promise((resolve) => setTimeout(resolve, 500));
      run.child.kill('SIGTERM');
      const exit = await Promise.race([run.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
      expect(exit, 'verity run did not stop within 30 s of SIGTERM').toEqual({ code: 0, signal: null });
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report.accepted + report.deadLettered).toBe(report.events);
      expect(run.stderr).toContain('"signal":"SIGTERM","msg":"stop requested');
      await until(() => processesOf(run.dataDir).length === 0, 5_000).catch(() => undefined);
      expect(processesOf(run.dataDir), 'a verity process was left running').toEqual([]);
    },
  );

  it('takes a Ctrl-C delivered twice at once (terminal and stand-in) as one graceful stop', { timeout: 90_000 }, async () => {
    expect(generated.status, generated.stderr).toBe(0);
    const run = startRun(process.execPath, lines);
    await until(() => run.stderr.includes('"verity run starting"'), 60_000);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr.match(/stop requested/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('second stop signal');
    expect(JSON.parse(run.stdout)).toHaveProperty('events');
  });
});
