// What the pipeline must make of a JSON Lines file, line by line, computed in this process with the
// decoder and processEvent (harness.ts) for the end-to-end tests to compare the real run with.
import { createReadStream } from 'node:fs';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { byteLines } from '../../connectors/file/file-source.ts';
import type { DecodeBounds, DeadLetterCode } from '../../pipelines/quality/decode.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { newHarness, runBatch } from './harness.ts';

export interface FileExpectation {
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  /** Line (1-based) → dead-letter code. */
  readonly deadLetters: ReadonlyMap<number, DeadLetterCode>;
  readonly byCode: ReadonlyMap<DeadLetterCode, number>;
  /** Distinct event ids processed: the records a fresh store must end with. */
  readonly eventIds: ReadonlySet<string>;
}

/** The file's lines as the file source cuts them, through decode and processEvent in order. */
export async function expectFile(path: string, mappings: readonly DebeziumMapping[], rules: readonly CompiledRule[], bounds: DecodeBounds, now: string): Promise<FileExpectation> {
  // The token key only names customers in the issue state; any key tells them apart alike.
  const harness = newHarness(rules, createTokenizer(Buffer.alloc(32, 0x51)), now);
  const deadLetters = new Map<number, DeadLetterCode>();
  const byCode = new Map<DeadLetterCode, number>();
  const eventIds = new Set<string>();
  let lines = 0;
  let accepted = 0;
  let duplicates = 0;
  let batch: Buffer[] = [];
  const flush = () => {
    const out = runBatch(harness, batch, mappings, bounds);
    for (const d of out.deadLetters) {
      deadLetters.set(lines - batch.length + d.index + 1, d.code);
      byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
    }
    for (const p of out.processed) eventIds.add(p.out.record.eventId);
    accepted += out.accepted;
    duplicates += out.duplicates;
    batch = [];
  };
  for await (const line of byteLines(createReadStream(path))) {
    lines += 1;
    batch.push(line.bytes);
    if (batch.length === 1000) flush();
  }
  flush();
  return { lines, accepted, duplicates, deadLetters, byCode, eventIds };
}
