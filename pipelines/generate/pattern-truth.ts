// The pattern rules' truth, judged on the final state of what the stream carries: latest record per
// customer and agent, deleted customers gone, plus each customer's mobile-change history. Whatever
// was written counts, whether a scenario meant it or random data collided by accident; which
// scenario produced each group is recorded beside it for diagnosis. Histories are taken as they
// are planned: a customer's all at once, an agent's event by event, each in time order, which is
// the order the stream carries them in.
import { PLACEHOLDER_MOBILES } from './data/phones.ts';
import { PATTERN_RULE_DEFAULTS, PATTERN_RULE_IDS, type PatternRuleId } from './model.ts';
import type { AgentFacts, CustomerFacts } from './pattern-facts.ts';
import { normaliseAccount, normaliseAddress, normaliseMobile } from './pattern-values.ts';
import { DAY_MS } from './time.ts';

/** One injected scenario instance, as the planner filled it. */
export interface ScenarioRecord {
  /** `<scenario>#<n>`: the n-th instance of that scenario in this stream. */
  readonly id: string;
  readonly scenario: string;
  readonly rule: PatternRuleId;
  /** Customers in the order they took their part. */
  readonly customers: string[];
  readonly agents: string[];
  /** Of `customers`, those the scenario means to leave with an active finding once complete. */
  readonly expectedActive: string[];
  /** False when the stream ended before every part was taken. */
  complete: boolean;
}

/** What a group's members share; for frequent-mobile-change, one customer's own history. */
export type GroupKind =
  | 'mobile'
  | 'bank-account'
  | 'agent-mobile'
  | 'agent-relative-mobile'
  | 'agent-address'
  | 'agent-relative-address'
  | 'mobile-history';

export interface PatternGroupTruth {
  readonly kind: GroupKind;
  /** Sorted. */
  readonly customers: string[];
  /** For agent-contact reuse: whose contact data was reused. */
  readonly agentId?: string;
  /** The scenario instances that produced the group, or `['accidental']`. */
  readonly scenarios: string[];
}

export interface PatternRuleTruth {
  readonly params: Readonly<Record<string, number>>;
  /** At the end of the stream, every group that makes the rule's findings. Never a raw value. */
  readonly groups: PatternGroupTruth[];
  /** Every injected scenario instance for the rule, complete or not. */
  readonly scenarios: ScenarioRecord[];
}

export interface PatternTruthResult {
  readonly activeFindings: Record<PatternRuleId, string[]>;
  readonly patterns: Record<PatternRuleId, PatternRuleTruth>;
}

/** An existing customer at the end of the stream. */
interface CustomerHistory {
  readonly latest: CustomerFacts;
  /** `latest.mobile` as compared. */
  readonly mobile: string;
  /** The change-frequency condition held at some change: it stays until the customer is deleted. */
  readonly frequentChanges: boolean;
}

const ACCIDENTAL = 'accidental';

