// `npm run bench`: how close the real pipeline comes to the embedded engine's ingest ceiling.
//
//   npm run bench -- [--customers 75000] [--seed 20261125] [--repeat 1] [--modes baseline,pipeline,no-patterns] [--profile] [--keep]
//   npm run bench -- --state [--state-sizes 10000,1000000] [--state-stores pglite,server] [--customers 5000] [--keep]
//   npm run bench -- --kafka [--partitions 6] [--partitions-concurrency N] [--batch-size N] [--customers …] [--repeat …] [--profile] [--keep]
//
// Generates one synthetic stream, then measures, each in its own process (chDB allows one on-disk
// path per process) with a fresh store:
//   baseline  read the file line by line, JSON.parse, insert the events unprocessed (the ceiling)
//   pipeline  what `verity run --input FILE --once` runs (decode, rules, masking, issues, five tables)
//   no-patterns  the same with `--rules` = the built-in pack without patterns.yaml
// and prints events/s of each, pipeline/baseline (target ≥ 0.5), the pattern rules' cost
// 1 − pipeline/no-patterns (target ≤ 25%) and each child's CPU time and peak RSS. Results go to
// out/bench/last.json. --profile also runs the pipeline once under --cpu-prof and prints the
// hottest functions; --keep leaves the temporary folder (stream, stores, profiles) in place.
//
// --kafka measures the Kafka path instead (see kafka.ts): the stream goes to a real broker, then a
// raw kafkajs consume of it (the ceiling) and the real `verity run --kafka-brokers … --once` are
// timed; target ratio ≥ 0.6. Results go to out/bench/last-kafka.json; --profile profiles one more
// (unmeasured) `verity run`.
//
// --state measures the issue and pattern state at each size instead (see state.ts): PostgreSQL
// table sizes, a run's peak RSS (target: the largest size ≤ the smallest + 100 MB) and the time to
// restart against the state, in PGlite and a PostgreSQL server. --customers is then the stream the
// state is built from and the measured run processes (default 5,000). Results: out/bench/last-state.json.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeGeneratedStream } from '../../pipelines/generate/index.ts';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { formatSummary, summariseCpuProfile, type ProfileSummary } from './cpu-profile.ts';
import { childEnv, int, matchesTruth, median, table } from './support.ts';
import { formatKafkaResult, runKafkaBench } from './kafka.ts';
import { MODES, type Measurement, type Mode } from './measurement.ts';
import { formatStateResult, runStateBench, STATE_STORES, type StateStoreKind } from './state.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MEASURE_SCRIPT = join(import.meta.dirname, 'measure.ts');
// Not .cache: that folder may be shared between checkouts (Node and Kafka jars).
const RESULT_DIR = join(ROOT, 'out', 'bench');
const TARGET_RATIO = 0.5;
const KAFKA_TARGET_RATIO = 0.6;
/** Issue 7 §6: the pattern rules cost at most this share of end-to-end throughput. */
const PATTERN_COST_TARGET = 0.25;

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function options() {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULTS.demoSeed) },
      repeat: { type: 'string', default: '1' },
      modes: { type: 'string', default: MODES.join(',') },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      kafka: { type: 'boolean', default: false },
      state: { type: 'boolean', default: false },
      'state-sizes': { type: 'string', default: '10000,1000000' },
      'state-stores': { type: 'string', default: STATE_STORES.join(',') },
      partitions: { type: 'string', default: String(DEFAULTS.topicPartitions) },
      'partitions-concurrency': { type: 'string' },
      'batch-size': { type: 'string' },
    },
    strict: true,
  });
  const kafkaOnly = ['partitions-concurrency', 'batch-size'] as const;
  if (!values.kafka && kafkaOnly.some((k) => values[k] !== undefined)) throw new Error(`--${kafkaOnly.join(' and --')} need --kafka`);
  if (values.kafka && values.state) throw new Error('--kafka and --state are separate benches: pass one');
  const stores = values['state-stores'].split(',').map((m) => m.trim());
  if (stores.length === 0 || stores.some((m) => !STATE_STORES.includes(m as StateStoreKind))) {
    throw new Error(`--state-stores takes a list of ${STATE_STORES.join(', ')}; got ${values['state-stores']}`);
  }
  const modes = values.modes.split(',').map((m) => m.trim());
  const unknown = modes.filter((m) => !MODES.includes(m as Mode));
  if (unknown.length > 0 || modes.length === 0) throw new Error(`--modes takes a list of ${MODES.join(', ')}; got ${values.modes}`);
  const optional = (name: (typeof kafkaOnly)[number]) => (values[name] === undefined ? undefined : positiveInt(name, values[name]));
  return {
    customers: positiveInt('customers', values.customers ?? (values.state ? '5000' : '75000')),
    seed: Number(values.seed),
    repeat: positiveInt('repeat', values.repeat),
    // In the order of MODES, so the table reads the same whatever order they were given in.
    modes: MODES.filter((m) => modes.includes(m)),
    profile: values.profile,
    keep: values.keep,
    kafka: values.kafka,
    state: values.state,
    stateSizes: values['state-sizes'].split(',').map((n) => positiveInt('state-sizes', n.trim())),
    stateStores: STATE_STORES.filter((m) => stores.includes(m)),
    partitions: positiveInt('partitions', values.partitions),
    partitionsConcurrency: optional('partitions-concurrency'),
    batchSize: optional('batch-size'),
  };
}

