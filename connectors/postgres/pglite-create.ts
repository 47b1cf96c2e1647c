// A new embedded store's cluster, from the pipeline's process: the parent's side of
// pglite-create-process.ts. Apart from pglite-cluster.ts, so that the pipeline's process does not
// load PGlite to make a store: only the processes that run it do.
import { fork } from 'node:child_process';
import { StoreError } from '../../pipelines/errors.ts';
import { copyTemplate } from './cluster-files.ts';
import type { ClusterSource } from './pglite-cluster.ts';

/**
 * `createCluster`: a copy of the template here (40–90 ms, no memory to speak of; a process of its
 * own took 210–460 ms to start), and anything else in a process of its own, which ends once the
 * cluster is made. Where it must make the template, initdb's second PGlite peaks at about 1.1 GB;
 * on a thread of the pipeline's process (as it ran before) that was the process's peak: the first
 * run after an install (`npm ci`, which empties the template's folder) went over the 1 GB the
 * embedded default may take (the bench on 7 December, the template deleted first: 1,082 MB on a
 * thread, 791 MB apart). In a process of its own that memory is not the pipeline's, and it is
 * given back before the analytics store opens.
 */
export async function createClusterApart(path: string, templateDir: string | undefined): Promise<ClusterSource> {
  if (copyTemplate(templateDir, path)) return 'template';
  // Only the flags that let node load TypeScript (node 22): not the bench's --import, not --cpu-prof.
  const execArgv = process.execArgv.filter((flag) => flag === '--experimental-strip-types' || flag.startsWith('--no-warnings'));
  const child = fork(new URL('./pglite-create-process.ts', import.meta.url), [path, templateDir ?? ''], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let said: { ok: true; source: ClusterSource } | { ok: false; name: string; message: string } | undefined;
    child.on('message', (message: typeof said) => (said = message));
    child.once('error', (error) => reject(new StoreError('STORE_UNAVAILABLE', `cannot start the process that makes the embedded store in ${path}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => {
      if (said?.ok) resolve(said.source);
      else if (said) reject(new StoreError('STORE_UNAVAILABLE', `making the embedded store in ${path} failed: ${said.name}: ${said.message}`));
      else reject(new StoreError('STORE_UNAVAILABLE', `the process making the embedded store in ${path} ended (${signal ?? `code ${code}`}) before it was made; if it was killed for memory, give the process more`));
    });
  });
}
