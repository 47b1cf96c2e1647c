// The exit watchdog runs in a child process here: it ends the process it is armed in.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_WATCHDOG_MESSAGE } from './exit-watchdog.ts';

const WATCHDOG = new URL('./exit-watchdog.ts', import.meta.url).href;

async function runScript(body: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { exitIfStillAlive } from ${JSON.stringify(WATCHDOG)};\n${body}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stderr, ms: performance.now() - started };
}

describe('exitIfStillAlive', () => {
  it('ends a process kept alive by a forgotten handle, with the status chosen and what was still active', async () => {
    const run = await runScript('setInterval(() => {}, 1000); process.exitCode = 3; exitIfStillAlive(200);');
    expect(run.code).toBe(3);
    const line = JSON.parse(run.stderr.trim()) as { msg: string; stillActive: Record<string, number>; afterMs: number };
    expect(line.msg).toBe(EXIT_WATCHDOG_MESSAGE);
    expect(line.stillActive['Timeout']).toBe(1);
    expect(line.afterMs).toBe(200);
  });

  it('neither delays nor speaks up for a process that ends by itself', async () => {
    const run = await runScript('setTimeout(() => {}, 50); process.exitCode = 4; exitIfStillAlive(5_000);');
    expect(run.code).toBe(4);
    expect(run.stderr).toBe('');
    expect(run.ms).toBeLessThan(4_000);
  });
});