/** Runs one measurement in a child process and returns the JSON line it prints. */
function runChild(mode: Mode, input: string, workDir: string, extraNodeFlags: readonly string[] = []): Promise<Measurement> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...extraNodeFlags, MEASURE_SCRIPT, mode, input, workDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(),
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

interface Summary {
  readonly mode: Mode;
  readonly events: number;
  readonly stored: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
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
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    runs,
  };
}

type Options = ReturnType<typeof options>;

/** Prints the summary of the .cpuprofile written into `profileDir`. */
async function printProfile(profileDir: string, keep: boolean): Promise<ProfileSummary | undefined> {
  const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return undefined;
  const profile = await summariseCpuProfile(join(profileDir, file), ROOT);
  process.stdout.write(`\n${formatSummary(profile)}\n`);
  if (keep) process.stdout.write(`profile: ${join(profileDir, file)}\n`);
  return profile;
}
type Truth = Awaited<ReturnType<typeof writeGeneratedStream>>;

async function writeResult(name: string, result: object): Promise<string> {
  await mkdir(RESULT_DIR, { recursive: true });
  const file = join(RESULT_DIR, name);
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: availableParallelism(), ...result }, null, 2)}\n`);
  return file;
}

async function embeddedBench(opts: Options, dir: string, input: string, truth: Truth): Promise<void> {
  const runs: Partial<Record<Mode, Measurement[]>> = {};
  for (let i = 1; i <= opts.repeat; i += 1) {
    for (const mode of opts.modes) {
      process.stderr.write(`run ${i}/${opts.repeat}: ${mode} …`);
      const result = await runChild(mode, input, join(dir, `${mode}-${i}`));
      process.stderr.write(` ${result.seconds.toFixed(2)} s\n`);
      (runs[mode] ??= []).push(result);
      await rm(join(dir, `${mode}-${i}`), { recursive: true, force: true });
    }
  }
  const summaries = opts.modes.map((mode) => summarise(mode, runs[mode]!));
  const of = (mode: Mode) => summaries.find((s) => s.mode === mode);
  const baseline = of('baseline');
  const pipeline = of('pipeline');
  const noPatterns = of('no-patterns');
  const ratio = baseline && pipeline ? pipeline.eventsPerSecond / baseline.eventsPerSecond : undefined;
  // The share of throughput the pattern rules take: 0.2 = the pipeline runs at 80% of its rate without them.
  const patternCost = pipeline && noPatterns ? 1 - pipeline.eventsPerSecond / noPatterns.eventsPerSecond : undefined;
  const findingsMatch = (mode: Mode) =>
    (runs[mode] ?? []).every((r) => matchesTruth({ findings: r.findings ?? {}, activeFindings: r.activeFindings ?? {} }, truth, mode !== 'no-patterns'));

  const header = `Verity bench: ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), batch ${DEFAULTS.batchSize}, ${opts.repeat === 1 ? '1 run' : `median of ${opts.repeat} runs`}, node ${process.version}, ${availableParallelism()} CPUs`;
  const rows = [
    ['mode', 'events', 'stored', 'seconds', 'events/s', 'CPU s', 'peak RSS'],
    ...summaries.map((s) => [
      s.mode,
      int.format(s.events),
      int.format(s.stored),
      s.seconds.toFixed(2),
      int.format(s.eventsPerSecond),
      s.cpuSeconds.toFixed(1),
      `${int.format(s.peakRssMb)} MB`,
    ]),
  ];
  const verdict = ratio === undefined ? undefined : ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
  const patternVerdict = patternCost === undefined ? undefined : patternCost <= PATTERN_COST_TARGET ? 'PASS' : 'ABOVE TARGET';
  process.stdout.write(
    `\n${header}\n\n${table(rows)}\n\n` +
      (ratio === undefined ? '' : `ratio pipeline/baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${verdict}\n`) +
      (patternCost === undefined
        ? ''
        : `pattern rules' cost, 1 − pipeline/no-patterns events/s: ${(patternCost * 100).toFixed(1)}% (target ≤ ${PATTERN_COST_TARGET * 100}%) ${patternVerdict}` +
          ` (CPU s ${pipeline!.cpuSeconds.toFixed(1)} with, ${noPatterns!.cpuSeconds.toFixed(1)} without)\n`) +
      `CPU s: user + system time of each child, all threads (chDB's and PGlite's too), on ${availableParallelism()} CPUs; CPU s well below seconds means the child waited (I/O, or other processes on the CPUs).\n` +
      (pipeline ? `pipeline findings and active findings = ground truth: ${findingsMatch('pipeline') ? 'yes' : 'NO'}\n` : '') +
      (noPatterns ? `no-patterns findings and active findings = ground truth without the pattern rules: ${findingsMatch('no-patterns') ? 'yes' : 'NO'}\n` : ''),
  );

  let profile: ProfileSummary | undefined;
  if (opts.profile) {
    const profileDir = join(dir, 'profile');
    process.stderr.write('\nprofiling: pipeline under --cpu-prof …\n');
    await runChild('pipeline', input, join(dir, 'pipeline-profile'), ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    profile = await printProfile(profileDir, opts.keep);
  }

  const summary = (s: Summary | undefined) => (s === undefined ? undefined : (({ runs: _runs, ...rest }) => rest)(s));
  const file = await writeResult('last.json', {
    customers: opts.customers,
    seed: opts.seed,
    lines: truth.lines,
    batchSize: DEFAULTS.batchSize,
    repeat: opts.repeat,
    modes: opts.modes,
    baseline: summary(baseline),
    pipeline: summary(pipeline),
    noPatterns: summary(noPatterns),
    ratio,
    target: TARGET_RATIO,
    verdict,
    patternCost,
    patternCostTarget: PATTERN_COST_TARGET,
    patternVerdict,
    findingsMatchGroundTruth: pipeline ? findingsMatch('pipeline') : undefined,
    noPatternsFindingsMatchGroundTruth: noPatterns ? findingsMatch('no-patterns') : undefined,
    runs,
    ...(profile === undefined ? {} : { profile }),
  });
  process.stdout.write(`results: ${file}\n`);
}

