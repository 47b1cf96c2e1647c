// The operator-only archive of rejected messages with their original bytes. ClickHouse gets the
// metadata only; the bytes may carry personal data, so they live in a 0600 file in a 0700 folder
// that only the pipeline's operator can read.
import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RejectedMessage } from '../../pipelines/quality/model.ts';
import type { BatchOutput, Sink } from '../../pipelines/runtime/sink.ts';
import type { SourceBatch } from '../../pipelines/runtime/source.ts';

/**
 * A sink, written first: the original bytes are safe before anything derived from the batch is
 * published or stored. A retried batch appends its lines again; they carry their deadLetterId.
 */
export class DeadLetterArchive implements Sink {
  readonly name = 'dead-letter archive';
  readonly dependency = 'files' as const;
  readonly path: string;
  #handle: FileHandle | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * The folder is made private (0700) even when it already existed: `mkdir`'s mode only applies
   * to folders it creates, and an operator's `mkdir -p` would have left it at 0755.
   */
  static async open(dir: string): Promise<DeadLetterArchive> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new DeadLetterArchive(join(dir, 'dead-letters.jsonl'));
  }

  write(_batch: SourceBatch, out: BatchOutput): Promise<void> {
    return this.append(out.deadLetters);
  }

  /** Appends and fsyncs before returning: a dead letter must be safe before its offset is committed. */
  async append(entries: readonly RejectedMessage[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.#handle) {
      const handle = await open(this.path, 'a', 0o600);
      // open()'s mode, too, only applies to a new file: an older archive is brought back to 0600.
      await handle.chmod(0o600);
      this.#handle = handle;
    }
    const text = entries
      .map(({ deadLetter, payload, key }) =>
        JSON.stringify({
          ...deadLetter,
          // A line too long to hold is kept as its beginning; sizeBytes says how long it was.
          ...(payload.length < deadLetter.sizeBytes ? { payloadTruncated: true } : {}),
          payloadBase64: payload.toString('base64'),
          ...(key ? { keyBase64: key.toString('base64') } : {}),
        }),
      )
      .join('\n');
    await this.#handle.appendFile(`${text}\n`);
    await this.#handle.sync();
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
