// Property-based fuzzing of processEvent and of the per-message accounting (issue 6 §3). Events
// come from the contract generator, mutated and kept when the contract still accepts them, which
// includes dates the decoder's bounds would have rejected: a stage must fail on those as a
// ProcessingError and leave issue state as it was. Seeded and reproducible (fuzz-run.ts).
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, it } from 'vitest';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';
import { ChangeEvent } from '../../pipelines/contract/customer-change.ts';
import { IssueEvent, issueEventOf } from '../../pipelines/contract/issue-event.ts';
import { ProcessingError } from '../../pipelines/errors.ts';
import { decodeMessage, type DeadLetterCode } from '../../pipelines/quality/decode.ts';
import { processEvent, type ProcessedEvent } from '../../pipelines/quality/process-event.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { loadRulePack } from '../../rules/engine/load-rule-pack.ts';
import { canonicalEvent, debeziumEvent } from './arbitraries.ts';
import { BOUNDS_PRESETS, FUZZ_NOW } from './bounds-presets.ts';
import { fail, fuzzAssert, printFuzzSummary } from './fuzz-run.ts';
import { newHarness, runBatch, type Harness } from './harness.ts';
import { candidatesOf, describeLeaks, findLeaks, Vocabulary } from './leaks.ts';
import { describeMessage, messageArbitrary, oneIn, type FuzzMessage } from './messages.ts';
import { applyMutation, cloneValue, dateEdge, mutation } from './mutations.ts';

const mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
const rules = (await loadRulePack()).rules;
// A made-up key: tokens only have to be stable within the run.
const tokenizer = createTokenizer(Buffer.alloc(32, 0x6e));
const vocabulary = new Vocabulary({
  mappings,
  limits: BOUNDS_PRESETS.map((p) => p.bounds.limits),
  windows: BOUNDS_PRESETS.map((p) => p.bounds.eventTime),
  ruleIds: rules.map((r) => r.definition.id),
});
const pipelineBounds = BOUNDS_PRESETS.find((p) => p.name === 'pipeline')!.bounds;

/** Failures by stage over the whole file, for the summary: what the fuzz reached. */
const failedStages = new Map<string, number>();
const count = (stage: string) => failedStages.set(stage, (failedStages.get(stage) ?? 0) + 1);
/** Failed events whose customer had open issues then: the ones a half-applied update would spoil. */
let failedWithOpenIssues = 0;
let eventsProcessed = 0;
let messagesAccounted = 0;

interface Generated {
  readonly event: ChangeEvent;
  readonly value: unknown;
  readonly labels: readonly string[];
}

/**
 * A contract-valid event: generated valid, or generated and mutated where the contract still
 * accepts the result (dates at the edge of the calendar, odd unicode, prototype keys), or a
 * Debezium event as the decoder maps it. `pool` folds customers onto a few, so that a sequence
 * keeps meeting the same customer and its open issues.
 */
function processable(pool: number): fc.Arbitrary<Generated> {
  // Mostly dates at the edges: what makes stages fail, and the failure path is what is under test.
  const mutations = fc.array(fc.oneof({ weight: 2, arbitrary: dateEdge() }, { weight: 1, arbitrary: mutation }), { maxLength: 2 });
  const canonical = fc.tuple(canonicalEvent, mutations).map(([value, mutations]): Generated => {
    let root = cloneValue(value) as unknown;
    if (typeof (root as { customerId?: unknown }).customerId === 'string') (root as { customerId: string }).customerId = `C-FZ-${Number((root as { customerId: string }).customerId.slice(5)) % pool}`;
    const valid = ChangeEvent.parse(root);
    const labels: string[] = [];
    for (const m of mutations) {
      const applied = applyMutation(root, m);
      root = applied.root;
      labels.push(applied.label);
    }
    const parsed = ChangeEvent.safeParse(root);
    return parsed.success ? { event: parsed.data, value: root, labels } : { event: valid, value: valid, labels: [...labels, 'rejected-by-contract:unmutated'] };
  });
  const debezium = debeziumEvent(mappings[0]!).map((value): Generated => {
    const result = decodeMessage(Buffer.from(JSON.stringify(value)), [debeziumAdapter(mappings)]);
    if (!result.ok) throw new Error(`a generated Debezium event did not decode: ${result.code}`);
    return { event: result.event, value, labels: ['debezium'] };
  });
  return fc.oneof({ weight: 5, arbitrary: canonical }, { weight: 1, arbitrary: debezium });
}

