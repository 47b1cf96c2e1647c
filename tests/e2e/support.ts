// Runs the real `verity` CLI in a child process, as a user would: to completion (`verity`), or
// long-running (`spawnVerity`, e.g. `verity run` on Kafka or `verity store serve`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `verity` to completion. It blocks the test worker, so vitest's own timeout cannot end it:
 * after `timeoutMs` the child is killed and the result says so (status null), never a hung run.
 */
export function verity(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string, timeoutMs = 300_000): CliResult {
  const result = spawnSync(process.execPath, ['bin/verity.mjs', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    ...(stdin === undefined ? {} : { input: stdin }),
  });
  const killed = result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `\n[verity ${args[0]} killed after ${timeoutMs} ms]` : '';
  return { status: result.status, stdout: result.stdout, stderr: `${result.stderr}${killed}` };
}

export interface Child {
  readonly process: ChildProcess;
  stderr: string;
  stdout: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export function spawnVerity(args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, ['bin/verity.mjs', ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const waiters: { text: string; resolve: () => void }[] = [];
  const child: Child = {
    process: proc,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    waitFor(text, timeoutMs = 60_000) {
      if (child.stderr.includes(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${child.stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
        void child.exited.then(() => setTimeout(() => reject(new Error(`exited before "${text}":\n${child.stderr.slice(-3000)}`)), 50));
      });
    },
  };
  proc.stdout!.on('data', (d: Buffer) => (child.stdout += d.toString('utf8')));
  proc.stderr!.on('data', (d: Buffer) => {
    child.stderr += d.toString('utf8');
    for (const w of waiters.splice(0)) {
      if (child.stderr.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  return child;
}

/**
 * `verity store serve` over `dataDir` on a port the system picks, or on `port` (a store restarted
 * in place, after a test killed it); resolves with its URL once it listens.
 */
export async function serveStore(dataDir: string, port = 0): Promise<{ url: string; child: Child; stop(): Promise<void> }> {
  const child = spawnVerity(['store', 'serve', '--data-dir', dataDir, '--port', String(port)]);
  await child.waitFor('store serving', 60_000);
  const url = /"url":"(http:\/\/[^"]+)"/.exec(child.stderr)?.[1];
  if (!url) throw new Error(`no URL in:\n${child.stderr}`);
  return {
    url,
    child,
    async stop() {
      child.process.kill('SIGTERM');
      const exit = await child.exited;
      if (exit.code !== 0) throw new Error(`verity store serve exited with ${exit.code ?? exit.signal}:\n${child.stderr.slice(-3000)}`);
    },
  };
}

/**
 * Waits for a spawned child to exit, at most `timeoutMs`; past that it is killed and the wait fails
 * saying what it was waiting for and how the child's log ends.
 */
export async function exitOf(child: Child, timeoutMs: number, waitingFor: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.process.kill('SIGKILL');
      reject(new Error(`no exit within ${timeoutMs} ms (waiting for: ${waitingFor}); the log ends:\n${child.stderr.slice(-3000)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The metrics endpoint of a `verity run --metrics-port auto` child, e.g. http://127.0.0.1:40123,
 * read from its log once it listens: the child binds the port itself, so no other process can take
 * it between choosing and binding. Needs the default log level (info).
 */
export async function metricsUrlOf(child: Child, timeoutMs = 60_000): Promise<string> {
  await child.waitFor('metrics endpoint listening', timeoutMs);
  const url = /"metrics":"(http:\/\/[^"]+)\/metrics"/.exec(child.stderr)?.[1];
  if (!url) throw new Error(`no metrics URL in:\n${child.stderr.slice(-3000)}`);
  return url;
}