async function kafkaBench(opts: Options, dir: string, input: string, truth: Truth): Promise<void> {
  const result = await runKafkaBench({
    input,
    partitions: opts.partitions,
    partitionsConcurrency: opts.partitionsConcurrency,
    batchSize: opts.batchSize,
    repeat: opts.repeat,
    workDir: dir,
    ...(opts.profile ? { profileDir: join(dir, 'profile') } : {}),
  });
  const { text, summary } = formatKafkaResult(result, truth, KAFKA_TARGET_RATIO);
  process.stdout.write(
    `\nVerity Kafka bench: ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), ` +
      `${opts.repeat === 1 ? '1 run' : `median of ${opts.repeat} runs`}, node ${process.version}, ${availableParallelism()} CPUs\n${text}`,
  );
  const profile = opts.profile ? await printProfile(join(dir, 'profile'), opts.keep) : undefined;
  const file = await writeResult('last-kafka.json', {
    customers: opts.customers,
    seed: opts.seed,
    lines: truth.lines,
    repeat: opts.repeat,
    ...summary,
    result,
    ...(profile === undefined ? {} : { profile }),
  });
  process.stdout.write(`results: ${file}\n`);
}

async function stateBench(opts: Options, dir: string, input: string, truth: Truth): Promise<void> {
  const result = await runStateBench({ input, sizes: opts.stateSizes, stores: opts.stateStores, workDir: dir });
  const { text, summary } = formatStateResult(result);
  process.stdout.write(
    `\nVerity state bench: stream of ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), ` +
      `node ${process.version}, ${availableParallelism()} CPUs\n${text}`,
  );
  const file = await writeResult('last-state.json', { customers: opts.customers, seed: opts.seed, lines: truth.lines, ...summary, result });
  process.stdout.write(`results: ${file}\n`);
}

async function main(): Promise<void> {
  const opts = options();
  const dir = await mkdtemp(join(tmpdir(), 'verity-bench-'));
  try {
    const input = join(dir, 'stream.jsonl');
    process.stderr.write(`generating ${int.format(opts.customers)} customers (seed ${opts.seed}) into ${input} …\n`);
    const truth = await writeGeneratedStream(input, { customers: opts.customers, seed: opts.seed });
    await (opts.kafka ? kafkaBench : opts.state ? stateBench : embeddedBench)(opts, dir, input, truth);
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
