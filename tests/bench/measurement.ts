// What a measuring child process reports (one JSON line on stdout).

export const MODES = ['baseline', 'pipeline'] as const;
export type Mode = (typeof MODES)[number];

export interface Measurement {
  readonly mode: Mode;
  /** Lines read from the input (the pipeline's `events`). */
  readonly events: number;
  /** Rows that reached the store's main table (baseline: parsed lines; pipeline: distinct accepted events). */
  readonly stored: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Peak resident set size of the measuring process, chDB included. */
  readonly peakRssMb: number;
  /** CPU time (user + system) of the measuring process, every thread (chDB's included). */
  readonly cpuSeconds: number;
  /** Pipeline only: distinct customers per rule, to check the run against the ground truth. */
  readonly findings?: Record<string, number>;
}
