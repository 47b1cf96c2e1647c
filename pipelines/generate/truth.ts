// The ground truth: what was injected, recorded while injecting. An end-to-end test asserts the
// pipeline's counts against it exactly.
import { RULE_IDS, type RuleId } from './model.ts';

export type DeadLetterReason = 'not-json' | 'not-object' | 'contract';

export interface DeadLetterTruth {
  /** 1-based line number in the JSONL file. */
  readonly line: number;
  readonly reason: DeadLetterReason;
}

export interface RawValues {
  readonly names: string[];
  readonly mobiles: string[];
  readonly landlines: string[];
  readonly idNumbers: string[];
  readonly bankAccounts: string[];
  readonly emails: string[];
  readonly addresses: string[];
  readonly usccs: string[];
}

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
  /** Customers per injected defect type: for diagnosing a mismatch, not for asserting. */
  readonly defects: Record<string, number>;
  /**
   * Every raw sensitive value written to the stream (at least 2 characters), as written and, for
   * phones and account numbers, also with separators removed: what a PII scan must never find in
   * any output meant for analysts.
   */
  readonly rawValues: RawValues;
}

export type RawValueKind = keyof RawValues;

const SEPARATOR = /[\s()+-]/;
const SEPARATORS = /[\s()+-]/g;

export class TruthRecorder {
  readonly #byRule = new Map<RuleId, Set<string>>(RULE_IDS.map((id) => [id, new Set<string>()]));
  readonly #defects = new Map<string, number>();
  readonly #raw: Record<RawValueKind, Set<string>> = {
    names: new Set(),
    mobiles: new Set(),
    landlines: new Set(),
    idNumbers: new Set(),
    bankAccounts: new Set(),
    emails: new Set(),
    addresses: new Set(),
    usccs: new Set(),
  };
  readonly deadLetters: DeadLetterTruth[] = [];
  lines = 0;
  distinctCustomerEvents = 0;
  distinctAgentEvents = 0;
  duplicateLines = 0;

  injected(customerId: string, defectId: string, rules: readonly RuleId[]): void {
    this.#defects.set(defectId, (this.#defects.get(defectId) ?? 0) + 1);
    for (const rule of rules) this.#byRule.get(rule)?.add(customerId);
  }

  raw(kind: RawValueKind, value: unknown): void {
    if (typeof value !== 'string' || value.length < 2) return;
    const set = this.#raw[kind];
    // The same value recurs in every later event of a customer: only the first sighting costs.
    if (set.has(value)) return;
    set.add(value);
    if ((kind === 'mobiles' || kind === 'bankAccounts' || kind === 'landlines') && SEPARATOR.test(value)) {
      const compact = value.replace(SEPARATORS, '');
      if (compact.length >= 2) set.add(compact);
      if (kind === 'mobiles' && /^86\d{11}$/.test(compact)) set.add(compact.slice(-11));
    }
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
    const distinct = this.distinctCustomerEvents + this.distinctAgentEvents;
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
      defects: Object.fromEntries([...this.#defects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      rawValues: {
        names: [...this.#raw.names],
        mobiles: [...this.#raw.mobiles],
        landlines: [...this.#raw.landlines],
        idNumbers: [...this.#raw.idNumbers],
        bankAccounts: [...this.#raw.bankAccounts],
        emails: [...this.#raw.emails],
        addresses: [...this.#raw.addresses],
        usccs: [...this.#raw.usccs],
      },
    };
  }
}
