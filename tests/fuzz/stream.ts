// A JSON Lines file of fuzz messages for the end-to-end tests (issue 6 §3): mutated events,
// Debezium events and junk from messageArbitrary, re-deliveries of earlier lines, the poison
// messages of issue 6 at seeded places, and optionally messages over maxMessageBytes. The same
// seed writes the same file. Generated in chunks, so that 10^5 messages never sit in memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import fc from 'fast-check';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { DEFAULT_INPUT_LIMITS } from '../../pipelines/contract/bounds.ts';
import type { DeadLetterCode } from '../../pipelines/quality/decode.ts';
import { canonicalEventsIn, type EventYears } from './arbitraries.ts';
import { messageArbitrary, oneIn } from './messages.ts';
import { POISONS } from './poison.ts';

export interface StreamOptions {
  readonly lines: number;
  readonly seed: number;
  readonly mapping: DebeziumMapping;
  /** When the generated events happened; default STREAM_YEARS. */
  readonly years?: EventYears;
  /** Copies of each poison message. */
  readonly poisonCopies: number;
  /**
   * Messages over the default maxMessageBytes. Not for Kafka: the broker's own limit (1 MB by
   * default) refuses them before the pipeline could.
   */
  readonly oversize: number;
}

export interface SpecialLine {
  /** 1-based, as the file source counts. */
  readonly line: number;
  readonly name: string;
  readonly code: DeadLetterCode;
  readonly errorPath: string;
  readonly bytes: Buffer;
}

export interface FuzzStream {
  readonly lines: number;
  readonly bytes: number;
  readonly repeats: number;
  /** The poison and oversize lines, with the dead letter each must become. */
  readonly special: readonly SpecialLine[];
  /** Lines by origin (canonical, debezium, junk) and first label kind, for the summary. */
  readonly kinds: ReadonlyMap<string, number>;
}

const CHUNK = 2_000;

/**
 * Ten years: a batch of the run still spans more than 100 months, past ClickHouse's default limit
 * of partitions per insert, but each insert writes a third of the parts a quarter century would,
 * and the store writes parts for a good part of the run's time.
 */
export const STREAM_YEARS: EventYears = { from: 2016, to: 2025 };

export function writeFuzzStream(path: string, options: StreamOptions): FuzzStream {
  const specialCount = POISONS.length * options.poisonCopies + options.oversize;
  if (specialCount >= options.lines) throw new Error('writeFuzzStream: more special lines than lines');
  // Where the special lines go: distinct line numbers drawn from the seed.
  const places = fc.sample(fc.uniqueArray(fc.integer({ min: 1, max: options.lines }), { minLength: specialCount, maxLength: specialCount }), { seed: options.seed, numRuns: 1 })[0]!;
  const bases = fc.sample(canonicalEventsIn(options.years ?? STREAM_YEARS).customer, { seed: options.seed + 1, numRuns: specialCount });
  const special = new Map<number, SpecialLine>();
  let k = 0;
  for (const poison of POISONS) {
    for (let copy = 0; copy < options.poisonCopies; copy++, k++) {
      const bytes = Buffer.from(JSON.stringify(poison.make(bases[k]!)));
      special.set(places[k]!, { line: places[k]!, name: poison.name, code: poison.code, errorPath: poison.errorPath, bytes });
    }
  }
  for (let n = 0; n < options.oversize; n++, k++) {
    const pad = Buffer.alloc(DEFAULT_INPUT_LIMITS.maxMessageBytes + 1 + n, 0x61);
    const bytes = Buffer.concat([Buffer.from(`{"schema":"customer-change/v1","eventId":"fz-oversize-${n}","pad":"`), pad, Buffer.from('"}')]);
    special.set(places[k]!, { line: places[k]!, name: `over maxMessageBytes (${bytes.length} bytes)`, code: 'too-large', errorPath: '', bytes });
  }

  const arbitrary = fc.record({
    message: messageArbitrary({ mapping: options.mapping, line: true, years: options.years ?? STREAM_YEARS }),
    // Now and then a line again, byte for byte: a re-delivery.
    again: oneIn(50, fc.nat()),
  });
  const fd = openSync(path, 'w');
  const kinds = new Map<string, number>();
  const recent: Buffer[] = [];
  let bytes = 0;
  let repeats = 0;
  let pending: { message: { bytes: Buffer; origin: string; labels: readonly string[] }; again: number | undefined }[] = [];
  let chunk = 0;
  try {
    for (let line = 1; line <= options.lines; line++) {
      let value: Buffer;
      const fixed = special.get(line);
      if (fixed) value = fixed.bytes;
      else {
        if (pending.length === 0) pending = fc.sample(arbitrary, { seed: options.seed + 100 + chunk++, numRuns: CHUNK });
        const { message, again } = pending.pop()!;
        if (again !== undefined && recent.length > 0) {
          value = recent[again % recent.length]!;
          repeats += 1;
        } else {
          value = message.bytes;
          const kind = `${message.origin}:${message.labels[0]?.split(/[:@]/)[0] ?? ''}`;
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          recent.push(value);
          if (recent.length > 500) recent.shift();
        }
      }
      writeSync(fd, value);
      writeSync(fd, '\n');
      bytes += value.length + 1;
    }
  } finally {
    closeSync(fd);
  }
  return { lines: options.lines, bytes, repeats, special: [...special.values()].sort((a, b) => a.line - b.line), kinds };
}
