// The ground truth: what was injected, recorded while injecting, and what the pattern rules make
// of the stream as written. An end-to-end test asserts the pipeline's counts against it exactly.
import type { MaskKind } from '../privacy/classification.ts';
import { IssueLifecycle, type IssueCounts } from './issues.ts';
import { PATTERN_RULE_IDS, RULE_IDS, type AnyRuleId, type PatternRuleId, type RuleId } from './model.ts';
import { PatternTruth, type PatternRuleTruth } from './pattern-truth.ts';
import { normaliseAccount, normaliseAddress, normaliseMobile } from './pattern-values.ts';

export type DeadLetterReason = 'not-json' | 'not-object' | 'contract';

export interface DeadLetterTruth {
  /** 1-based line number in the JSONL file. */
  readonly line: number;
  readonly reason: DeadLetterReason;
}

/**
 * Raw sensitive values by the classified field they were written to (`customer.mobile`,
 * `customer.bankAccounts[].number`, `customer.health`, …; see privacy/classification.ts).
 */
export type RawValues = Readonly<Record<string, readonly string[]>>;

export interface GroundTruth {
  readonly generator: 'verity-generate/v1';
  readonly seed: number;
  readonly customers: number;
  readonly startAt: string;
  readonly badLineRate: number;
  readonly duplicateRate: number;
  /** Lines in the file. */
  readonly lines: number;
  /**
   * Accounting: lines = expectedAccepted + expectedDeadLettered, and
   * expectedAccepted = expectedDistinctEvents + duplicateLines.
   * The pipeline reads a duplicate line, accepts it (it is contract-valid) and then drops it as
   * already seen (same eventId), so duplicates count as accepted but not as distinct events.
   */
  readonly expectedAccepted: number;
  /** Contract-valid lines with a first-seen eventId: each has an effect exactly once. */
  readonly expectedDistinctEvents: number;
  readonly expectedCustomerEvents: number;
  readonly expectedAgentEvents: number;
  /** Byte-identical re-deliveries of an earlier valid line (same eventId). */
  readonly duplicateLines: number;
  readonly expectedDeadLettered: number;
  readonly deadLetters: DeadLetterTruth[];
  /** Per rule: how many distinct customers trip it across all their events. Every rule id is present. */
  readonly rules: Record<RuleId, number>;
  /** The same customers by id, sorted. */
  readonly customersByRule: Record<RuleId, string[]>;
  /**
   * Per rule: the events (eventId, sorted) whose after-image trips it, at any severity. A defect
   * holds from the event that brings it until a clean update writes that part of the record again.
   */
  readonly eventsByRule: Record<RuleId, string[]>;
  /** The issue changes the injected defects must cause in total (see issues.ts for the model). */
  readonly issues: IssueCounts;
  /** The same per rule, for diagnosing a mismatch. */
  readonly issuesByRule: Record<RuleId, IssueCounts>;
  /** Per rule: the customers (ids, sorted) whose issue is still open after the last event. */
  readonly openIssuesByRule: Record<RuleId, string[]>;
  /** Customers per injected defect type: for diagnosing a mismatch, not for asserting. */
  readonly defects: Record<string, number>;
  /**
   * Every raw value of a field classified sensitive that was written to the stream (at least 2
   * characters), by field, as written and, for phones and account numbers, also with separators
   * removed (ID numbers also upper-cased): what a PII scan must never find in any output meant for
   * analysts. Free-form contents (health) are recorded as their JSON.
   */
  readonly rawValues: RawValues;
  /**
   * Per rule, per-record and pattern rules alike: the customers (ids, sorted) with an active finding
   * after the last event. For a per-record rule: the customer exists and its latest event trips the
   * rule (is in `eventsByRule`). For a pattern rule: its condition holds on the final state (see
   * `patterns`).
   */
  readonly activeFindings: Record<AnyRuleId, string[]>;
  /** The same, counted (distinct customers). */
  readonly activeFindingCounts: Record<AnyRuleId, number>;
  /**
   * Per pattern rule, for diagnosis: its parameters, the groups behind its active findings (what
   * kind of value the members share, never the value) with the scenario that produced each, and
   * every injected scenario instance with the customers it means to leave active.
   */
  readonly patterns: Record<PatternRuleId, PatternRuleTruth>;
}

const SEPARATOR = /[\s()+-]/;
const SEPARATORS = /[\s()+-]/g;

/** Characters a pattern rule's normalisation removes or folds; without one, the value is its own compared form. */
const FOLDED_OR_REMOVED = /[\s\uff01-\uff5e\u3000-]/;

/** The form a pattern rule compares a value in: a PII scan must not find that form either. */
function comparedForm(mask: MaskKind, value: string): string | undefined {
  const normalise = mask === 'mobile' ? normaliseMobile : mask === 'bank-account' ? normaliseAccount : mask === 'address' ? normaliseAddress : undefined;
  return normalise && FOLDED_OR_REMOVED.test(value) ? normalise(value) : undefined;
}

