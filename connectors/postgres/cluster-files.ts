// An embedded store's files, without PGlite itself: whether a folder holds a cluster, where the
// template is, and the template's copy into a new store, all in the pipeline's process; initdb is
// left to a process of its own (pglite-create.ts, pglite-cluster.ts).
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

/** Written last into a new cluster: a folder without it is not a store yet (see copyCluster). */
export const CLUSTER_MARKER = 'PG_VERSION';

/** Whether `path` holds a cluster (an interrupted copy does not). */
export function hasCluster(path: string): boolean {
  return existsSync(join(path, CLUSTER_MARKER));
}

/**
 * The template's folder for the installed PGlite: `<node_modules>/.cache/verity/pglite-<version>`,
 * or undefined when PGlite is not installed under a node_modules folder.
 */
export function defaultTemplateDir(): string | undefined {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@electric-sql/pglite');
  const marker = `${sep}node_modules${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) return undefined;
  const modules = entry.slice(0, at + marker.length - 1);
  const manifest = JSON.parse(readFileSync(join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') return undefined;
  return join(modules, '.cache', 'verity', `pglite-${manifest.version}`);
}

/**
 * `from`'s files into `to`, the marker last: a copy cut short leaves no marker, and the next open
 * copies again over what it left.
 */
export function copyCluster(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    if (entry !== CLUSTER_MARKER) cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
  cpSync(join(from, CLUSTER_MARKER), join(to, CLUSTER_MARKER));
}

/** The template's copy into `path` when `templateDir` holds one; whether it did. */
export function copyTemplate(templateDir: string | undefined, path: string): boolean {
  if (!templateDir || !hasCluster(templateDir)) return false;
  copyCluster(templateDir, path);
  return true;
}
