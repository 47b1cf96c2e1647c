// The user's standard input as a stream. The CLI may have moved it off fd 0 (the embedded engine
// wants fd 0; see pipelines/cli/stdin-input.ts and connectors/clickhouse/chdb-stdin.ts).
import { createReadStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { STDIN_FD_ENV } from '../clickhouse/chdb-stdin.ts';

/**
 * The user's standard input, wherever the CLI put it. A pipe or socket is read the way Node reads
 * its own stdin, through a non-blocking handle, so a stop can end a read that waits for data; an
 * fs stream would sit in a blocking read(2) until the writer sent more or closed.
 */
export function standardInput(): Readable {
  const moved = process.env[STDIN_FD_ENV];
  if (!moved) return process.stdin;
  const fd = Number(moved);
  const info = fstatSync(fd);
  if (info.isFIFO() || info.isSocket()) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd });
}
