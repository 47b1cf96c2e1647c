// The pattern rules over the batch's workspace, event by event (domain §5): one mobile or own bank
// account on several existing customers, an agent's (or a relative's) mobile or address written
// into a customer's record, a mobile changed too often. A finding is active per (rule, customer)
// while its condition holds; each event re-evaluates every customer whose condition it can change
// (the other holders of a value it leaves or joins, the customers of an agent it changes), so the
// final active findings depend on the final state only, not on the order customers arrived in.
// Activations open issues and clearings resolve them (`condition-cleared`); deleting a customer
// withdraws its issues (the record issue tracker does that) and ends its findings.
//
// Also the record rules' active findings: a customer's latest event either violates a record rule
// (active) or not (none), so the store can say at any time which customers have which finding.
// Pure: the workspace holds all the state, and the caller writes its changes.
import type { WorkingDayCalendar } from '../../calendar/prc-calendar.ts';
import { computeDeadline } from '../../calendar/deadlines.ts';
import type { AgentChange, CustomerChange, CustomerTier } from '../../contract/customer-change.ts';
import { stableId } from '../../contract/ids.ts';
import { lifecycleDefaults, type IssueChange, type IssueState } from '../../contract/issue.ts';
import { reopenIssue } from '../issue-tracker.ts';
import { inStage } from '../../errors.ts';
import type { CompiledRule, PatternRule } from '../../../rules/engine/load-rule-pack.ts';
import type { PatternParams } from '../../../rules/patterns/index.ts';
import type { RuleOutcome } from '../evaluate-rules.ts';
import type { Finding } from '../model.ts';
import { heldValues, valueKey, type AgentFacts, type CustomerFacts } from './facts.ts';
import { membershipFingerprint, suppressionKey, type FindingEvidence, type PatternWorkspace } from './pattern-state.ts';

const DAY_MS = 86_400_000;
/** Other holders a finding's evidence names at most (see #others). */
export const EVIDENCE_HOLDERS = 20;

export interface PatternOutcome {
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
}

/** A pattern's verdict on one customer: active with what, or not. */
interface Verdict {
  readonly active: boolean;
  readonly groupToken: string;
  readonly groupSize: number;
  readonly evidence: FindingEvidence;
  /** For the finding row an activation writes: which field, why, and a masked summary. */
  readonly field: string;
  readonly reason: string;
  readonly summary: string;
}

const INACTIVE: Verdict = { active: false, groupToken: '', groupSize: 0, evidence: {}, field: '', reason: '', summary: '' };

/** The triggering event, as an issue change and a finding row name it. */
interface Trigger {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly source: string;
  /** The triggering customer's own policy, for the cooling-off deadline of its own issues. */
  readonly customerToken: string;
  readonly policy: CustomerChange['policy'] | undefined;
  /** The triggering customer's tier: known only for its own issues. */
  readonly tier?: CustomerTier | undefined;
}

export class PatternEngine {
  readonly #patterns: readonly PatternRule[];
  readonly #recordRuleIds: readonly string[];
  readonly #calendar: WorkingDayCalendar;
  readonly #now: () => string;

  constructor(rules: readonly CompiledRule[], calendar: WorkingDayCalendar, now: () => string) {
    this.#patterns = rules.filter((r): r is PatternRule => r.kind === 'pattern');
    this.#recordRuleIds = rules.filter((r) => r.kind === 'record').map((r) => r.definition.id);
    this.#calendar = calendar;
    this.#now = now;
  }

  get patternRules(): readonly PatternRule[] {
    return this.#patterns;
  }

