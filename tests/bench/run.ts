// `npm run bench`: how close the real pipeline comes to the embedded engine's ingest ceiling.
//
//   npm run bench -- [--customers 75000] [--seed 20261125] [--repeat 1] [--modes baseline,pipeline,no-patterns] [--batch-size N] [--state-server] [--store-server] [--profile] [--keep]
//   npm run bench -- --state [--state-sizes 10000,1000000] [--state-stores pglite,server] [--customers 5000] [--keep]
//   npm run bench -- --kafka [--partitions 6] [--partitions-concurrency N] [--batch-size N] [--customers …] [--repeat …] [--profile] [--keep]
//   npm run bench -- --kafka --long [--events 1000000] [--partitions 6] [--partitions-concurrency N] [--batch-size N] [--keep]
//   npm run bench -- --freshness [--rate 2000] [--seconds 60] [--partitions 6] [--keep]
//
// Generates one synthetic stream, then measures, each in its own process (chDB allows one on-disk
// path per process) with a fresh store:
//   baseline  read the file line by line, JSON.parse, insert the events unprocessed (the ceiling)
//   pipeline  what `verity run --input FILE --once` runs (decode, rules, masking, issues, five tables)
//   no-patterns  the same with `--rules` = the built-in pack without patterns.yaml
// (--state-server: the pipeline modes keep their state in a PostgreSQL server instead of PGlite;
// --store-server: they write the analytics to the embedded engine served by `verity store serve`
// in another process, as to a ClickHouse server; with both, the child's RSS is Verity's process
// alone; results then in out/bench/last-state-server.json, -store-server, -servers) and prints events/s of each, pipeline/baseline (target ≥ 0.5), the pattern rules' cost
// 1 − pipeline/no-patterns (target ≤ 25%), each child's CPU time and peak RSS, and the CPU cost
// per event: µs/event = the child's user + system CPU (process.resourceUsage(), every thread:
// chDB's and PGlite's too) from its first batch written to the end of the run, over the events after it
// (measure.ts, stats.ts workSpan), target ≤ 60 µs for the pipeline; the whole process's, start-up
// and the stores' opening and closing included, is in the JSON (wholeProcessCpuMicrosPerEvent). Results go to
// out/bench/last.json. --profile also runs the pipeline once under --cpu-prof and prints the
// hottest functions; --keep leaves the temporary folder (stream, stores, profiles) in place.
//
// --kafka measures the Kafka path instead (see kafka.ts): the stream goes to a real broker, then a
// raw kafkajs consume of it (the ceiling), the real `verity run --kafka-brokers … --once` and the
// same pipeline reading the same stream from the file (measure.ts pipeline) are timed; targets:
// Kafka pipeline / file pipeline ≥ 0.9, Kafka pipeline / raw consume ≥ 0.1, and the Kafka
// pipeline's CPU ≤ 60 µs/event (each mode's µs/event is printed). Results go to
// out/bench/last-kafka.json; --profile profiles one more (unmeasured) `verity run`.
//
// --kafka --long is the long run instead (see long-run.ts): a stream of at least --events events
// (default 1,000,000; customers = events / 2.07, the generator's events per customer, unless
// --customers is given) through one `verity run --once`, its RSS and consumed count sampled every
// 5 s: RSS growth between 25% and 100% of the run (target < 10%), peak RSS, throughput over time.
// Results: out/bench/last-long.json, and the plot out/bench/long-run.svg.
//
// --freshness measures latency instead (see freshness.ts): a long-running `verity run` (no
// --once) against a broker, fed at a fixed --rate (default 2,000 events/s) for --seconds (default
// 60); freshness = an issue change's arrival on the issue topic − its event's produce time, p50
// (target < 500 ms) and p99 (target < 2 s). The stream is generated large enough (rate × seconds
// events) unless --customers is given. Results: out/bench/last-freshness.json.
//
// --state measures the issue and pattern state at each size instead (see state.ts): PostgreSQL
// table sizes, a run's peak RSS (target: the largest size ≤ the smallest + 100 MB) and the time to
// restart against the state, in PGlite and a PostgreSQL server. --customers is then the stream the
// state is built from and the measured run processes (default 5,000). Results: out/bench/last-state.json.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeGeneratedStream } from '../../pipelines/generate/index.ts';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { formatSummary, summariseCpuProfile, type ProfileSummary } from './cpu-profile.ts';
import { batchSizeEnv, int, matchesTruth, median, table } from './support.ts';
import { CPU_MICROS_TARGET, formatKafkaResult, KAFKA_FILE_TARGET_RATIO, runKafkaBench } from './kafka.ts';
import { formatFreshnessResult, runFreshnessBench } from './freshness.ts';
import { formatLongResult } from './long-run.ts';
import { runMeasureChild } from './measure-child.ts';
import { peakRssMbOf } from './proc.ts';
import { serveStore } from '../e2e/support.ts';
import { acquirePostgres } from '../support/postgres/acquire.ts';
import { createDatabase, dropDatabase } from '../support/postgres/use-postgres.ts';
import { cpuMicrosPerEvent } from './stats.ts';
import { MODES, type Measurement, type Mode } from './measurement.ts';
import { formatStateResult, runStateBench, STATE_STORES, type StateStoreKind } from './state.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
// Not .cache: that folder may be shared between checkouts (Node and Kafka jars).
const RESULT_DIR = join(ROOT, 'out', 'bench');
const TARGET_RATIO = 0.5;
/** Issue 9: the Kafka pipeline at ≥ 10% of a raw kafkajs consume (which does nothing with the messages). */
const KAFKA_TARGET_RATIO = 0.1;
/** The generator's events per customer, near enough (for --events and --freshness). */
const EVENTS_PER_CUSTOMER = 2.07;
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
      long: { type: 'boolean', default: false },
      events: { type: 'string' },
      freshness: { type: 'boolean', default: false },
      'state-server': { type: 'boolean', default: false },
      'store-server': { type: 'boolean', default: false },
      rate: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '60' },
    },
    strict: true,
  });
  if (!values.kafka && values['partitions-concurrency'] !== undefined) throw new Error('--partitions-concurrency needs --kafka');
  if (values.state && values['batch-size'] !== undefined) throw new Error('--batch-size is for the embedded, --kafka and --freshness benches: pass it without --state');
  if ([values.kafka, values.state, values.freshness].filter(Boolean).length > 1) throw new Error('--kafka, --state and --freshness are separate benches: pass one');
  if (values.long && !values.kafka) throw new Error('--long is the long Kafka run: pass --kafka --long');
  for (const flag of ['state-server', 'store-server'] as const) {
    if (values[flag] && (values.kafka || values.state || values.freshness)) throw new Error(`--${flag} is for the embedded bench's pipeline modes: pass it without --kafka, --state or --freshness`);
  }
  if (values.events !== undefined && !values.long) throw new Error('--events is the long run\'s size: pass --kafka --long --events N');
  if (values.long && values.repeat !== '1') throw new Error('--long runs once: no --repeat');
  const events = values.long ? positiveInt('events', values.events ?? '1000000') : undefined;
  const rate = positiveInt('rate', values.rate);
  const seconds = positiveInt('seconds', values.seconds);
  // Enough customers for the events asked for (a few percent to spare; the long run reports the real count).
  const customersFor = (n: number) => String(Math.ceil((n / EVENTS_PER_CUSTOMER) * 1.02));
  const defaultCustomers = events !== undefined ? customersFor(events) : values.freshness ? customersFor(rate * seconds) : values.state ? '5000' : '75000';
  const stores = values['state-stores'].split(',').map((m) => m.trim());
  if (stores.length === 0 || stores.some((m) => !STATE_STORES.includes(m as StateStoreKind))) {
    throw new Error(`--state-stores takes a list of ${STATE_STORES.join(', ')}; got ${values['state-stores']}`);
  }
  const modes = values.modes.split(',').map((m) => m.trim());
  const unknown = modes.filter((m) => !MODES.includes(m as Mode));
  if (unknown.length > 0 || modes.length === 0) throw new Error(`--modes takes a list of ${MODES.join(', ')}; got ${values.modes}`);
  const optional = (name: 'partitions-concurrency' | 'batch-size') => (values[name] === undefined ? undefined : positiveInt(name, values[name]));
  return {
    customers: positiveInt('customers', values.customers ?? defaultCustomers),
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
    long: values.long,
    events,
    freshness: values.freshness,
    stateServer: values['state-server'],
    storeServer: values['store-server'],
    rate,
    seconds,
  };
}

