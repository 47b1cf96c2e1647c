// Counters for one run: what the report and the progress display show. Distinct customers per rule
// are kept as token sets because the report promises distinct customers, not finding counts; each
// set stops growing at a configured size, so a run of any length keeps bounded memory (its count
// is then a lower bound, and the report says so).

import { DEFAULTS } from '../config/defaults.ts';

/** What one durably written batch adds to the run's counters. */
export interface BatchTally {
  read: number;
  accepted: number;
  duplicates: number;
  readonly deadLetterCodes: string[];
  readonly findings: { readonly ruleId: string; readonly customerToken: string }[];
  readonly issues: { opened: number; provisional: number; updated: number; resolved: number; withdrawn: number };
}

export class RunStats {
  read = 0;
  accepted = 0;
  duplicates = 0;
  deadLettered = 0;
  findings = 0;
  issuesOpened = 0;
  issuesUpdated = 0;
  issuesResolved = 0;
  issuesWithdrawn = 0;
  provisionalDeadlines = 0;
  readonly startedAt = performance.now();
  readonly #customersByRule = new Map<string, Set<string>>();
  readonly #capped = new Set<string>();
  readonly #customersPerRule: number;
  readonly deadLettersByReason = new Map<string, number>();

  /** `customersPerRule`: distinct customers counted exactly per rule (see DEFAULTS.reportCustomersPerRule). */
  constructor(ruleIds: readonly string[], customersPerRule: number = DEFAULTS.reportCustomersPerRule) {
    for (const id of ruleIds) this.#customersByRule.set(id, new Set());
    this.#customersPerRule = customersPerRule;
  }

  /**
   * Counts a batch once it is durable: a batch abandoned on the way (its scope moved) is counted
   * by whoever writes it, so every message read is counted exactly once where it took effect.
   */
  add(tally: BatchTally): void {
    this.read += tally.read;
    this.accepted += tally.accepted;
    this.duplicates += tally.duplicates;
    for (const code of tally.deadLetterCodes) this.noteDeadLetter(code);
    for (const f of tally.findings) this.noteFinding(f.ruleId, f.customerToken);
    this.issuesOpened += tally.issues.opened;
    this.provisionalDeadlines += tally.issues.provisional;
    this.issuesUpdated += tally.issues.updated;
    this.issuesResolved += tally.issues.resolved;
    this.issuesWithdrawn += tally.issues.withdrawn;
  }

  noteFinding(ruleId: string, customerToken: string): void {
    this.findings += 1;
    let set = this.#customersByRule.get(ruleId);
    if (!set) this.#customersByRule.set(ruleId, (set = new Set()));
    if (set.size < this.#customersPerRule) set.add(customerToken);
    else if (!set.has(customerToken)) this.#capped.add(ruleId);
  }

  /** Rules whose distinct-customer count reached the limit: a lower bound. */
  cappedRules(): string[] {
    return [...this.#capped].sort();
  }

  noteDeadLetter(code: string): void {
    this.deadLettered += 1;
    this.deadLettersByReason.set(code, (this.deadLettersByReason.get(code) ?? 0) + 1);
  }

  customersByRule(): Record<string, number> {
    return Object.fromEntries([...this.#customersByRule].map(([rule, set]) => [rule, set.size]));
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  get eventsPerSecond(): number {
    const seconds = this.elapsedMs / 1000;
    return seconds > 0 ? this.read / seconds : 0;
  }
}