  /**
   * One customer event, after its record rules were evaluated (`outcomes`; empty for a delete):
   * the customer's record findings, its facts in the pattern state, and every pattern finding the
   * event can change.
   */
  customerEvent(ws: PatternWorkspace, event: CustomerChange, next: CustomerFacts, outcomes: readonly RuleOutcome[]): PatternOutcome {
    const token = next.customerToken;
    const before = ws.state.customers.get(token);
    this.#recordFindings(ws, event, token, outcomes, next.deleted);

    // A mobile change: from one value to another, both present (a first mobile is not a change).
    let facts = next;
    if (!next.deleted && before && !before.deleted && before.mobile && next.mobile && before.mobile.token !== next.mobile.token) {
      ws.addMobileChange(token, { at: event.occurredAt, eventId: event.eventId });
    }
    if (!next.deleted) {
      const frequentSince = before?.deleted === false ? before.frequentSince : undefined;
      facts = { ...next, frequentSince: frequentSince ?? this.#frequentNow(ws, token, event.occurredAt) };
    }

    const oldKeys = heldValues(before);
    const newKeys = heldValues(facts);
    for (const key of oldKeys) if (!newKeys.includes(key)) ws.removeHolder(key, token);
    for (const key of newKeys) if (!oldKeys.includes(key)) ws.addHolder(key, token, event.occurredAt);
    ws.putCustomer(facts);

    const trigger: Trigger = { eventId: event.eventId, occurredAt: event.occurredAt, source: event.source, customerToken: token, policy: event.policy, tier: event.customer?.tier };
    const out = new Collector();
    for (const rule of this.#patterns) {
      const affected = new Set<string>([token]);
      if (rule.pattern === 'shared-mobile' || rule.pattern === 'shared-bank-account') {
        const kind = rule.pattern === 'shared-mobile' ? 'mobile:' : 'account:';
        for (const key of [...oldKeys, ...newKeys]) if (key.startsWith(kind)) for (const holder of ws.holdersOf(key).keys()) affected.add(holder);
      }
      for (const customer of [...affected].sort()) this.#reconcile(ws, rule, customer, trigger, out);
    }
    return out.result();
  }

  /** One agent event: every customer whose policy names the agent may gain or lose agent-contact-reuse. */
  agentEvent(ws: PatternWorkspace, event: AgentChange, facts: AgentFacts): PatternOutcome {
    ws.putAgent(facts);
    const trigger: Trigger = { eventId: event.eventId, occurredAt: event.occurredAt, source: event.source, customerToken: '', policy: undefined };
    const out = new Collector();
    const customers = [...(ws.state.agentCustomers.get(facts.agentToken) ?? [])].sort();
    for (const rule of this.#patterns) {
      if (rule.pattern !== 'agent-contact-reuse') continue;
      for (const customer of customers) this.#reconcile(ws, rule, customer, trigger, out);
    }
    return out.result();
  }

  /** Record rules: active while the customer's latest event violates them. */
  #recordFindings(ws: PatternWorkspace, event: CustomerChange, token: string, outcomes: readonly RuleOutcome[], deleted: boolean): void {
    const violated = new Map<string, readonly string[]>();
    if (!deleted) for (const { rule, violations } of outcomes) if (violations.length > 0) violated.set(rule.definition.id, violations.map((v) => v.reason));
    for (const ruleId of this.#recordRuleIds) {
      const reasons = violated.get(ruleId);
      const existing = ws.finding(ruleId, token);
      if (!reasons) {
        if (existing) ws.clearFinding(ruleId, token);
        continue;
      }
      ws.putFinding({
        ruleId,
        customerToken: token,
        since: existing?.since ?? event.occurredAt,
        sinceEventId: existing?.sinceEventId ?? event.eventId,
        groupToken: '',
        groupSize: 1,
        evidence: { reasons: [...new Set(reasons)].sort() },
      });
    }
  }