const describeGenerated = (g: Generated) => `${g.event.schema} ${g.event.op} [${g.labels.join(', ')}]`;

type Outcome = { readonly out: ProcessedEvent } | { readonly error: { readonly name: string; readonly stage: string; readonly message: string } };

function outcomeOf(event: ChangeEvent, harness: Harness): Outcome {
  try {
    return { out: processEvent(event, 'fuzz:1', harness.deps) };
  } catch (error) {
    if (!(error instanceof ProcessingError)) fail(`processEvent threw ${error instanceof Error ? error.name : typeof error}, not a ProcessingError`);
    return { error: { name: error.name, stage: error.stage, message: error.message } };
  }
}

/** Everything the tracker holds for these customers, as text to compare. */
function issueState(harness: Harness, customerIds: readonly string[]): string {
  const tokens = [...new Set(customerIds)].map((id) => tokenizer.token('customer', id));
  return JSON.stringify([harness.state.openCount, tokens.map((t) => harness.state.openRulesOf(t).map((rule) => harness.state.get(rule, t)))]);
}

afterAll(() => {
  printFuzzSummary('processEvent fuzz');
  const stages = [...failedStages].sort().map(([stage, n]) => `${stage} ${n}`).join(', ');
  console.log(`  events processed: ${eventsProcessed}; messages accounted: ${messagesAccounted}; processing errors by stage: ${stages || 'none'}; failed events whose customer had open issues: ${failedWithOpenIssues}`);
});

describe('processEvent under fuzzing', () => {
  it('throws nothing but ProcessingError, without a value in its message, a failed event leaves issue state as it was, and every issue change is publishable', () => {
    const sequence = fc.integer({ min: 1, max: 3 }).chain((pool) => fc.array(processable(pool), { minLength: 1, maxLength: 6 }));
    fuzzAssert(
      'only ProcessingError, state untouched',
      fc.property(sequence, (events) => {
        const harness = newHarness(rules, tokenizer, FUZZ_NOW);
        const customers = events.flatMap(({ event }) => (event.schema === 'customer-change/v1' ? [event.customerId] : []));
        for (const { event, value } of events) {
          eventsProcessed += 1;
          const before = issueState(harness, customers);
          const writes = harness.state.puts;
          const outcome = outcomeOf(event, harness);
          if ('out' in outcome) {
            // What the Kafka sink publishes of each change must be a valid dq-issue-event/v1.
            for (const change of outcome.out.issueChanges) {
              if (!IssueEvent.safeParse(issueEventOf(change)).success) fail(`a ${change.change} issue change is not a valid dq-issue-event/v1`);
            }
            continue;
          }
          count(outcome.error.stage);
          if (event.schema === 'customer-change/v1' && harness.state.hasOpen(tokenizer.token('customer', event.customerId))) failedWithOpenIssues += 1;
          if (harness.state.puts !== writes || issueState(harness, customers) !== before) fail(`an event that failed at stage ${outcome.error.stage} changed issue state`);
          const leaks = findLeaks(outcome.error.message, candidatesOf(Buffer.alloc(0), value), vocabulary);
          if (leaks.length > 0) fail(`the ProcessingError of stage ${outcome.error.stage} carries input: ${describeLeaks(leaks)}`);
        }
      }),
      { runs: 10_000, unit: 'sequence of 1–6 events', describe: ([events]) => events.map(describeGenerated).join(' | ') },
    );
  });

  it('gives the same event the same output through fresh state, whatever ran in the process before', () => {
    const cases = fc.record({
      history: fc.array(processable(2), { maxLength: 3 }),
      event: processable(2),
      elsewhere: fc.array(processable(40), { maxLength: 2 }),
    });
    fuzzAssert(
      'deterministic',
      fc.property(cases, ({ history, event, elsewhere }) => {
        const run = () => {
          const harness = newHarness(rules, tokenizer, FUZZ_NOW);
          for (const h of history) outcomeOf(h.event, harness);
          return outcomeOf(event.event, harness);
        };
        const first = run();
        // Other work in between, on other state: module-level caches must not change an answer.
        const other = newHarness(rules, tokenizer, FUZZ_NOW);
        for (const e of elsewhere) outcomeOf(e.event, other);
        const second = run();
        eventsProcessed += 2 * (history.length + 1) + elsewhere.length;
        if (!isDeepStrictEqual(first, second)) fail(`the same event after the same history gave ${'out' in first ? 'an output' : `stage ${first.error.stage}`}, then a different ${'out' in second ? 'output' : `failure at ${second.error.stage}`}`);
      }),
      { runs: 4_000, unit: 'event after a history', describe: ([c]) => `${describeGenerated(c.event)} after ${c.history.length} events` },
    );
  });
});

