// Corrections upstream in embedded mode: one customer-correction/v1 per line of a JSONL file
// (`data/outbox/corrections.jsonl`) that the upstream system's import picks up. The lines carry
// raw values (the corrected ones), so the file is created readable by its owner only (0600), like
// the key files. Appended and flushed before the relay marks the corrections sent: a crash in
// between appends them again, and the importer de-duplicates on eventId.
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CustomerCorrection } from '../../pipelines/contract/correction.ts';
import type { CorrectionSink } from '../../pipelines/runtime/outbox-relay.ts';

export const CORRECTIONS_FILE = join('outbox', 'corrections.jsonl');

export class FileCorrectionSink implements CorrectionSink {
  readonly name = 'corrections file';
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The file outbox below the run's data directory. */
  static inDataDir(dataDir: string): FileCorrectionSink {
    return new FileCorrectionSink(join(dataDir, CORRECTIONS_FILE));
  }

  async send(corrections: readonly CustomerCorrection[]): Promise<void> {
    if (corrections.length === 0) return;
    const lines = corrections.map((c) => `${JSON.stringify(CustomerCorrection.parse(c))}\n`).join('');
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.appendFile(lines, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
