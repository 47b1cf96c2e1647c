// A JSON Lines file (or stdin) as a source: one message per line, coordinates = file and line.
// Lines are cut from the raw bytes at LF (a CR before it is dropped), so each message holds the
// line's original bytes, invalid UTF-8 included, for the decoder to judge and the dead-letter
// archive to keep, and line numbers agree with `wc -l` and editors: a lone CR inside a line does
// not start a new one, as it would for node:readline.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { VerityError } from '../../pipelines/errors.ts';
import type { BatchHandler, RawMessage, Source } from '../../pipelines/runtime/source.ts';
import { standardInput } from './standard-input.ts';

export interface FileSourceOptions {
  /** A path, or '-' for standard input. */
  readonly input: string;
  readonly batchSize: number;
  /**
   * Batches handed to the handler before the oldest of them must have resolved (default 2): the
   * next batch is read and processed while the previous one is being written. 1 = one at a time.
   */
  readonly inFlight?: number;
  /**
   * Bytes kept of one line (the contract's message limit): a longer line is handed over as its
   * first bytes and its true size, and dead-lettered as too large. Default: no limit.
   */
  readonly maxLineBytes?: number;
  /** A batch also ends once its lines reach this many bytes (default 16 MiB): batches of huge lines stay small in memory. */
  readonly maxBatchBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** A line: its bytes, or only their first `keep` when it is longer (see `byteLines`). */
export interface Line {
  readonly bytes: Buffer;
  /** The whole line's length in bytes, CR excluded; more than `bytes.length` when cut. */
  readonly size: number;
}

/**
 * The lines of a byte stream, without their LF or CRLF; a last line without LF counts too. A line
 * longer than `keep` bytes yields only its first `keep` (and its true size): a file with one
 * endless line must not hold the whole of it in memory. The decoder rejects such a line as too
 * large by its size, so nothing is lost silently.
 */
export async function* byteLines(stream: Readable, keep = Number.POSITIVE_INFINITY): AsyncGenerator<Line> {
  let carry: Buffer[] = [];
  let carried = 0;
  let size = 0;
  let last: number | undefined;
  const line = (piece: Buffer): Line => {
    size += piece.length;
    if (piece.length > 0) last = piece[piece.length - 1];
    const room = Math.max(0, keep - carried);
    const bytes = carry.length === 0 ? piece.subarray(0, room) : Buffer.concat([...carry, piece.subarray(0, room)]);
    // A CR before the LF is not part of the line.
    const whole = last === CR ? size - 1 : size;
    carry = [];
    carried = 0;
    size = 0;
    last = undefined;
    return { bytes: bytes.length > whole ? bytes.subarray(0, whole) : bytes, size: whole };
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = bytes.indexOf(LF); end !== -1; end = bytes.indexOf(LF, start)) {
      yield line(bytes.subarray(start, end));
      start = end + 1;
    }
    if (start < bytes.length) {
      const rest = bytes.subarray(start);
      size += rest.length;
      last = rest[rest.length - 1];
      if (carried < keep) {
        const kept = rest.subarray(0, keep - carried);
        carry.push(kept);
        carried += kept.length;
      }
    }
  }
  if (carry.length > 0 || size > 0) yield line(Buffer.alloc(0));
}

export function createFileSource({ input, batchSize, inFlight = 2, maxLineBytes, maxBatchBytes = 16 * 1_048_576 }: FileSourceOptions): Source {
  const file = input === '-' ? 'stdin' : input;
  return {
    ownership: 'exclusive',
    async run(handle: BatchHandler, signal: AbortSignal) {
      const stream = input === '-' ? standardInput() : createReadStream(input);
      const opened = new Promise<void>((resolve, reject) => {
        if (input === '-') return resolve();
        stream.once('open', () => resolve());
        stream.once('error', (cause: Error) =>
          reject(new VerityError('SOURCE_FAILED', `cannot read input ${file}: ${(cause as Error).message}`, { cause })),
        );
      });
      await opened;
      // A stop must not wait for the next line: standard input may stay silent for hours.
      const onAbort = () => stream.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      let messages: RawMessage[] = [];
      let batchBytes = 0;
      let lineNumber = 0;
      // Handled in order; awaited oldest first, so the first failure is the one reported.
      const pending: Promise<void>[] = [];
      const flush = async () => {
        if (messages.length === 0) return;
        const first = messages[0]!.coordinates;
        const last = messages[messages.length - 1]!.coordinates;
        // The content hash keeps a different file at the same path from reusing dedup tokens.
        const hash = createHash('sha256');
        for (const m of messages) hash.update(m.value).update('\n');
        const range = first.kind === 'file' && last.kind === 'file' ? `${first.line}-${last.line}` : '';
        const batch = { id: `file:${basename(file)}:${range}:${hash.digest('hex').slice(0, 16)}`, scope: `file:${file}`, tenure: 1, messages };
        messages = [];
        batchBytes = 0;
        const handled = handle(batch);
        handled.catch(() => undefined); // a later batch may fail while an earlier one is awaited
        pending.push(handled);
        while (pending.length >= Math.max(1, inFlight)) await pending.shift();
      };
      try {
        try {
          // One more byte than the limit, so the decoder still sees the line is too large.
          for await (const line of byteLines(stream, maxLineBytes === undefined ? undefined : maxLineBytes + 1)) {
            lineNumber += 1;
            messages.push({
              value: line.bytes,
              ...(line.size > line.bytes.length ? { sizeBytes: line.size } : {}),
              coordinates: { kind: 'file', file, line: lineNumber },
            });
            batchBytes += line.bytes.length;
            if (messages.length >= batchSize || batchBytes >= maxBatchBytes) await flush();
            if (signal.aborted) break;
          }
        } catch (error) {
          // Destroying the stream on abort ends the read with a premature-close error: that is the stop.
          if (!signal.aborted) throw error;
        }
        if (!signal.aborted) await flush();
        while (pending.length > 0) await pending.shift();
      } finally {
        signal.removeEventListener('abort', onAbort);
        // Never return while a batch is still being written (the caller closes the store next).
        await Promise.allSettled(pending);
        if (input !== '-') stream.destroy();
      }
    },
  };
}
