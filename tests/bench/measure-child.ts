// Runs one measure.ts measurement in a child process (chDB allows one on-disk path per process)
// and returns the JSON line it prints; shared by the embedded bench and the Kafka bench (which
// runs the file pipeline on the same stream for its Kafka/file ratio).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Measurement, Mode } from './measurement.ts';
import { childEnv } from './support.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MEASURE_SCRIPT = join(import.meta.dirname, 'measure.ts');

/** `env`: variables for the child beyond the bench's own (VERITY_STATE_URL for a state server). */
export function runMeasureChild(mode: Mode, input: string, workDir: string, extraNodeFlags: readonly string[] = [], env: Record<string, string> = {}): Promise<Measurement> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...extraNodeFlags, MEASURE_SCRIPT, mode, input, workDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(env),
    });
    let stdout = '';
    let stderrTail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    // The pipeline logs a warning per dead letter; only the end matters when something fails.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) return resolvePromise(JSON.parse(line) as Measurement);
      reject(new Error(`${mode} child failed (${signal ?? `exit ${code}`}):\n${stderrTail}`));
    });
  });
}
