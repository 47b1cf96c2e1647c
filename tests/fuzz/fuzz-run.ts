// How every fuzz property runs: seeded (a fixed seed by default, so CI is reproducible; any other
// with VERITY_FUZZ_SEED), sized (VERITY_FUZZ_SCALE multiplies every property's runs, e.g. 10 for a
// nightly soak), and reported without values (VERITY_FUZZ_SHOW_VALUES=1 shows them locally). fast-check's own report prints the counterexample;
// ours prints the seed, the replay path and the counterexample's kinds and sizes, because a
// failing case may hold a value the property has just caught leaking, and CI logs are kept.
import fc from 'fast-check';

/** The seed CI uses. Changing it is fine; the point is that a red run can be replayed. */
export const DEFAULT_FUZZ_SEED = 6_003_001;

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got a ${text.length}-character value that is not`);
  return value;
}

export function fuzzSeed(): number {
  return envInteger('VERITY_FUZZ_SEED') ?? DEFAULT_FUZZ_SEED;
}

/** `runs` scaled by VERITY_FUZZ_SCALE (default 1); never below 1. */
export function scaledRuns(runs: number): number {
  const text = process.env['VERITY_FUZZ_SCALE'];
  const scale = text === undefined || text.trim() === '' ? 1 : Number(text);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error('VERITY_FUZZ_SCALE must be a positive number');
  return Math.max(1, Math.round(runs * scale));
}

/**
 * A property's own verdict. Its message is written by the property and names kinds, codes, paths
 * and lengths only; anything else thrown inside a property is reported by class alone.
 */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

export function fail(message: string): never {
  throw new FuzzFailure(message);
}

export interface PropertyStats {
  readonly name: string;
  readonly runs: number;
  /** What one run is (e.g. "message", "batch of 1–30 messages"), for the summary. */
  readonly unit: string;
  /** Messages or events the runs went through, when a run holds several. */
  readonly items: number;
  readonly ms: number;
}

const stats: PropertyStats[] = [];

export function printFuzzSummary(title: string): void {
  const lines = stats.map((s) => `  ${s.name}: ${s.runs} runs (${s.unit}${s.items !== s.runs ? `, ${s.items} items` : ''}) in ${(s.ms / 1000).toFixed(1)} s`);
  const total = stats.reduce((n, s) => n + s.runs, 0);
  const ms = stats.reduce((n, s) => n + s.ms, 0);
  console.log(`${title} (seed ${fuzzSeed()}): ${total} runs in ${(ms / 1000).toFixed(1)} s\n${lines.join('\n')}`);
}

function describeError(error: unknown): string {
  if (error instanceof FuzzFailure) return error.message;
  if (error instanceof Error) {
    // Another error's message may quote the input (V8's JSON.parse does): its class, and where.
    const at = error.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' < ') ?? '';
    return `${error.name} (message withheld: it may quote the input) ${at}`;
  }
  return `a thrown ${typeof error}`;
}

export interface FuzzOptions<Ts> {
  readonly runs: number;
  readonly unit?: string;
  /** The counterexample in kinds and sizes, never values. */
  readonly describe: (counterexample: Ts) => string;
  /** How many items (messages, events) a run went through; counted as the property runs. */
  readonly items?: () => number;
}

function parameters<Ts>(name: string, options: FuzzOptions<Ts>, extra: Partial<fc.Parameters<Ts>> = {}): fc.Parameters<Ts> {
  const seed = fuzzSeed();
  const runs = scaledRuns(options.runs);
  const path = process.env['VERITY_FUZZ_PATH'];
  return {
    seed,
    numRuns: runs,
    ...(path ? { path } : {}),
    ...extra,
    reporter: (details) => {
      if (!details.failed) return;
      const where = details.counterexamplePath ?? '';
      const example = details.counterexample ? options.describe(details.counterexample) : '(none)';
      // For a developer at a terminal only: the generated values are synthetic, but a failing
      // case may be the one that shows a real leak path, and CI logs are kept.
      if (process.env['VERITY_FUZZ_SHOW_VALUES'] === '1') console.error('counterexample values:', details.counterexample, details.errorInstance);
      throw new Error(
        [
          `fuzz property "${name}" failed after ${details.numRuns} of ${runs} runs (${details.numShrinks} shrinks)`,
          `replay: VERITY_FUZZ_SEED=${seed} VERITY_FUZZ_PATH=${where}`,
          `counterexample: ${example}`,
          `error: ${describeError(details.errorInstance)}`,
        ].join('\n'),
      );
    },
  };
}

/**
 * fc.assert with the fuzz seed, the scaled run count and a report without values. A failure says
 * how to replay it: VERITY_FUZZ_SEED and VERITY_FUZZ_PATH (fast-check's replay path, which skips
 * straight to the shrunk counterexample).
 */
export function fuzzAssert<Ts extends [unknown, ...unknown[]]>(name: string, property: fc.IProperty<Ts>, options: FuzzOptions<Ts>): void {
  const started = performance.now();
  const params = parameters(name, options);
  fc.assert(property, params);
  stats.push({ name, runs: params.numRuns!, unit: options.unit ?? 'case', items: options.items?.() ?? params.numRuns!, ms: performance.now() - started });
}

/**
 * The same for a property that does I/O. `shrink: false` reports the first failing case as it
 * is: a case that shares a store with the cases before it would shrink against a changed store.
 */
export async function fuzzAssertAsync<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IAsyncProperty<Ts>,
  options: FuzzOptions<Ts> & { readonly shrink?: boolean },
): Promise<void> {
  const started = performance.now();
  const params = parameters(name, options, options.shrink === false ? { endOnFailure: true } : {});
  await fc.assert(property, params);
  stats.push({ name, runs: params.numRuns!, unit: options.unit ?? 'case', items: options.items?.() ?? params.numRuns!, ms: performance.now() - started });
}
