// One measurement in its own process (chDB allows one on-disk path per process):
//   node tests/bench/measure.ts <baseline|pipeline|no-patterns> <input.jsonl> <work-dir>
// Prints exactly one JSON line (a Measurement) on stdout; logs go to stderr. Besides the timed
// span's seconds and CPU, it samples its own CPU and progress every 200 ms (pipelines: their
// verity_events_consumed_total, from a metrics endpoint on a free port; baseline: rows inserted)
// for the CPU cost per event of the work itself (stats.ts workSpan).
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { runWithFlags } from '../../pipelines/cli/commands/run.ts';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { RUN_SETTINGS } from '../../pipelines/config/run-settings.ts';
import { freePort } from '../support/kafka/broker.ts';
import { MODES, type Measurement, type Mode } from './measurement.ts';
import { writePackWithoutPatterns } from './rule-packs.ts';
import { workSpan, type ProgressSample } from './stats.ts';

/** How often the work span's progress and CPU are sampled (see stats.ts workSpan). */
const SAMPLE_EVERY_MS = 200;
const cpuNow = () => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};

/**
 * Samples this process's CPU and `done()` until stopped: where the work itself begins, after the
 * stores' opening and the first batch (stats.ts workSpan). Samples are taken between the
 * pipeline's awaits, so a batch running synchronously delays one; that only moves the span's
 * start by a batch, whose events are counted accordingly.
 */
function sampleProgress(done: () => Promise<number | null> | number | null) {
  const samples: ProgressSample[] = [];
  const started = performance.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      const value = await done();
      samples.push({ seconds: (performance.now() - started) / 1000, done: value ?? 0, cpuSeconds: value === null ? null : cpuNow() });
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  return {
    async stop(): Promise<ProgressSample[]> {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** The pipeline's batch size (the bench's --batch-size reaches both through the environment). */
const BATCH_SIZE = Number(process.env[RUN_SETTINGS.batchSize.env] ?? DEFAULTS.batchSize);

/**
 * The ceiling: read the same file line by line, JSON.parse each line and insert the events
 * unprocessed, with the same client construction, batch size and insert format as the pipeline.
 */
async function baseline(input: string, workDir: string, progress: { stored: number }): Promise<{ events: number; stored: number }> {
  const client = createStoreClient({ kind: 'embedded', path: join(workDir, 'chdb') });
  try {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS bench' });
    await client.command({
      query: 'CREATE TABLE IF NOT EXISTS bench.raw_events (event_id String, payload String) ENGINE = MergeTree ORDER BY event_id',
    });
    let events = 0;
    let stored = 0;
    let rows: { event_id: string; payload: string }[] = [];
    const flush = async () => {
      if (rows.length === 0) return;
      await client.insert({ table: 'bench.raw_events', values: rows, format: 'JSONEachRow' });
      stored += rows.length;
      progress.stored = stored;
      rows = [];
    };
    for await (const line of createInterface({ input: createReadStream(input), crlfDelay: Infinity })) {
      events += 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // a malformed line: the pipeline dead-letters it, the ceiling just skips it
      }
      const eventId = (parsed as { eventId?: unknown } | null)?.eventId;
      rows.push({ event_id: typeof eventId === 'string' ? eventId : '', payload: line });
      if (rows.length >= BATCH_SIZE) await flush();
    }
    await flush();
    return { events, stored };
  } finally {
    await client.close();
  }
}

/**
 * What `verity run --input FILE --once [--rules DIR]` runs (the command's own function), into a
 * fresh data dir; `rules` absent is the built-in pack.
 */
async function pipeline(input: string, workDir: string, metricsPort: number, rules?: string) {
  const { report } = await runWithFlags({
    input,
    dataDir: workDir,
    once: true,
    logLevel: 'warn',
    progress: false,
    // Its consumed count, for the work span's CPU (not the measured work: one scrape per sample).
    metricsPort: String(metricsPort),
    ...(rules ? { rules } : {}),
  });
  return {
    events: report.events,
    stored: report.accepted - report.duplicates,
    findings: report.findings,
    activeFindings: report.activeFindings,
    windowSeconds: report.durationMs / 1000,
  };
}

async function measure(mode: Mode, input: string, workDir: string): Promise<Measurement> {
  // Written before the clock starts: copying the pack is not the pipeline's work.
  const rules = mode === 'no-patterns' ? await writePackWithoutPatterns(join(workDir, 'rules-without-patterns')) : undefined;
  const cpuOf = (u: NodeJS.ResourceUsage) => (u.userCPUTime + u.systemCPUTime) / 1e6;
  const metricsPort = await freePort();
  const baselineProgress = { stored: 0 };
  const consumed = async (): Promise<number | null> => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(1000) })).text();
      const line = text.split('\n').find((l) => l.startsWith('verity_events_consumed_total '));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    } catch {
      return null; // not listening yet (the store is being opened), or already closed
    }
  };
  const before = process.resourceUsage();
  const started = performance.now();
  const sampler = sampleProgress(mode === 'baseline' ? () => baselineProgress.stored : consumed);
  const result = await (mode === 'baseline' ? baseline(input, workDir, baselineProgress) : pipeline(input, workDir, metricsPort, rules));
  const seconds = (performance.now() - started) / 1000;
  const usage = process.resourceUsage();
  const span = workSpan(await sampler.stop(), { seconds, done: mode === 'baseline' ? result.stored : result.events, cpuSeconds: cpuOf(usage) });
  return {
    mode,
    ...result,
    seconds,
    eventsPerSecond: result.events / seconds,
    peakRssMb: usage.maxRSS / 1024,
    cpuSeconds: cpuOf(usage),
    spanCpuSeconds: cpuOf(usage) - cpuOf(before),
    ...(span === undefined ? {} : { work: span }),
  };
}

if (import.meta.main) {
  const [mode, input, workDir] = process.argv.slice(2);
  if (!MODES.includes(mode as Mode) || !input || !workDir) {
    process.stderr.write(`usage: node tests/bench/measure.ts <${MODES.join('|')}> <input.jsonl> <work-dir>\n`);
    process.exit(2);
  }
  const result = await measure(mode as Mode, input, workDir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