interface Summary {
  readonly mode: Mode;
  readonly events: number;
  readonly stored: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
  /** CPU over the timed span / events (every thread), and the whole process's / events. */
  readonly cpuMicrosPerEvent: number;
  readonly wholeProcessCpuMicrosPerEvent: number;
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
    cpuMicrosPerEvent: median(runs.map((r) => (r.work ? cpuMicrosPerEvent(r.work.cpuSeconds, r.work.events) : cpuMicrosPerEvent(r.spanCpuSeconds, r.events)) ?? Number.NaN)),
    wholeProcessCpuMicrosPerEvent: median(runs.map((r) => cpuMicrosPerEvent(r.cpuSeconds, r.events) ?? Number.NaN)),
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
  // --state-server: the pipeline modes keep their state in a PostgreSQL server (VERITY_POSTGRES_URL,
  // else the test suite's), a fresh database each; the child's RSS is then Verity's process alone.
  let server: { url: string; source: string; stop: () => Promise<void> } | undefined;
  if (opts.stateServer) {
    const acquired = await acquirePostgres((m) => process.stderr.write(`[postgres] ${m}\n`));
    if (!acquired.available) throw new Error(`--state-server: no PostgreSQL server: ${acquired.reason}`);
    server = { url: acquired.url, source: acquired.source, stop: () => acquired.stop() };
  }
  const runs: Partial<Record<Mode, Measurement[]>> = {};
  /** With --store-server: the served store's peak RSS per run (its own process, not in the table's). */
  const servedStorePeakRssMb: Partial<Record<Mode, number[]>> = {};
  try {
    for (let i = 1; i <= opts.repeat; i += 1) {
      for (const mode of opts.modes) {
        process.stderr.write(`run ${i}/${opts.repeat}: ${mode} …`);
        const env = batchSizeEnv(opts.batchSize);
        if (server && mode !== 'baseline') env.VERITY_STATE_URL = await createDatabase(server.url);
        // A fresh served store per run, as the embedded one is fresh per run.
        const store = opts.storeServer && mode !== 'baseline' ? await serveStore(join(dir, `${mode}-${i}-store`)) : undefined;
        if (store) env.VERITY_STORE = store.url;
        let result: Measurement;
        try {
          result = await runMeasureChild(mode, input, join(dir, `${mode}-${i}`), [], env);
        } finally {
          if (store) {
            const peak = store.child.process.pid === undefined ? null : await peakRssMbOf(store.child.process.pid);
            await store.stop();
            if (peak !== null) (servedStorePeakRssMb[mode] ??= []).push(Math.round(peak));
          }
        }
        process.stderr.write(` ${result.seconds.toFixed(2)} s\n`);
        (runs[mode] ??= []).push(result);
        await rm(join(dir, `${mode}-${i}`), { recursive: true, force: true });
        if (store) await rm(join(dir, `${mode}-${i}-store`), { recursive: true, force: true });
        if (env.VERITY_STATE_URL) await dropDatabase(env.VERITY_STATE_URL);
      }
    }
  } finally {
    await server?.stop();
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

  const header =
    `Verity bench: ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), batch ${opts.batchSize ?? DEFAULTS.batchSize}, ${opts.repeat === 1 ? '1 run' : `median of ${opts.repeat} runs`}, node ${process.version}, ${availableParallelism()} CPUs` +
    `\nstate store: ${server ? `a PostgreSQL server (${server.source}), a fresh database per run` : 'embedded PGlite (the default)'}` +
    `\nanalytics store: ${opts.storeServer ? `served by \`verity store serve\` in another process (a fresh one per run; its peak RSS, not in the table: ${Object.entries(servedStorePeakRssMb).map(([mode, mb]) => `${mode} ${mb.map((m) => `${int.format(m)} MB`).join(', ')}`).join('; ')})` : 'embedded chDB (the default)'}`;
  const rows = [
    ['mode', 'events', 'stored', 'seconds', 'events/s', 'CPU s', 'CPU µs/event', 'peak RSS'],
    ...summaries.map((s) => [
      s.mode,
      int.format(s.events),
      int.format(s.stored),
      s.seconds.toFixed(2),
      int.format(s.eventsPerSecond),
      s.cpuSeconds.toFixed(1),
      s.cpuMicrosPerEvent.toFixed(1),
      `${int.format(s.peakRssMb)} MB`,
    ]),
  ];
  const verdict = ratio === undefined ? undefined : ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
  const patternVerdict = patternCost === undefined ? undefined : patternCost <= PATTERN_COST_TARGET ? 'PASS' : 'ABOVE TARGET';
  const cpuVerdict = pipeline === undefined ? undefined : pipeline.cpuMicrosPerEvent <= CPU_MICROS_TARGET ? 'PASS' : 'ABOVE TARGET';
  process.stdout.write(
    `\n${header}\n\n${table(rows)}\n\n` +
      (ratio === undefined ? '' : `ratio pipeline/baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${verdict}\n`) +
      (patternCost === undefined
        ? ''
        : `pattern rules' cost, 1 − pipeline/no-patterns events/s: ${(patternCost * 100).toFixed(1)}% (target ≤ ${PATTERN_COST_TARGET * 100}%) ${patternVerdict}` +
          ` (CPU s ${pipeline!.cpuSeconds.toFixed(1)} with, ${noPatterns!.cpuSeconds.toFixed(1)} without)\n`) +
      (pipeline === undefined
        ? ''
        : `pipeline CPU cost: ${pipeline.cpuMicrosPerEvent.toFixed(1)} µs/event (target ≤ ${CPU_MICROS_TARGET}) ${cpuVerdict}` +
          ` (whole process, start-up included: ${pipeline.wholeProcessCpuMicrosPerEvent.toFixed(1)} µs/event)\n`) +
      `CPU s: user + system time of each child, all threads (chDB's and PGlite's too), on ${availableParallelism()} CPUs; CPU s well below seconds means the child waited (I/O, or other processes on the CPUs).\n` +
      `CPU µs/event: the child's CPU from the first sample (every 200 ms, in the child) that saw a batch written to the end of the run, / the events after that sample:\n` +
      `start-up, the stores' opening and the first batch left out, the end-of-run work kept (the whole process's figure is in last.json).\n` +
      (pipeline ? `pipeline findings and active findings = ground truth: ${findingsMatch('pipeline') ? 'yes' : 'NO'}\n` : '') +
      (noPatterns ? `no-patterns findings and active findings = ground truth without the pattern rules: ${findingsMatch('no-patterns') ? 'yes' : 'NO'}\n` : ''),
  );

  let profile: ProfileSummary | undefined;
  if (opts.profile) {
    const profileDir = join(dir, 'profile');
    process.stderr.write('\nprofiling: pipeline under --cpu-prof …\n');
    await runMeasureChild('pipeline', input, join(dir, 'pipeline-profile'), ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    profile = await printProfile(profileDir, opts.keep);
  }

  const summary = (s: Summary | undefined) => (s === undefined ? undefined : (({ runs: _runs, ...rest }) => rest)(s));
  const file = await writeResult(`last${server && opts.storeServer ? '-servers' : server ? '-state-server' : opts.storeServer ? '-store-server' : ''}.json`, {
    stateStore: server ? `server (${server.source})` : 'embedded',
    analyticsStore: opts.storeServer ? 'served (verity store serve)' : 'embedded',
    ...(opts.storeServer ? { servedStorePeakRssMb } : {}),
    customers: opts.customers,
    seed: opts.seed,
    lines: truth.lines,
    batchSize: opts.batchSize ?? DEFAULTS.batchSize,
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
    cpuMicrosTarget: CPU_MICROS_TARGET,
    cpuVerdict,
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
    long: opts.long,
    ...(opts.profile ? { profileDir: join(dir, 'profile') } : {}),
  });
  if (opts.long) {
    const { text, summary, svg } = formatLongResult(result, opts);
    process.stdout.write(
      `\nVerity long Kafka run: ${int.format(truth.lines)} lines from ${int.format(opts.customers)} customers (seed ${opts.seed}), ` +
        `node ${process.version}, ${availableParallelism()} CPUs\n${text}`,
    );
    const file = await writeResult('last-long.json', { customers: opts.customers, seed: opts.seed, lines: truth.lines, eventsAsked: opts.events, ...summary });
    await mkdir(RESULT_DIR, { recursive: true });
    const plot = join(RESULT_DIR, 'long-run.svg');
    await writeFile(plot, svg);
    process.stdout.write(`results: ${file}\nplot: ${plot}\n`);
    return;
  }
  const { text, summary } = formatKafkaResult(result, truth, { rawRatio: KAFKA_TARGET_RATIO, fileRatio: KAFKA_FILE_TARGET_RATIO, cpuMicros: CPU_MICROS_TARGET });
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

async function freshnessBench(opts: Options, dir: string, input: string, truth: Truth): Promise<void> {
  if (truth.lines < opts.rate * opts.seconds) {
    process.stderr.write(`note: the stream has ${int.format(truth.lines)} lines, fewer than ${int.format(opts.rate * opts.seconds)} (rate × seconds): producing stops when it runs out\n`);
  }
  const result = await runFreshnessBench({ input, partitions: opts.partitions, rate: opts.rate, seconds: opts.seconds, workDir: dir, ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }) });
  const { text, summary } = formatFreshnessResult(result);
  process.stdout.write(
    `\nVerity freshness bench: ${int.format(opts.rate)} events/s offered for ${opts.seconds} s, stream of ${int.format(truth.lines)} lines from ` +
      `${int.format(opts.customers)} customers (seed ${opts.seed}), batch ${opts.batchSize ?? DEFAULTS.batchSize}, node ${process.version}, ${availableParallelism()} CPUs\n${text}`,
  );
  const file = await writeResult('last-freshness.json', { customers: opts.customers, seed: opts.seed, lines: truth.lines, ...summary });
  process.stdout.write(`results: ${file}\n`);
}

async function main(): Promise<void> {
  const opts = options();
  const dir = await mkdtemp(join(tmpdir(), 'verity-bench-'));
  try {
    const input = join(dir, 'stream.jsonl');
    process.stderr.write(`generating ${int.format(opts.customers)} customers (seed ${opts.seed}) into ${input} …\n`);
    const truth = await writeGeneratedStream(input, { customers: opts.customers, seed: opts.seed });
    await (opts.kafka ? kafkaBench : opts.state ? stateBench : opts.freshness ? freshnessBench : embeddedBench)(opts, dir, input, truth);
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
