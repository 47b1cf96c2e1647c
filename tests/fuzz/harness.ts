// The accounting of QualityPipeline.#prepare without the store: decode each message (an exception
// out of the decoder is the event's own processing-error, as there), skip an event id already
// processed (a duplicate is accepted, not re-processed), process the rest, and dead-letter an
// event a stage fails on. Only the pure core runs here, so the fuzz can push tens of thousands
// of messages through it; the real pipeline's accounting is fuzzed on chDB (pipeline.fuzz.test.ts)
// and end to end with 10^5 lines (tests/e2e/fuzz-stream.test.ts, tests/kafka/fuzz-stream.test.ts).
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { prcCalendar } from '../../pipelines/calendar/prc-calendar.ts';
import { ProcessingError } from '../../pipelines/errors.ts';
import { decodeMessage, type DeadLetterCode, type DecodeBounds } from '../../pipelines/quality/decode.ts';
import { IssueTracker } from '../../pipelines/quality/issue-tracker.ts';
import { InMemoryIssueStateStore } from '../support/fakes/in-memory-issue-state.ts';
import { processEvent, type EventProcessorDeps, type ProcessedEvent } from '../../pipelines/quality/process-event.ts';
import type { Tokenizer } from '../../pipelines/privacy/tokens.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';

export interface HarnessDeadLetter {
  readonly index: number;
  readonly code: DeadLetterCode;
  readonly reason: string;
  readonly errorPath: string;
}

export interface BatchOutcome {
  readonly read: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly deadLetters: readonly HarnessDeadLetter[];
  readonly processed: readonly { readonly index: number; readonly out: ProcessedEvent }[];
}

/** Issue state that counts its writes, so a test can tell that a failed event wrote nothing. */
export class CountingIssueState extends InMemoryIssueStateStore {
  puts = 0;
  override put(...args: Parameters<InMemoryIssueStateStore['put']>): void {
    this.puts += 1;
    super.put(...args);
  }
}

export interface Harness {
  readonly deps: EventProcessorDeps;
  readonly state: CountingIssueState;
  /** Event ids processed so far, as the pipeline remembers them. */
  readonly seen: Set<string>;
}

export function newHarness(rules: readonly CompiledRule[], tokenizer: Tokenizer, now: string): Harness {
  const state = new CountingIssueState();
  return { deps: { rules, tokenizer, issues: new IssueTracker(state, prcCalendar), now: () => now }, state, seen: new Set() };
}

export function runBatch(harness: Harness, messages: readonly Buffer[], mappings: readonly DebeziumMapping[], bounds: DecodeBounds): BatchOutcome {
  const deadLetters: HarnessDeadLetter[] = [];
  const processed: { index: number; out: ProcessedEvent }[] = [];
  let accepted = 0;
  let duplicates = 0;
  messages.forEach((bytes, index) => {
    let result: ReturnType<typeof decodeMessage>;
    try {
      result = decodeMessage(bytes, [debeziumAdapter(mappings)], bounds);
    } catch (error) {
      const failure = new ProcessingError('decode', error);
      deadLetters.push({ index, code: 'processing-error', reason: failure.message, errorPath: '' });
      return;
    }
    if (!result.ok) {
      deadLetters.push({ index, code: result.code, reason: result.reason, errorPath: result.errorPath });
      return;
    }
    const { eventId } = result.event;
    if (harness.seen.has(eventId)) {
      accepted += 1;
      duplicates += 1;
      return;
    }
    try {
      processed.push({ index, out: processEvent(result.event, `fuzz:${index}`, harness.deps) });
    } catch (error) {
      const failure = error instanceof ProcessingError ? error : new ProcessingError('process', error);
      deadLetters.push({ index, code: 'processing-error', reason: failure.message, errorPath: '' });
      return;
    }
    harness.seen.add(eventId);
    accepted += 1;
  });
  return { read: messages.length, accepted, duplicates, deadLetters, processed };
}
