// chDB treats the HOST process's standard input as external data for INSERTs
// (chdb-io/chdb-core#239): with a pipe or file on fd 0, every insert fails with
// "async inserts with both inlined and external data", or, with async_insert off, silently inserts
// whatever the pipe holds. Before the embedded engine starts, fd 0 is pointed at /dev/null; a
// caller that wants to read standard input gets it on another descriptor (STDIN_FD_ENV).
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Set by the CLI when it moved the user's standard input to another descriptor. */
export const STDIN_FD_ENV = 'VERITY_STDIN_FD';

export function detachStdinFromEmbeddedEngine(): void {
  if (process.platform === 'win32' || isatty(0)) return;
  try {
    const current = fstatSync(0);
    const devNull = statSync('/dev/null');
    if (current.dev === devNull.dev && current.ino === devNull.ino) return;
  } catch {
    // fd 0 closed: opening /dev/null below takes its place.
  }
  try {
    closeSync(0);
  } catch {
    // already closed
  }
  const fd = openSync('/dev/null', 'r');
  if (fd !== 0) closeSync(fd); // fd 0 was taken meanwhile; nothing more we can do safely
}
