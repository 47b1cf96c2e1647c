// A new embedded store's cluster: a copy of one that PGlite's initdb made once, per PGlite version.
//
// Why: PGlite runs initdb in a second, in-memory PGlite beside the store's, and the process peaks
// at about 1.1 GB for two to three seconds while it does (README, "The state store opened first").
// That moment set the embedded run's peak, above the 1 GB the process may take. An initdb'd
// cluster does not depend on the store: PGlite writes postgresql.conf at every start, so a copy of
// a clean, shut-down one (38 MB, about a thousand files) is the same store, made with no memory to
// speak of. Every copy carries the template's system identifier, which only replication reads; an
// embedded store has none.
//
// The template lives beside the PGlite it was made by, in node_modules/.cache/verity, so a new
// install (another PGlite) starts a new one, and nothing outside the install's own files is
// trusted to be a cluster. The image makes it while it is built (makeTemplate, Dockerfile); where
// the folder cannot be written and holds none, each new store runs initdb as before.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { StoreError } from '../../pipelines/errors.ts';
import { copyCluster, copyTemplate, defaultTemplateDir, hasCluster } from './cluster-files.ts';

export type ClusterSource = 'template' | 'new-template' | 'initdb';

/**
 * Makes a cluster in `path` (an existing folder, which may hold the store's lock file): a copy of
 * the template in `templateDir` when there is one; else initdb, into a new template when its
 * folder can be written (then copied), or into `path` itself when it cannot. Says which it did.
 */
export async function createCluster(path: string, templateDir: string | undefined): Promise<ClusterSource> {
  if (copyTemplate(templateDir, path)) return 'template';
  // Copied from the scratch folder, not the template's place: the rename may lose to another process.
  if (templateDir && (await newTemplate(templateDir, (scratch) => copyCluster(scratch, path)))) return 'new-template';
  await initdb(path);
  return 'initdb';
}

/**
 * Makes the template in `templateDir` (the install's, by default) unless it is there: the image's
 * build step (Dockerfile), so that no container's first store runs initdb (its 1.1 GB would pass
 * the demo's 1 GB memory limit). Throws where the folder cannot be written.
 */
export async function makeTemplate(templateDir: string | undefined = defaultTemplateDir()): Promise<string> {
  if (!templateDir) throw new StoreError('STORE_UNAVAILABLE', 'PGlite is not installed under a node_modules folder, so there is no place for the template');
  if (hasCluster(templateDir)) return templateDir;
  if (!(await newTemplate(templateDir))) throw new StoreError('STORE_UNAVAILABLE', `cannot make a folder beside ${templateDir}: make its parent writable`);
  if (!hasCluster(templateDir)) throw new StoreError('STORE_UNAVAILABLE', `the template could not be put in ${templateDir}`);
  return templateDir;
}

/**
 * initdb in a scratch folder beside `templateDir`, `use` of the finished cluster, then the rename
 * into the template's place. False, with nothing done, when no scratch folder can be made there.
 */
async function newTemplate(templateDir: string, use: (cluster: string) => void = () => undefined): Promise<boolean> {
  const scratch = scratchBeside(templateDir);
  if (!scratch) return false;
  try {
    await initdb(scratch);
    use(scratch);
    publish(scratch, templateDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return true;
}

/** A new folder beside `templateDir`, on its file system (so that renaming it is atomic), if one can be made. */
function scratchBeside(templateDir: string): string | undefined {
  try {
    mkdirSync(dirname(templateDir), { recursive: true });
    removeAbandoned(templateDir);
    return mkdtempSync(`${templateDir}.making-`);
  } catch {
    return undefined;
  }
}

/** Scratch folders of processes that died making a template (38 MB each): an hour is ample for one initdb. */
function removeAbandoned(templateDir: string): void {
  const prefix = `${basename(templateDir)}.making-`;
  const folder = dirname(templateDir);
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (entry.startsWith(prefix) && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}

async function initdb(path: string): Promise<void> {
  const db = await PGlite.create(path);
  // A clean shutdown: the copy starts without crash recovery.
  await db.close();
}

/** Renames the finished cluster into the template's place, unless another process got there first. */
function publish(scratch: string, templateDir: string): void {
  try {
    // Only a rename ever writes the template's folder, so one without the marker is debris.
    if (existsSync(templateDir) && !hasCluster(templateDir)) rmSync(templateDir, { recursive: true, force: true });
    renameSync(scratch, templateDir);
  } catch {
    // Another process's template is there (ENOTEMPTY, EEXIST), or the rename is refused: the
    // store is made either way, and the next one tries again.
  }
}
