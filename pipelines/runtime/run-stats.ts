// Counters for one run: what the report and the progress display show. Distinct customers per rule
// are kept as token sets because the report promises distinct customers, not finding counts.

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
  readonly deadLettersByReason = new Map<string, number>();

  constructor(ruleIds: readonly string[]) {
    for (const id of ruleIds) this.#customersByRule.set(id, new Set());
  }

  noteFinding(ruleId: string, customerToken: string): void {
    this.findings += 1;
    let set = this.#customersByRule.get(ruleId);
    if (!set) this.#customersByRule.set(ruleId, (set = new Set()));
    set.add(customerToken);
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
