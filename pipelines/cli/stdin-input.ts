// `--input -` and the embedded engine both want fd 0 (see connectors/clickhouse/chdb-stdin.ts).
// The CLI re-runs itself with the user's standard input on fd 3 and /dev/null on fd 0.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { STDIN_FD_ENV } from '../../connectors/clickhouse/chdb-stdin.ts';

const MOVED_FD = 3;

function readsStandardInput(argv: readonly string[]): boolean {
  return argv.some((arg, i) => ((arg === '--input' || arg === '-i') && argv[i + 1] === '-') || arg === '--input=-');
}

/** Exit status of the re-run when one was needed, else undefined (carry on in this process). */
export function rerunWithStdinMoved(argv: readonly string[]): number | undefined {
  if (!readsStandardInput(argv) || process.env[STDIN_FD_ENV]) return undefined;
  const script = process.argv[1];
  if (!script) return undefined;
  const result = spawnSync(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 0],
    env: { ...process.env, [STDIN_FD_ENV]: String(MOVED_FD) },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** The user's standard input, wherever the CLI put it. */
export function standardInput(): Readable {
  const moved = process.env[STDIN_FD_ENV];
  return moved ? createReadStream('', { fd: Number(moved) }) : process.stdin;
}
