// Helpers the benches share: printing, summarising, checking against the truth, the measured children's environment, and a generated stream read whole.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PATTERN_RULE_IDS, writeGeneratedStream, type GroundTruth } from '../../pipelines/generate/index.ts';
import { RUN_SETTINGS } from '../../pipelines/config/run-settings.ts';
import { runtimeEnv } from '../../bin/node-runtime.mjs';

export const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ')).join('\n');
}

/** Distinct customers per rule, compared with the ground truth of the generated stream. */
export function sameFindings(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/**
 * Whether a run found what the generated stream's truth says: per record rule, the customers with
 * a finding during the run (the truth has no such count for pattern rules, whose findings come and
 * go as groups form); per rule, the active findings at its end. `patterns: false` is a run without
 * the pattern rules: none of theirs may appear.
 */
export function matchesTruth(
  found: { readonly findings: Record<string, number>; readonly activeFindings: Record<string, number> },
  truth: Pick<GroundTruth, 'rules' | 'activeFindingCounts'>,
  patterns = true,
): boolean {
  const pattern = new Set<string>(PATTERN_RULE_IDS);
  const findings = patterns ? Object.fromEntries(Object.entries(found.findings).filter(([id]) => !pattern.has(id))) : found.findings;
  const active = patterns ? truth.activeFindingCounts : Object.fromEntries(Object.entries(truth.activeFindingCounts).filter(([id]) => !pattern.has(id)));
  return sameFindings(findings, truth.rules) && sameFindings(found.activeFindings, active);
}

/**
 * The environment for a measured child: the caller's, without VERITY_* settings (a VERITY_STORE
 * or VERITY_BATCH_SIZE in the shell must not change what is measured), except Kafka connection ones,
 * and with the launcher's runtime settings (bin/node-runtime.mjs), as `npm start` and the image run it.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VERITY_') || k.startsWith('VERITY_KAFKA_')) env[k] = v;
  return runtimeEnv({ ...env, ...extra });
}

/** A measured child's batch size, when the bench was given one: the pipeline and the baseline read it (measure.ts). */
export function batchSizeEnv(batchSize: number | undefined): Record<string, string> {
  return batchSize === undefined ? {} : { [RUN_SETTINGS.batchSize.env]: String(batchSize) };
}

/** A generated stream's bytes, made in a temporary folder that is removed again (for the scripts that read it whole). */
export async function generatedStreamBytes(options: { customers: number; seed: number }): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'verity-stream-'));
  try {
    const file = join(dir, 'stream.jsonl');
    await writeGeneratedStream(file, options);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
