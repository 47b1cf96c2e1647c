// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time per function and per file,
// so a hot spot shows without opening DevTools.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotSpot {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly HotSpot[];
  readonly files: readonly HotSpot[];
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? relative(root, path) : path;
}

function top(selfMs: Map<string, number>, totalMs: number, limit: number): HotSpot[] {
  return [...selfMs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms, share: totalMs > 0 ? ms / totalMs : 0 }));
}

export async function summariseCpuProfile(file: string, root: string, limit = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) return;
    totalMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url, root);
    const fn = `${functionName || '(anonymous)'} ${url === '' ? '' : `${where}:${lineNumber + 1}`}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byFile.set(where, (byFile.get(where) ?? 0) + ms);
  });
  return { totalMs, functions: top(byFunction, totalMs, limit), files: top(byFile, totalMs, limit) };
}

export function formatSummary(summary: ProfileSummary): string {
  const rows = (title: string, spots: readonly HotSpot[]) => [
    title,
    ...spots.map((s) => `  ${s.ms.toFixed(0).padStart(7)} ms ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.name}`),
  ];
  return [
    `CPU profile of the pipeline child: ${(summary.totalMs / 1000).toFixed(2)} s sampled (self time)`,
    ...rows('by function:', summary.functions),
    ...rows('by file:', summary.files),
  ].join('\n');
}
