// One batch's new events over the state loaded for them: record rules, masks and issue tracking
// (processEvent), then the pattern rules, event by event, each event seeing what the ones before
// it changed. No I/O: the runtime loads the snapshot in the batch's transaction and writes back
// what the workspace changed, together with the outputs.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import type { AgentChange, ChangeEvent, CustomerChange } from '../contract/customer-change.ts';
import { inStage, ProcessingError } from '../errors.ts';
import { eventTokenizer, type Tokenizer } from '../privacy/tokens.ts';
import type { VaultCipher } from '../privacy/vault-crypto.ts';
import type { CompiledRule } from '../../rules/engine/load-rule-pack.ts';
import { IssueTracker } from './issue-tracker.ts';
import type { Finding, IssueChange, RecordRow } from './model.ts';
import { agentFactsOf, customerFactsOf, heldValues, type AgentFacts, type CustomerFacts } from './patterns/facts.ts';
import { PatternEngine } from './patterns/pattern-engine.ts';
import { standInMobiles } from './patterns/stand-ins.ts';
import { CORRECTABLE_FIELDS, correctionToken, PatternWorkspace, workspaceIssues, type BatchLoadRequest, type CorrectableField, type PatternSnapshot, type StateChanges } from './patterns/pattern-state.ts';
import { finishEvent, prepareEvent, type EventPreparerDeps, type PreparedEvent } from './process-event.ts';
import { vaultChangesOf, type VaultCandidate } from './vault-changes.ts';

/** An accepted event of the batch, new to the state store. */
export interface BatchEvent {
  /** Its position in the batch: what a failure names. */
  readonly index: number;
  readonly event: ChangeEvent;
  /** Where it was read (formatted coordinates), for its findings. */
  readonly coordinates: string;
}

/** The event with what the pattern rules take from it, and (prepared ahead) what needs no state. */
export interface Candidate extends BatchEvent {
  readonly facts: CustomerFacts | AgentFacts;
  /** Masks, row and record-rule verdicts, when prepared before the batch's transaction; else evaluateBatch prepares it. */
  readonly prepared?: PreparedEvent;
}

/** What the pattern rules take from an event; `customerToken` when the caller already derived it. */
function factsOf(event: ChangeEvent, tokenizer: Tokenizer, rules: readonly CompiledRule[], customerToken?: string): CustomerFacts | AgentFacts {
  return event.schema === 'customer-change/v1'
    ? customerFactsOf(event, customerToken ?? tokenizer.token('customer', event.customerId), tokenizer, standInMobiles(rules))
    : agentFactsOf(event, tokenizer);
}

/** `rules`: the pack, whose placeholder-value rule says which mobiles are stand-ins (stand-ins.ts). */
export function candidateOf(batchEvent: BatchEvent, tokenizer: Tokenizer, rules: readonly CompiledRule[]): Candidate {
  return { ...batchEvent, facts: factsOf(batchEvent.event, tokenizer, rules) };
}

/**
 * A candidate with everything that needs no state done: what the runtime computes for a batch
 * while the one before it is in its state transaction. Throws a ProcessingError naming the stage.
 */
export function preparedCandidateOf(batchEvent: BatchEvent, deps: EventPreparerDeps): Candidate {
  // The masks and the facts token the same values: each once per event.
  const tokenizer = eventTokenizer(deps.tokenizer);
  const prepared = prepareEvent(batchEvent.event, batchEvent.coordinates, { ...deps, tokenizer });
  const facts = inStage('patterns', () => factsOf(batchEvent.event, tokenizer, deps.rules, prepared.masked.customerToken));
  return { ...batchEvent, facts, prepared };
}

/** The customers, agents and values the batch's events name now: what the store must lock and load. */
export function loadRequestOf(candidates: readonly Candidate[]): BatchLoadRequest {
  const customers = new Set<string>();
  const agents = new Set<string>();
  const agentsChanged = new Set<string>();
  const values = new Set<string>();
  for (const { facts } of candidates) {
    if ('customerToken' in facts) {
      customers.add(facts.customerToken);
      if (facts.agentToken) agents.add(facts.agentToken);
      for (const key of heldValues(facts)) values.add(key);
    } else {
      agents.add(facts.agentToken);
      agentsChanged.add(facts.agentToken);
    }
  }
  return { customers: [...customers], agents: [...agents], agentsChanged: [...agentsChanged], values: [...values] };
}

