// A JSON Lines file (or stdin) as a source: one message per line, coordinates = file and line.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
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
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
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
        for await (const line of lines) {
          lineNumber += 1;
          messages.push({ value: Buffer.from(line, 'utf8'), coordinates: { kind: 'file', file, line: lineNumber } });
          if (messages.length >= batchSize) await flush();
          if (signal.aborted) break;
        }
        if (!signal.aborted) await flush();
        while (pending.length > 0) await pending.shift();
      } finally {
        // Never return while a batch is still being written (the caller closes the store next).
        await Promise.allSettled(pending);
        lines.close();
        if (input !== '-') stream.destroy();
      }
    },
  };
}