  /** Whether the mobile changes so far hold `minChanges` within `windowDays` ending now: the time it first held. */
  #frequentNow(ws: PatternWorkspace, token: string, at: string): string | undefined {
    const rule = this.#patterns.find((r) => r.pattern === 'frequent-mobile-change');
    if (!rule) return undefined;
    const { minChanges, windowDays } = rule.params as PatternParams<'frequent-mobile-change'>;
    const now = Date.parse(at);
    const within = ws.mobileChangesOf(token).filter((c) => {
      const t = Date.parse(c.at);
      return t <= now && now - t <= windowDays * DAY_MS;
    });
    return within.length >= minChanges ? at : undefined;
  }

  /** Brings one (pattern, customer) finding and its issue in line with the condition now. */
  #reconcile(ws: PatternWorkspace, rule: PatternRule, customerToken: string, trigger: Trigger, out: Collector): void {
    const ruleId = rule.definition.id;
    const verdict = inStage(`rule:${ruleId}`, () => this.#verdict(ws, rule, customerToken));
    const existing = ws.finding(ruleId, customerToken);
    if (!verdict.active) {
      if (!existing) return;
      ws.clearFinding(ruleId, customerToken);
      // A deleted customer's issues are withdrawn with it, by the record issue tracker.
      const open = ws.openIssue(ruleId, customerToken);
      if (open && !ws.state.customers.get(customerToken)?.deleted) out.issue(ws, this.#close(open, trigger));
      return;
    }
    ws.putFinding({
      ruleId,
      customerToken,
      since: existing?.since ?? trigger.occurredAt,
      sinceEventId: existing?.sinceEventId ?? trigger.eventId,
      groupToken: verdict.groupToken,
      groupSize: verdict.groupSize,
      evidence: verdict.evidence,
    });
    if (existing) return;
    // Activated: a finding row, and an issue if the rule opens one and none is open.
    let issueId = ws.openIssue(ruleId, customerToken)?.issueId ?? '';
    if (!issueId && rule.definition.issue && !this.#suppressed(ws, rule, verdict.groupToken)) {
      const opened = inStage('deadline', () => this.#open(rule, customerToken, trigger, ws.state.customers.get(customerToken)));
      const closed = ws.reopenable(ruleId, customerToken);
      if (opened && closed) {
        // New evidence about a question a steward closed: the same issue, back in the queue.
        const { severity, dueAt, dueDate, deadlineBasis, deadlineProvisional, tier, source, channel, agentToken } = opened;
        const change = reopenIssue(closed, trigger, { severity, dueAt, dueDate, deadlineBasis, deadlineProvisional, tier, source, channel, agentToken });
        out.issue(ws, change);
        issueId = change.issue.issueId;
      } else if (opened) {
        out.issue(ws, { change: 'opened', issue: opened, eventId: trigger.eventId, occurredAt: trigger.occurredAt });
        issueId = opened.issueId;
      }
    }
    out.finding({
      findingId: stableId('finding', trigger.eventId, ruleId, customerToken, verdict.reason),
      ruleId,
      ruleVersion: rule.definition.version,
      severity: rule.definition.severity,
      customerToken,
      field: verdict.field,
      reason: verdict.reason,
      evidence: verdict.summary,
      violationCount: 1,
      eventId: trigger.eventId,
      source: trigger.source,
      occurredAt: trigger.occurredAt,
      detectedAt: this.#now(),
      issueId,
    });
  }

  /**
   * Whether a steward judged this pattern legitimate for this group as it stands (002 art.
   * 12(3)): then the finding is kept, but no issue opens until the membership changes.
   */
  #suppressed(ws: PatternWorkspace, rule: PatternRule, groupToken: string): boolean {
    if (groupToken === '' || !ws.state.suppressions.has(suppressionKey(rule.definition.id, groupToken))) return false;
    return ws.suppressed(rule.definition.id, groupToken, membershipFingerprint(groupMembers(ws, rule.pattern, groupToken)));
  }

  #open(rule: PatternRule, customerToken: string, trigger: Trigger, facts: CustomerFacts | undefined): IssueState | undefined {
    const policy = rule.definition.issue!;
    // The cooling-off period is known only for the triggering customer's own policy.
    const deadline = computeDeadline(policy.deadline, { occurredAt: trigger.occurredAt, policy: trigger.customerToken === customerToken ? trigger.policy : undefined }, this.#calendar);
    if (!deadline) return undefined;
    return {
      issueId: stableId('issue', rule.definition.id, customerToken, trigger.eventId),
      queue: policy.queue,
      ruleId: rule.definition.id,
      ruleVersion: rule.definition.version,
      customerToken,
      status: 'open',
      resolution: '',
      priority: policy.priority,
      severity: rule.definition.severity,
      openedAt: trigger.occurredAt,
      openedByEventId: trigger.eventId,
      dueAt: deadline.dueAt,
      dueDate: deadline.dueDate,
      deadlineBasis: deadline.basis,
      deadlineProvisional: deadline.provisional,
      occurrences: 1,
      lastEventId: trigger.eventId,
      lastSeenAt: trigger.occurredAt,
      updatedAt: trigger.occurredAt,
      version: 1,
      ...lifecycleDefaults({ tier: facts?.tier ?? (trigger.customerToken === customerToken ? trigger.tier : undefined), source: facts?.source, channel: facts?.channel, agentToken: facts?.agentToken }),
    };
  }

  #close(open: IssueState, trigger: Trigger): IssueChange {
    return {
      change: 'resolved',
      eventId: trigger.eventId,
      occurredAt: trigger.occurredAt,
      issue: {
        ...open,
        status: 'resolved',
        resolution: 'condition-cleared',
        outcome: 'condition-cleared',
        lastEventId: trigger.eventId,
        lastSeenAt: trigger.occurredAt,
        updatedAt: trigger.occurredAt,
        version: open.version + 1,
      },
    };
  }

  #verdict(ws: PatternWorkspace, rule: PatternRule, customerToken: string): Verdict {
    const customer = ws.state.customers.get(customerToken);
    if (!customer || customer.deleted) return INACTIVE;
    switch (rule.pattern) {
      case 'shared-mobile': {
        const { minHolders } = rule.params as PatternParams<'shared-mobile'>;
        // A stand-in is held by no one (facts.ts heldValues); a store written before stand-ins were
        // told apart still lists its old holders until they change.
        if (!customer.mobile || customer.mobile.standIn) return INACTIVE;
        const holders = ws.holdersOf(valueKey('mobile', customer.mobile.token));
        if (holders.size < minHolders) return INACTIVE;
        return {
          active: true,
          groupToken: customer.mobile.token,
          groupSize: holders.size,
          evidence: { holders: this.#others(ws, holders, customerToken, (c) => c.mobile?.masked ?? '') },
          field: 'customer.mobile',
          reason: 'shared-mobile',
          summary: `the same mobile on ${holders.size} customers: ${customer.mobile.masked}`,
        };
      }
      case 'shared-bank-account': {
        const { minHolders } = rule.params as PatternParams<'shared-bank-account'>;
        const shared = customer.accounts
          .map((account) => ({ account, holders: ws.holdersOf(valueKey('account', account.token)) }))
          .filter((s) => s.holders.size >= minHolders)
          .sort((a, b) => (a.account.token < b.account.token ? -1 : 1));
        const [first] = shared;
        if (!first) return INACTIVE;
        const others = new Map<string, NonNullable<FindingEvidence['holders']>[number]>();
        for (const { account, holders } of shared) {
          for (const holder of this.#others(ws, holders, customerToken, () => account.masked)) if (!others.has(holder.customerToken)) others.set(holder.customerToken, holder);
        }
        return {
          active: true,
          groupToken: first.account.token,
          groupSize: first.holders.size,
          evidence: { holders: [...others.values()] },
          field: 'customer.bankAccounts',
          reason: 'shared-account',
          summary: `the same own account on ${first.holders.size} customers: ${first.account.masked}`,
        };
      }
      case 'agent-contact-reuse': {
        const agent = customer.agentToken ? ws.state.agents.get(customer.agentToken) : undefined;
        if (!agent || agent.deleted) return INACTIVE;
        const matches: { field: 'mobile' | 'address'; who: 'agent' | 'relative'; masked: string }[] = [];
        for (const contact of agent.mobiles) if (customer.mobile?.token === contact.token) matches.push({ field: 'mobile', who: contact.who, masked: contact.masked });
        for (const contact of agent.addresses) if (customer.address?.token === contact.token) matches.push({ field: 'address', who: contact.who, masked: contact.masked });
        const [first] = matches;
        if (!first) return INACTIVE;
        return {
          active: true,
          groupToken: agent.agentToken,
          groupSize: 1,
          evidence: { agent: { agentToken: agent.agentToken, matches } },
          field: `customer.${first.field}`,
          reason: first.who === 'agent' ? `agent-${first.field}` : `agent-relative-${first.field}`,
          summary: `the ${first.who === 'agent' ? "agent's own" : "agent's relative's"} ${first.field}: ${first.masked}`,
        };
      }
      case 'frequent-mobile-change': {
        if (customer.frequentSince === undefined) return INACTIVE;
        const { windowDays } = rule.params as PatternParams<'frequent-mobile-change'>;
        const changes = ws.mobileChangesOf(customerToken).map((c) => c.at);
        return {
          active: true,
          groupToken: '',
          groupSize: 1,
          evidence: { changes },
          field: 'customer.mobile',
          reason: 'frequent-changes',
          summary: `the mobile changed ${changes.length} times, at least twice within ${windowDays} days`,
        };
      }
    }
  }

  /**
   * The other holders of a value, as evidence: tokens, masks, since when, where from. At most
   * EVIDENCE_HOLDERS of them (the first by token), since a value on hundreds of customers (a
   * placeholder number) would otherwise make every member's evidence list every other member,
   * rewritten at each join: quadratic in the group. The group's size is on the finding.
   */
  #others(ws: PatternWorkspace, holders: ReadonlyMap<string, string>, self: string, masked: (c: CustomerFacts) => string): NonNullable<FindingEvidence['holders']> {
    const first: [string, string][] = [];
    for (const entry of holders) {
      if (entry[0] === self) continue;
      if (first.length === EVIDENCE_HOLDERS && entry[0] >= first[first.length - 1]![0]) continue;
      let at = first.length;
      while (at > 0 && first[at - 1]![0] > entry[0]) at -= 1;
      first.splice(at, 0, entry);
      if (first.length > EVIDENCE_HOLDERS) first.pop();
    }
    return first.map(([token, since]) => {
      const c = ws.state.customers.get(token);
      return { customerToken: token, masked: c ? masked(c) : '', since, source: c?.source ?? '', channel: c?.channel ?? '', agentToken: c?.agentToken ?? '' };
    });
  }
}

/**
 * The customers a pattern's group is made of: the holders of the shared value, or the agent's
 * customers. The stewards' desk computes the same from the store (connectors/postgres/steward-desk.ts).
 */
export function groupMembers(ws: PatternWorkspace, pattern: PatternRule['pattern'], groupToken: string): string[] {
  switch (pattern) {
    case 'shared-mobile':
      return [...ws.holdersOf(valueKey('mobile', groupToken)).keys()];
    case 'shared-bank-account':
      return [...ws.holdersOf(valueKey('account', groupToken)).keys()];
    case 'agent-contact-reuse':
      return [...(ws.state.agentCustomers.get(groupToken) ?? [])];
    default:
      return [];
  }
}

/** Findings and issue changes in the order they happened; issue changes go through the workspace. */
class Collector {
  readonly #findings: Finding[] = [];
  readonly #issues: IssueChange[] = [];

  finding(f: Finding): void {
    this.#findings.push(f);
  }

  issue(ws: PatternWorkspace, change: IssueChange): void {
    ws.putIssue(change.issue);
    this.#issues.push(change);
  }

  result(): PatternOutcome {
    return { findings: this.#findings, issueChanges: this.#issues };
  }
}
