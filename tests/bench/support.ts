// Helpers both benches share: printing, summarising, and the measured children's environment.

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
 * The environment for a measured child: the caller's, without VERITY_* settings (a VERITY_STORE
 * or VERITY_BATCH_SIZE in the shell must not change what is measured), except Kafka connection ones.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VERITY_') || k.startsWith('VERITY_KAFKA_')) env[k] = v;
  return { ...env, ...extra };
}
