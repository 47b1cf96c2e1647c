// chDB, loaded when an embedded store is first opened rather than when this code is: loading it
// maps the engine into the process (about 150 MB of RSS at once, measured), which a process
// talking to a ClickHouse server, and every command that opens no store, never uses.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function loadChdb(): typeof import('chdb/connection') {
  return require('chdb/connection') as typeof import('chdb/connection');
}
