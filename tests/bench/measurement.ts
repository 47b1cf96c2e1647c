// What a measuring child process reports (one JSON line on stdout).

// no-patterns: the pipeline with the built-in pack minus patterns.yaml, for the pattern rules' cost.
export const MODES = ['baseline', 'pipeline', 'no-patterns'] as const;
export type Mode = (typeof MODES)[number];

export interface Measurement {
  readonly mode: Mode;
  /** Lines read from the input (the pipeline's `events`). */
  readonly events: number;
  /** Rows that reached the store's main table (baseline: parsed lines; pipelines: distinct accepted events). */
  readonly stored: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Peak resident set size of the measuring process, chDB included. */
  readonly peakRssMb: number;
  /** CPU time (user + system) of the measuring process, every thread (chDB's included), start to exit. */
  readonly cpuSeconds: number;
  /**
   * The same over the timed span only (`seconds`: the baseline's read-and-insert, or the whole
   * `runWithFlags` call, store opening and closing included), without the process's start-up
   * (loading the modules).
   */
  readonly spanCpuSeconds: number;
  /**
   * The work itself (stats.ts workSpan, samples every 200 ms): CPU from the first sample with
   * events done (the first batch written) to the end of the timed span, and the events in
   * between; the stores' opening and the first batch left out. The CPU cost per event.
   */
  readonly work?: { readonly fromSeconds: number; readonly toSeconds: number; readonly cpuSeconds: number; readonly events: number };
  /** Pipelines only: the run report's durationMs in seconds (the window the Kafka bench rates the pipeline over). */
  readonly windowSeconds?: number;
  /** Pipelines only: distinct customers per rule during the run and active at its end, to check the run against the ground truth. */
  readonly findings?: Record<string, number>;
  readonly activeFindings?: Record<string, number>;
}
