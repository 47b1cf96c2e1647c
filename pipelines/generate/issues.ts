// The issue lifecycle the injected defects must produce, worked out from what the generator put in
// each event, never by running the pipeline's tracker: the end-to-end tests compare the two.
//
// The model (README "Issues and deadlines"; every builtin rule has an issue policy): per (rule,
// customer) at most one open issue. An event whose after-image trips the rule at or above its issue
// threshold opens one, or updates the open one. An event that passes the rule cleanly resolves the
// open one; a finding below the threshold leaves it as it is. A delete withdraws all the customer's
// open issues. Duplicate and dead-lettered lines are never events here, so they change nothing.
import { RULE_IDS, type RuleId } from './model.ts';

export interface IssueCounts {
  readonly opened: number;
  readonly updated: number;
  readonly resolved: number;
  readonly withdrawn: number;
  /** Still open after the last event. */
  readonly open: number;
}

/** What one event of a customer trips: every rule with a finding, and those at issue level. */
export interface EventRules {
  readonly tripped: ReadonlySet<RuleId>;
  readonly atIssueLevel: ReadonlySet<RuleId>;
}

interface MutableCounts {
  opened: number;
  updated: number;
  resolved: number;
  withdrawn: number;
}

const zero = (): MutableCounts => ({ opened: 0, updated: 0, resolved: 0, withdrawn: 0 });

export class IssueLifecycle {
  readonly #byRule = new Map<RuleId, MutableCounts>(RULE_IDS.map((id) => [id, zero()]));
  /** Open issues: customer → rules. A customer's history is planned in one go, in event order. */
  readonly #open = new Map<string, Set<RuleId>>();

  event(customerId: string, rules: EventRules): void {
    let open = this.#open.get(customerId);
    for (const rule of RULE_IDS) {
      const counts = this.#byRule.get(rule) as MutableCounts;
      if (rules.atIssueLevel.has(rule)) {
        if (open?.has(rule)) {
          counts.updated++;
        } else {
          counts.opened++;
          if (!open) this.#open.set(customerId, (open = new Set()));
          open.add(rule);
        }
      } else if (!rules.tripped.has(rule) && open?.delete(rule)) {
        counts.resolved++;
      }
    }
    if (open?.size === 0) this.#open.delete(customerId);
  }

  deleted(customerId: string): void {
    for (const rule of this.#open.get(customerId) ?? []) (this.#byRule.get(rule) as MutableCounts).withdrawn++;
    this.#open.delete(customerId);
  }

  /** Per rule, and the customers with an issue still open per rule (sorted). */
  finish(): { byRule: Record<RuleId, IssueCounts>; openByRule: Record<RuleId, string[]>; total: IssueCounts } {
    const openByRule = Object.fromEntries(RULE_IDS.map((id) => [id, [] as string[]])) as Record<RuleId, string[]>;
    for (const [customerId, rules] of this.#open) for (const rule of rules) openByRule[rule].push(customerId);
    const byRule = {} as Record<RuleId, IssueCounts>;
    const total = { ...zero(), open: 0 };
    for (const rule of RULE_IDS) {
      const counts = this.#byRule.get(rule) as MutableCounts;
      const open = openByRule[rule].sort().length;
      byRule[rule] = { ...counts, open };
      total.opened += counts.opened;
      total.updated += counts.updated;
      total.resolved += counts.resolved;
      total.withdrawn += counts.withdrawn;
      total.open += open;
    }
    return { byRule, openByRule, total };
  }
}