describe('per-message accounting under fuzzing', () => {
  const KNOWN: ReadonlySet<DeadLetterCode> = new Set(['not-json', 'not-object', 'contract', 'unmapped-source', 'mapping-failed', 'too-large', 'out-of-range', 'processing-error']);
  const messages = messageArbitrary({ mapping: mappings[0]! });
  // A message, or a re-delivery of an earlier one (the same bytes again, as after a crash).
  const batches = fc
    .array(fc.record({ message: messages, again: oneIn(8, fc.nat()) }), { minLength: 1, maxLength: 10 })
    .map((items) => {
      const out: FuzzMessage[] = [];
      for (const { message, again } of items) out.push(again !== undefined && out.length > 0 ? out[again % out.length]! : message);
      return out;
    });

  it('accounts for every message: read = accepted + dead-lettered, each dead letter with a known code and no input value', () => {
    fuzzAssert(
      'accounting',
      fc.property(fc.array(batches, { minLength: 1, maxLength: 2 }), (run) => {
        const harness = newHarness(rules, tokenizer, FUZZ_NOW);
        for (const batch of run) {
          const outcome = runBatch(harness, batch.map((m) => m.bytes), mappings, pipelineBounds);
          messagesAccounted += batch.length;
          if (outcome.read !== batch.length) fail(`read ${outcome.read} of ${batch.length} messages`);
          if (outcome.accepted + outcome.deadLetters.length !== outcome.read) fail(`accepted ${outcome.accepted} + dead-lettered ${outcome.deadLetters.length} != read ${outcome.read}`);
          if (outcome.processed.length + outcome.duplicates !== outcome.accepted) fail('accepted events are neither processed nor duplicates');
          const indexes = new Set([...outcome.deadLetters.map((d) => d.index), ...outcome.processed.map((p) => p.index)]);
          if (indexes.size !== outcome.read - outcome.duplicates) fail('a message was both dead-lettered and processed, or neither');
          for (const d of outcome.deadLetters) {
            if (!KNOWN.has(d.code)) fail(`unknown dead-letter code ${d.code}`);
            if (d.code === 'processing-error') count(d.reason.replace(/^processing failed at stage (\S+):.*$/, '$1'));
            const message = batch[d.index]!;
            const leaks = findLeaks(`${d.reason}\u0001${d.errorPath}`, candidatesOf(message.bytes, message.value, message.exact), vocabulary);
            if (leaks.length > 0) fail(`a ${d.code} dead letter carries input: ${describeLeaks(leaks)}`);
          }
        }
      }),
      {
        runs: 4_000,
        unit: 'run of 1–2 batches of 1–10 messages',
        describe: ([run]) => run.map((b, i) => `batch ${i + 1}: ${b.map(describeMessage).join(' | ')}`).join('\n'),
      },
    );
  });
});
