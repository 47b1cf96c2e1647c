// The process `createClusterApart` (pglite-create.ts) starts: it makes a new embedded store's
// cluster, says how (or why not) over IPC, and ends.
import { createCluster } from './pglite-cluster.ts';

const [path, templateDir] = process.argv.slice(2);
try {
  if (!path) throw new TypeError('no store folder given');
  const source = await createCluster(path, templateDir || undefined);
  process.send?.({ ok: true, source });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  process.send?.({ ok: false, name: e.name, message: e.message });
}
process.disconnect?.();
