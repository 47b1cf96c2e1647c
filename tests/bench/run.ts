// `npm run bench`: how close the real pipeline comes to the embedded engine's ingest ceiling.
//
//   npm run bench -- [--customers 75000] [--seed 20261125] [--repeat 1] [--profile] [--keep]
//
// Generates one synthetic stream, then measures, each in its own process (chDB allows one on-disk
// path per process) with a fresh store:
//   baseline  read the file line by line, JSON.parse, insert the events unprocessed (the ceiling)
//   pipeline  the real runJob over the file source (decode, rules, masking, issues, five tables)
// and prints events/s of both, their ratio (target ≥ 0.5) and each child's peak RSS. Results go to
// .cache/bench/last.json. --profile also runs the pipeline once under --cpu-prof and prints the
// hottest functions; --keep leaves the temporary folder (stream, stores, profiles) in place.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeGeneratedStream } from '../../pipelines/generate/index.ts';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { formatSummary, summariseCpuProfile } from './cpu-profile.ts';
import { MODES, type Measurement, type Mode } from './measurement.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MEASURE_SCRIPT = join(import.meta.dirname, 'measure.ts');
const RESULT_FILE = join(ROOT, '.cache', 'bench', 'last.json');
const TARGET_RATIO = 0.5;

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function options() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '75000' },
      seed: { type: 'string', default: String(DEFAULTS.demoSeed) },
      repeat: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    customers: positiveInt('customers', values.customers),
    seed: Number(values.seed),
    repeat: positiveInt('repeat', values.repeat),
    profile: values.profile,
    keep: values.keep,
  };
}

/** Runs one measurement in a child process and returns the JSON line it prints. */
function runChild(mode: Mode, input: string, workDir: string, extraNodeFlags: readonly string[] = []): Promise<Measurement> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...extraNodeFlags, MEASURE_SCRIPT, mode, input, workDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Summary {
  readonly mode: Mode;
  readonly events: number;
  readonly stored: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly runs: readonly Measurement[];
}

function summarise(mode: Mode, runs: readonly Measurement[]): Summary {
  const seconds = median(runs.map((r) => r.seconds));
  const events = runs[0]!.events;
  return {
    mode,
    events,
    stored: runs[0]!.stored,
    seconds,
    eventsPerSecond: events / seconds,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    runs,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ')).join('\n');
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function sameFindings(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

async function main(): Promise<void> {
  const opts = options();
  const dir = await mkdtemp(join(tmpdir(), 'verity-bench-'));
  try {
    const input = join(dir, 'stream.jsonl');
    process.stderr.write(`generating ${int.format(opts.customers)} customers (seed ${opts.seed}) into ${input} …\n`);
    const truth = await writeGeneratedStream(input, { customers: opts.customers, seed: opts.seed });

    const runs: Record<Mode, Measurement[]> = { baseline: [], pipeline: [] };
    for (let i = 1; i <= opts.repeat; i += 1) {
      for (const mode of MODES) {
        process.stderr.write(`run ${i}/${opts.repeat}: ${mode} …`);
        const result = await runChild(mode, input, join(dir, `${mode}-${i}`));
        process.stderr.write(` ${result.seconds.toFixed(2)} s\n`);
        runs[mode].push(result);
        await rm(join(dir, `${mode}-${i}`), { recursive: true, force: true });
      }
    }
    const baseline = summarise('baseline', runs.baseline);
    const pipeline = summarise('pipeline', runs.pipeline);
    const ratio = pipeline.eventsPerSecond / baseline.eventsPerSecond;
    const findingsMatch = runs.pipeline.every((r) => sameFindings(r.findings ?? {}, truth.rules));

    const header = `Verity bench: ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), batch ${DEFAULTS.batchSize}, ${opts.repeat === 1 ? '1 run' : `median of ${opts.repeat} runs`}, node ${process.version}, ${availableParallelism()} CPUs`;
    const rows = [
      ['mode', 'events', 'stored', 'seconds', 'events/s', 'peak RSS'],
      ...[baseline, pipeline].map((s) => [
        s.mode,
        int.format(s.events),
        int.format(s.stored),
        s.seconds.toFixed(2),
        int.format(s.eventsPerSecond),
        `${int.format(s.peakRssMb)} MB`,
      ]),
    ];
    const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
    process.stdout.write(
      `\n${header}\n\n${table(rows)}\n\n` +
        `ratio pipeline/baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${verdict}\n` +
        `pipeline findings = ground truth: ${findingsMatch ? 'yes' : 'NO'}\n`,
    );

    let profile: unknown;
    if (opts.profile) {
      const profileDir = join(dir, 'profile');
      process.stderr.write('\nprofiling: pipeline under --cpu-prof …\n');
      await runChild('pipeline', input, join(dir, 'pipeline-profile'), ['--cpu-prof', '--cpu-prof-dir', profileDir]);
      const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        profile = await summariseCpuProfile(join(profileDir, file), ROOT);
        process.stdout.write(`\n${formatSummary(profile as Awaited<ReturnType<typeof summariseCpuProfile>>)}\n`);
        if (opts.keep) process.stdout.write(`profile: ${join(profileDir, file)}\n`);
      }
    }

    await mkdir(join(ROOT, '.cache', 'bench'), { recursive: true });
    const { runs: _b, ...baselineSummary } = baseline;
    const { runs: _p, ...pipelineSummary } = pipeline;
    await writeFile(
      RESULT_FILE,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.version,
          cpus: availableParallelism(),
          customers: opts.customers,
          seed: opts.seed,
          lines: truth.lines,
          batchSize: DEFAULTS.batchSize,
          repeat: opts.repeat,
          baseline: baselineSummary,
          pipeline: pipelineSummary,
          ratio,
          target: TARGET_RATIO,
          verdict,
          findingsMatchGroundTruth: findingsMatch,
          runs,
          ...(profile === undefined ? {} : { profile }),
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`results: ${RESULT_FILE}\n`);
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
