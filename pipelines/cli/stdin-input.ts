// `--input -` and the embedded engine both want fd 0 (see connectors/clickhouse/chdb-stdin.ts).
// The CLI re-runs itself with the user's standard input on fd 3 and /dev/null on fd 0.
import { spawn } from 'node:child_process';
import { STDIN_FD_ENV } from '../../connectors/clickhouse/chdb-stdin.ts';

const MOVED_FD = 3;

function readsStandardInput(argv: readonly string[]): boolean {
  return argv.some((arg, i) => ((arg === '--input' || arg === '-i') && argv[i + 1] === '-') || arg === '--input=-');
}

/** Stop signals passed on to the re-run, as bin/node-runtime.mjs does for the Node 24 child. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Exit status of the re-run when one was needed, else undefined (carry on in this process). A stop
 * signal sent to this process goes to the re-run, which shuts down gracefully; this process then
 * ends the way the re-run did.
 */
export async function rerunWithStdinMoved(argv: readonly string[]): Promise<number | undefined> {
  if (!readsStandardInput(argv) || process.env[STDIN_FD_ENV]) return undefined;
  const script = process.argv[1];
  if (!script) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 0],
    env: { ...process.env, [STDIN_FD_ENV]: String(MOVED_FD) },
  });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    if (signal) {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward);
      process.kill(process.pid, signal);
    }
    return code ?? 1;
  } finally {
    for (const name of FORWARDED_SIGNALS) process.off(name, forward);
  }
}
