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
import { standardInput } from '../../pipelines/cli/stdin-input.ts';

export interface FileSourceOptions {
  /** A path, or '-' for standard input. */
  readonly input: string;
  readonly batchSize: number;
  /**
   * Batches handed to the handler before the oldest of them must have resolved (default 2): the
   * next batch is read and processed while the previous one is being written. 1 = one at a time.
   */
  readonly inFlight?: number;
}

const LF = 0x0a;
const CR = 0x0d;

function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
}

/** The lines of a byte stream, without their LF or CRLF; a last line without LF counts too. */
export async function* byteLines(stream: Readable): AsyncGenerator<Buffer> {
  let carry: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = bytes.indexOf(LF); end !== -1; end = bytes.indexOf(LF, start)) {
      const piece = bytes.subarray(start, end);
      yield withoutCr(carry.length === 0 ? piece : Buffer.concat([...carry, piece]));
      carry = [];
      start = end + 1;
    }
    if (start < bytes.length) carry.push(bytes.subarray(start));
  }
  if (carry.length > 0) yield withoutCr(Buffer.concat(carry));
}

export function createFileSource({ input, batchSize, inFlight = 2 }: FileSourceOptions): Source {
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
        const handled = handle(batch);
        handled.catch(() => undefined); // a later batch may fail while an earlier one is awaited
        pending.push(handled);
        while (pending.length >= Math.max(1, inFlight)) await pending.shift();
      };
      try {
        try {
          for await (const line of byteLines(stream)) {
            lineNumber += 1;
            messages.push({ value: line, coordinates: { kind: 'file', file, line: lineNumber } });
            if (messages.length >= batchSize) await flush();
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