/** The placeholder mobiles the defects write: shared by no one, whoever else writes them. */
const STAND_INS: ReadonlySet<string> = new Set([PLACEHOLDER_MOBILES.wellFormed, ...PLACEHOLDER_MOBILES.malformed]);

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class PatternTruth {
  readonly #customers = new Map<string, CustomerHistory>();
  readonly #agents = new Map<string, AgentFacts>();
  readonly #scenarios: ScenarioRecord[] = [];
  readonly #minHolders = PATTERN_RULE_DEFAULTS['shared-mobile'].minHolders;
  readonly #minChanges = PATTERN_RULE_DEFAULTS['frequent-mobile-change'].minChanges;
  readonly #windowMs = PATTERN_RULE_DEFAULTS['frequent-mobile-change'].windowDays * DAY_MS;

  /** Registers a scenario instance; the planner keeps filling in its customers. */
  scenario(record: ScenarioRecord): void {
    this.#scenarios.push(record);
  }

  /** One customer's whole history, as written, in event order; `deleted` if its last event is a delete. */
  customer(events: readonly CustomerFacts[], deleted: boolean): void {
    // A deleted customer is in no group and keeps no finding, whatever its history.
    const latest = events[events.length - 1];
    if (deleted || !latest) return;
    let written = '';
    let mobile = '';
    let recent: number[] = [];
    let frequentChanges = false;
    for (const facts of events) {
      const next = facts.mobile === written ? mobile : normaliseMobile(facts.mobile);
      if (mobile !== '' && next !== '' && next !== mobile) {
        // Both ends of the window count: two changes exactly windowDays apart are frequent.
        recent = recent.filter((t) => t >= facts.time - this.#windowMs);
        recent.push(facts.time);
        if (recent.length >= this.#minChanges) frequentChanges = true;
      }
      written = facts.mobile;
      mobile = next;
    }
    this.#customers.set(latest.customerId, { latest, mobile, frequentChanges });
  }

  /** An agent's create or update (its whole image), in time order. */
  agent(facts: AgentFacts): void {
    this.#agents.set(facts.agentId, facts);
  }

  finish(): PatternTruthResult {
    const mobiles = new Holders();
    const accounts = new Holders();
    for (const [customerId, { latest, mobile }] of this.#customers) {
      // The stand-ins this generator writes are the placeholder rule's finding, in no group.
      if (mobile !== '' && !STAND_INS.has(mobile)) mobiles.add(mobile, customerId);
      for (const account of latest.accounts) {
        const compared = normaliseAccount(account);
        if (compared !== '') accounts.add(compared, customerId);
      }
    }
    const groups: Record<PatternRuleId, PatternGroupTruth[]> = {
      'shared-mobile': mobiles.groups('mobile', this.#minHolders),
      'shared-bank-account': accounts.groups('bank-account', 2),
      'agent-contact-reuse': this.#agentGroups(),
      'frequent-mobile-change': this.#historyGroups(),
    };
    const activeFindings = {} as Record<PatternRuleId, string[]>;
    const patterns = {} as Record<PatternRuleId, PatternRuleTruth>;
    for (const rule of PATTERN_RULE_IDS) {
      const scenarios = this.#scenarios.filter((s) => s.rule === rule);
      const byCustomer = new Map<string, ScenarioRecord[]>();
      for (const s of scenarios) for (const c of s.customers) byCustomer.set(c, [...(byCustomer.get(c) ?? []), s]);
      const attributed = groups[rule].map((group) => ({ ...group, scenarios: producers(group, byCustomer) }));
      activeFindings[rule] = [...new Set(attributed.flatMap((g) => g.customers))].sort(compareIds);
      patterns[rule] = {
        params: PATTERN_RULE_DEFAULTS[rule],
        groups: attributed,
        scenarios: scenarios.map((s) => ({ ...s, customers: [...s.customers], agents: [...s.agents], expectedActive: [...s.expectedActive].sort(compareIds) })),
      };
    }
    return { activeFindings, patterns };
  }

  /** Per agent and reused field: the existing customers on its policies whose mobile or address is its own or a relative's. */
  #agentGroups(): PatternGroupTruth[] {
    const byKey = new Map<string, { kind: GroupKind; agentId: string; customers: string[] }>();
    const add = (kind: GroupKind, agentId: string, customerId: string) => {
      const key = `${agentId}\u0000${kind}`;
      let group = byKey.get(key);
      if (!group) byKey.set(key, (group = { kind, agentId, customers: [] }));
      group.customers.push(customerId);
    };
    for (const [customerId, { latest, mobile }] of this.#customers) {
      if (latest.agentId === undefined) continue;
      const agent = this.#agents.get(latest.agentId);
      if (!agent) continue;
      const address = normaliseAddress(latest.address);
      if (mobile !== '') {
        if (mobile === agent.mobile) add('agent-mobile', agent.agentId, customerId);
        if (agent.relativeMobiles.includes(mobile)) add('agent-relative-mobile', agent.agentId, customerId);
      }
      if (address !== '') {
        if (address === agent.address) add('agent-address', agent.agentId, customerId);
        if (agent.relativeAddresses.includes(address)) add('agent-relative-address', agent.agentId, customerId);
      }
    }
    return sortGroups([...byKey.values()].map((g) => ({ kind: g.kind, agentId: g.agentId, customers: g.customers.sort(compareIds), scenarios: [] })));
  }

  #historyGroups(): PatternGroupTruth[] {
    const groups: PatternGroupTruth[] = [];
    for (const [customerId, history] of this.#customers) {
      if (history.frequentChanges) groups.push({ kind: 'mobile-history', customers: [customerId], scenarios: [] });
    }
    return sortGroups(groups);
  }

}

/**
 * The scenario instances behind a group: for a shared value, those with at least two of its
 * members; otherwise those of its member (and agent).
 */
function producers(group: PatternGroupTruth, byCustomer: ReadonlyMap<string, readonly ScenarioRecord[]>): string[] {
  const needed = group.kind === 'mobile' || group.kind === 'bank-account' ? 2 : 1;
  const members = new Map<ScenarioRecord, number>();
  for (const c of group.customers) for (const s of byCustomer.get(c) ?? []) members.set(s, (members.get(s) ?? 0) + 1);
  const found = [...members]
    .filter(([s, n]) => n >= needed && (group.agentId === undefined || s.agents.includes(group.agentId)))
    .map(([s]) => s.id)
    .sort(compareIds);
  return found.length > 0 ? found : [ACCIDENTAL];
}

/** Who holds each value; nearly every value has a single holder, so only a second one earns a list. */
class Holders {
  readonly #first = new Map<string, string>();
  readonly #shared = new Map<string, string[]>();

  /** Customers are added one at a time, each with all its values. */
  add(value: string, customerId: string): void {
    const holder = this.#first.get(value);
    if (holder === undefined) {
      this.#first.set(value, customerId);
      return;
    }
    const holders = this.#shared.get(value);
    if (!holders) {
      if (holder !== customerId) this.#shared.set(value, [holder, customerId]);
    } else if (holders[holders.length - 1] !== customerId) {
      holders.push(customerId);
    }
  }

  /** A group per value with at least `minHolders` (≥ 2) distinct holders. */
  groups(kind: GroupKind, minHolders: number): PatternGroupTruth[] {
    const groups: PatternGroupTruth[] = [];
    for (const holders of this.#shared.values()) {
      if (holders.length >= minHolders) groups.push({ kind, customers: holders.sort(compareIds), scenarios: [] });
    }
    return sortGroups(groups);
  }
}

function sortGroups(groups: PatternGroupTruth[]): PatternGroupTruth[] {
  return groups.sort(
    (a, b) =>
      compareIds(a.customers[0] ?? '', b.customers[0] ?? '') ||
      compareIds(a.kind, b.kind) ||
      compareIds(a.agentId ?? '', b.agentId ?? '') ||
      a.customers.length - b.customers.length,
  );
}