export class TruthRecorder {
  readonly #byRule = new Map<RuleId, Set<string>>(RULE_IDS.map((id) => [id, new Set<string>()]));
  readonly #eventsByRule = new Map<RuleId, string[]>(RULE_IDS.map((id) => [id, []]));
  readonly #defects = new Map<string, number>();
  readonly #raw = new Map<string, Set<string>>();
  readonly issues = new IssueLifecycle();
  readonly patterns = new PatternTruth();
  /** Per existing customer: the per-record rules its latest event trips (none for most). */
  readonly #latestTrips = new Map<string, readonly RuleId[]>();
  readonly deadLetters: DeadLetterTruth[] = [];
  lines = 0;
  distinctCustomerEvents = 0;
  distinctAgentEvents = 0;
  duplicateLines = 0;

  injected(customerId: string, defectId: string, rules: readonly RuleId[]): void {
    this.#defects.set(defectId, (this.#defects.get(defectId) ?? 0) + 1);
    for (const rule of rules) this.#byRule.get(rule)?.add(customerId);
  }

  /** `eventId` (a first delivery) trips `rules`. */
  eventTrips(eventId: string, rules: Iterable<RuleId>): void {
    for (const rule of rules) this.#eventsByRule.get(rule)?.push(eventId);
  }

  /** How a customer's planned history ends: the rules its last event trips, or undefined when deleted. */
  customerFinal(customerId: string, rules: readonly RuleId[] | undefined): void {
    if (rules && rules.length > 0) this.#latestTrips.set(customerId, rules);
  }

  /** A raw value of the classified field `path`, which `mask` protects. */
  raw(path: string, value: string, mask: MaskKind): void {
    if (value.length < 2) return;
    let set = this.#raw.get(path);
    if (!set) this.#raw.set(path, (set = new Set()));
    // The same value recurs in every later event of a customer: only the first sighting costs.
    if (set.has(value)) return;
    set.add(value);
    if ((mask === 'mobile' || mask === 'bank-account' || mask === 'landline') && SEPARATOR.test(value)) {
      const compact = value.replace(SEPARATORS, '');
      if (compact.length >= 2) set.add(compact);
      if (mask === 'mobile' && /^86\d{11}$/.test(compact)) set.add(compact.slice(-11));
    }
    if (mask === 'id-number' && value !== value.toUpperCase()) set.add(value.toUpperCase());
    const compared = comparedForm(mask, value);
    if (compared !== undefined && compared.length >= 2) set.add(compared);
  }

  deadLetter(reason: DeadLetterReason): void {
    this.deadLetters.push({ line: this.lines, reason });
  }

  finish(options: {
    seed: number;
    customers: number;
    startAt: string;
    badLineRate: number;
    duplicateRate: number;
  }): GroundTruth {
    const rules = {} as Record<RuleId, number>;
    const customersByRule = {} as Record<RuleId, string[]>;
    for (const id of RULE_IDS) {
      const customers = [...(this.#byRule.get(id) ?? [])].sort();
      rules[id] = customers.length;
      customersByRule[id] = customers;
    }
    const eventsByRule = {} as Record<RuleId, string[]>;
    for (const id of RULE_IDS) eventsByRule[id] = [...(this.#eventsByRule.get(id) ?? [])].sort();
    const issues = this.issues.finish();
    const distinct = this.distinctCustomerEvents + this.distinctAgentEvents;
    const patterns = this.patterns.finish();
    const activeFindings = {} as Record<AnyRuleId, string[]>;
    for (const id of RULE_IDS) activeFindings[id] = [];
    for (const [customerId, trips] of this.#latestTrips) for (const rule of trips) activeFindings[rule].push(customerId);
    for (const id of RULE_IDS) activeFindings[id].sort();
    for (const id of PATTERN_RULE_IDS) activeFindings[id] = patterns.activeFindings[id];
    const activeFindingCounts = Object.fromEntries(Object.entries(activeFindings).map(([id, ids]) => [id, ids.length])) as Record<AnyRuleId, number>;
    return {
      generator: 'verity-generate/v1',
      ...options,
      lines: this.lines,
      expectedAccepted: distinct + this.duplicateLines,
      expectedDistinctEvents: distinct,
      expectedCustomerEvents: this.distinctCustomerEvents,
      expectedAgentEvents: this.distinctAgentEvents,
      duplicateLines: this.duplicateLines,
      expectedDeadLettered: this.deadLetters.length,
      deadLetters: this.deadLetters,
      rules,
      customersByRule,
      eventsByRule,
      issues: issues.total,
      issuesByRule: issues.byRule,
      openIssuesByRule: issues.openByRule,
      defects: Object.fromEntries([...this.#defects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      rawValues: Object.fromEntries([...this.#raw].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, values]) => [path, [...values]])),
      activeFindings,
      activeFindingCounts,
      patterns: patterns.patterns,
    };
  }
}