/** An event a stage failed on: the batch is evaluated again without it. */
export class EventFailed extends Error {
  readonly index: number;
  readonly error: ProcessingError;
  constructor(index: number, error: ProcessingError) {
    super(error.message);
    this.name = 'EventFailed';
    this.index = index;
    this.error = error;
  }
}

/**
 * A customer with corrections sent upstream: the fields this event carries, as correction tokens,
 * confirm the ones whose values match (compared as keyed tokens: no raw value is kept to compare).
 */
function confirmCorrections(ws: PatternWorkspace, event: CustomerChange, facts: CustomerFacts, tokenizer: Tokenizer): IssueChange[] {
  if (!ws.state.pendingCorrections.get(facts.customerToken)?.length || !event.customer) return [];
  const tokens: Partial<Record<CorrectableField, string>> = {};
  for (const field of CORRECTABLE_FIELDS) {
    const value = event.customer[field];
    if (typeof value === 'string' && value.trim() !== '') tokens[field] = correctionToken(tokenizer, field, value);
  }
  return inStage('corrections', () => ws.confirmCorrections(facts.customerToken, tokens, event.eventId, event.occurredAt));
}

export interface BatchEvaluationDeps {
  readonly rules: readonly CompiledRule[];
  readonly tokenizer: Tokenizer;
  readonly calendar: WorkingDayCalendar;
  readonly engine: PatternEngine;
  /** Wall clock for ingested/detected timestamps. */
  readonly now: () => string;
  /** Test hook: throws inside one event's processing (runtime/failpoints.ts `event.process`). */
  readonly beforeEvent?: () => void;
  /** The event loop gets a turn after this many events, so that I/O in flight is not starved. */
  readonly eventsPerTurn?: number;
  /** Seals the raw contact of customers with an active issue into the reveal vault; none: no vault. */
  readonly vault?: VaultCipher;
}

export interface BatchEvaluation {
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  /** What the store writes back in the batch's transaction. */
  readonly changes: StateChanges;
}

/**
 * Evaluates `candidates` in order over `snapshot` (which it changes). An event a stage fails on
 * throws EventFailed: the snapshot is then half-changed and must be thrown away with the
 * transaction that loaded it.
 */
export async function evaluateBatch(candidates: readonly Candidate[], snapshot: PatternSnapshot, deps: BatchEvaluationDeps): Promise<BatchEvaluation> {
  const ws = new PatternWorkspace(snapshot);
  const issues = new IssueTracker(workspaceIssues(ws), deps.calendar);
  const processDeps = { rules: deps.rules, tokenizer: deps.tokenizer, issues, now: deps.now };
  const perTurn = deps.eventsPerTurn ?? Infinity;
  const records: RecordRow[] = [];
  const findings: Finding[] = [];
  const issueChanges: IssueChange[] = [];
  const vaultCandidates: VaultCandidate[] = [];
  for (let position = 0; position < candidates.length; position += 1) {
    if (position > 0 && position % perTurn === 0) await nextTurn();
    const candidate = candidates[position]!;
    const { event, index, coordinates, facts } = candidate;
    try {
      deps.beforeEvent?.();
      const out = finishEvent(candidate.prepared ?? prepareEvent(event, coordinates, processDeps), issues);
      const patterns =
        event.schema === 'customer-change/v1'
          ? deps.engine.customerEvent(ws, event as CustomerChange, facts as CustomerFacts, out.outcomes)
          : deps.engine.agentEvent(ws, event as AgentChange, facts as AgentFacts);
      records.push(out.record);
      if (deps.vault && event.schema === 'customer-change/v1') vaultCandidates.push({ event: event as CustomerChange, customerToken: (facts as CustomerFacts).customerToken, record: out.record });
      findings.push(...out.findings, ...patterns.findings);
      issueChanges.push(...out.issueChanges, ...patterns.issueChanges);
      if (event.schema === 'customer-change/v1' && snapshot.pendingCorrections.size > 0) issueChanges.push(...confirmCorrections(ws, event as CustomerChange, facts as CustomerFacts, deps.tokenizer));
    } catch (error) {
      throw new EventFailed(index, error instanceof ProcessingError ? error : new ProcessingError('process', error));
    }
  }
  const changes = ws.changes();
  if (!deps.vault) return { records, findings, issueChanges, changes };
  const hasActive = (token: string) => ws.state.openIssues.has(token);
  return { records, findings, issueChanges, changes: { ...changes, vault: vaultChangesOf(vaultCandidates, issueChanges, hasActive, deps.vault) } };
}
