// Writes a generated stream to a JSONL file and its ground truth next to it, honouring
// back-pressure so memory stays flat however many customers are generated.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { generateStream, type GenerateOptions } from './stream.ts';
import type { GroundTruth } from './truth.ts';

/** Lines are batched into chunks of about this many characters before each write. */
const CHUNK_CHARS = 1 << 16;

export function truthFileFor(outFile: string): string {
  return `${outFile}.truth.json`;
}

/** Writes `outFile` (JSON Lines) and `<outFile>.truth.json`; returns the truth. */
export async function writeGeneratedStream(outFile: string, options: GenerateOptions): Promise<GroundTruth> {
  const stream = generateStream(options);
  const out = createWriteStream(outFile, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const line of stream) {
      chunk.push(line);
      size += line.length + 1;
      if (size >= CHUNK_CHARS) {
        const more = out.write(`${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
        if (!more) await Promise.race([once(out, 'drain'), failed]);
      }
    }
    if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } catch (error) {
    out.destroy();
    throw error;
  }
  const truth = stream.truth;
  await writeFile(truthFileFor(outFile), `${JSON.stringify(truth, null, 1)}\n`, 'utf8');
  return truth;
}
