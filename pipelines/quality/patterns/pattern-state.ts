// The slice of state one batch works on: loaded from the operational store (with the locks that
// make it safe to change), changed in memory event by event, and handed back as a set of changes
// that the store writes in the batch's transaction. Nothing here outlives the batch, so a process
// holds no per-customer state between batches, and nothing it once read can override the store.
import { createHash } from 'node:crypto';
import { isActive, type IssueChange, type IssueState } from '../../contract/issue.ts';
import type { Tokenizer, TokenKind } from '../../privacy/tokens.ts';
import type { IssueStateStore } from '../issue-tracker.ts';
import type { VaultChanges } from '../vault-changes.ts';
import type { AgentFacts, CustomerFacts, MobileChange } from './facts.ts';

/** What a steward reads about an active finding: tokens and masks only, never a raw value. */
export interface FindingEvidence {
  /** Per-record rules: the reasons of the latest event's violations. */
  readonly reasons?: readonly string[];
  /** Shared values: the other holders, as the store holds them now. */
  readonly holders?: readonly {
    readonly customerToken: string;
    readonly masked: string;
    readonly since: string;
    readonly source: string;
    readonly channel: string;
    readonly agentToken: string;
  }[];
  /** Agent contact reuse: which contact of which agent, and how it is masked. */
  readonly agent?: { readonly agentToken: string; readonly matches: readonly { readonly field: 'mobile' | 'address'; readonly who: 'agent' | 'relative'; readonly masked: string }[] };
  /** Frequent mobile changes: when they happened. */
  readonly changes?: readonly string[];
}

export interface ActiveFinding {
  readonly ruleId: string;
  readonly customerToken: string;
  /** Event time since which the condition holds, and the event that made it hold. */
  readonly since: string;
  readonly sinceEventId: string;
  /** The shared value's token, the agent's token, or '': what groups customers on dashboards. */
  readonly groupToken: string;
  /** Customers in the group (holders, or the agent's customers that reuse its contacts); 1 otherwise. */
  readonly groupSize: number;
  readonly evidence: FindingEvidence;
}

export const findingKey = (ruleId: string, customerToken: string) => `${ruleId}\u0000${customerToken}`;

/** What a batch's events name: the store locks and loads these and everything they reach. */
export interface BatchLoadRequest {
  /** Customers the batch's customer events change. */
  readonly customers: readonly string[];
  /** Agents the batch's agent events change, and agents its customer events name. */
  readonly agents: readonly string[];
  /**
   * Agents the batch's agent events change: only their whole customer lists are needed (an agent
   * event re-judges every customer of the agent). A customer event is judged against its own
   * agent's contacts alone.
   */
  readonly agentsChanged: readonly string[];
  /** Value keys (facts.ts `valueKey`) the batch's customer events hold now. */
  readonly values: readonly string[];
}

/** A batch's view of the state, as the store loaded it (complete for every key it names). */
export interface PatternSnapshot {
  readonly customers: Map<string, CustomerFacts>;
  /** Value key (facts.valueKey) → holder → since when. Complete for every value touched by the batch. */
  readonly holders: Map<string, Map<string, string>>;
  readonly agents: Map<string, AgentFacts>;
  /** Agent token → existing customers whose policy names the agent. Complete for every agent touched. */
  readonly agentCustomers: Map<string, Set<string>>;
  /** Per customer of the batch, its mobile changes in order. */
  readonly mobileChanges: Map<string, MobileChange[]>;
  /** Active findings (findingKey) of every customer loaded. */
  readonly findings: Map<string, ActiveFinding>;
  /** Active issues (open, claimed, in verification) of every customer loaded: customer token → rule id → issue. */
  readonly openIssues: Map<string, Map<string, IssueState>>;
  /**
   * Patterns a steward judged legitimate for a group (002 art. 12(3)): suppressionKey(rule, group)
   * → the group's membership fingerprint then. Complete for every value and agent the batch touches.
   */
  readonly suppressions: Map<string, string>;
  /** Corrections sent upstream and not yet confirmed, per customer of the batch's customer events. */
  readonly pendingCorrections: Map<string, PendingCorrection[]>;
  /** The (closed) issues those corrections belong to, by id. */
  readonly correctionIssues: Map<string, IssueState>;
  /**
   * Per customer loaded and rule without an active issue: its last issue, when a steward closed it
   * as correct or corrected (correction confirmed). New evidence reopens it.
   */
  readonly reopenable: Map<string, Map<string, IssueState>>;
}

/**
 * A group's membership as one value: the sorted member tokens, hashed. A suppression holds while
 * the group still has exactly the members it had when the steward judged it legitimate.
 */
export function membershipFingerprint(memberTokens: Iterable<string>): string {
  return createHash('sha256').update([...new Set(memberTokens)].sort().join('\n')).digest('hex').slice(0, 32);
}

export const suppressionKey = (ruleId: string, groupToken: string) => `${ruleId}\u0000${groupToken}`;

/** A corrected field waiting for the upstream system to carry the value: its keyed token only. */
export interface PendingCorrection {
  readonly issueId: string;
  readonly field: CorrectableField;
  readonly valueToken: string;
}

/** The fields a steward may correct, and the token kind their values are compared by. */
export const CORRECTABLE_FIELDS = ['name', 'mobile', 'landline', 'address'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
/** Landlines are normalised like mobiles (separators and the country prefix go); compared field by field. */
export const CORRECTION_TOKEN_KIND = { name: 'name', mobile: 'mobile', landline: 'mobile', address: 'address' } as const satisfies Record<CorrectableField, TokenKind>;

/** The keyed token a corrected value is compared by: the same for the steward's value and the upstream event's. */
export function correctionToken(tokenizer: Tokenizer, field: CorrectableField, value: string): string {
  return tokenizer.token(CORRECTION_TOKEN_KIND[field], value);
}

/** One corrected field the upstream system now carries. */
export interface CorrectionConfirmed {
  readonly issueId: string;
  readonly field: CorrectableField;
  readonly eventId: string;
  readonly at: string;
}

export function emptySnapshot(): PatternSnapshot {
  return {
    customers: new Map(),
    holders: new Map(),
    agents: new Map(),
    agentCustomers: new Map(),
    mobileChanges: new Map(),
    findings: new Map(),
    openIssues: new Map(),
    suppressions: new Map(),
    pendingCorrections: new Map(),
    correctionIssues: new Map(),
    reopenable: new Map(),
  };
}

/** What a batch changed: what the store writes in the batch's transaction. */
export interface StateChanges {
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  readonly agents: ReadonlyMap<string, AgentFacts>;
  /** Value key → holders added, or held again since a new time (the store upserts them); and holders removed. */
  readonly holdersAdded: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly holdersRemoved: ReadonlyMap<string, ReadonlySet<string>>;
  readonly mobileChanges: readonly { readonly customerToken: string; readonly change: MobileChange }[];
  readonly findingsUpserted: ReadonlyMap<string, ActiveFinding>;
  readonly findingsDeleted: ReadonlySet<string>;
  /** Each issue changed, in its last state of the batch. */
  readonly issues: ReadonlyMap<string, IssueState>;
  /** Active findings as analysts see them, where the batch changed what they see (finding-mirror.ts). */
  readonly findingMirror: readonly FindingMirrorChange[];
  /** The reveal vault's changes (vault-changes.ts), when the run fills a vault. */
  readonly vault?: VaultChanges;
  /** Corrected fields the batch's events confirmed. */
  readonly correctionsConfirmed: readonly CorrectionConfirmed[];
}

/**
 * One (rule, customer)'s active finding as the analytics store mirrors it: active or no longer,
 * with what dashboards group it by. `version` orders the changes of one (rule, customer); the
 * operational store assigns it when the batch commits, in commit order (0 until then).
 */
export interface FindingMirrorChange {
  readonly ruleId: string;
  readonly customerToken: string;
  readonly active: boolean;
  readonly since: string;
  readonly sinceEventId: string;
  readonly groupToken: string;
  readonly groupSize: number;
  /** The customer's agent, channel and source now: the dashboards' "by agent" and "by channel". */
  readonly agentToken: string;
  readonly channel: string;
  readonly source: string;
  /** FindingEvidence as JSON: tokens and masks only. */
  readonly evidence: string;
  readonly version: number;
}

/**
 * The snapshot, changed in place event by event, remembering what changed. Its reads see every
 * change made so far in the batch, so the batch's events build on each other in order.
 */
export class PatternWorkspace {
  readonly state: PatternSnapshot;
  readonly #customers = new Map<string, CustomerFacts>();
  readonly #agents = new Map<string, AgentFacts>();
  readonly #added = new Map<string, Map<string, string>>();
  readonly #removed = new Map<string, Set<string>>();
  readonly #changes: { customerToken: string; change: MobileChange }[] = [];
  readonly #upserted = new Map<string, ActiveFinding>();
  readonly #deleted = new Set<string>();
  readonly #issues = new Map<string, IssueState>();
  readonly #confirmed: CorrectionConfirmed[] = [];
  /** Each finding and customer the batch changed, as it was before the batch (undefined: absent). */
  readonly #findingsBefore = new Map<string, ActiveFinding | undefined>();
  readonly #customersBefore = new Map<string, CustomerFacts | undefined>();

  /**
   * `state.findings` by customer, then rule, kept in step by putFinding and clearFinding: every
   * event asks after each record rule's finding of its customer, and building the flat key for
   * each question was 0.47 s of the main thread over the 75,000-customer bench stream (measured).
   */
  readonly #findingsByCustomer = new Map<string, Map<string, ActiveFinding>>();

  constructor(snapshot: PatternSnapshot) {
    this.state = snapshot;
    for (const finding of snapshot.findings.values()) this.#index(finding);
  }

  #index(finding: ActiveFinding): void {
    let rules = this.#findingsByCustomer.get(finding.customerToken);
    if (!rules) this.#findingsByCustomer.set(finding.customerToken, (rules = new Map()));
    rules.set(finding.ruleId, finding);
  }

  holdersOf(key: string): ReadonlyMap<string, string> {
    return this.state.holders.get(key) ?? new Map();
  }

  putCustomer(facts: CustomerFacts): void {
    const before = this.state.customers.get(facts.customerToken);
    if (!this.#customersBefore.has(facts.customerToken)) this.#customersBefore.set(facts.customerToken, before);
    this.state.customers.set(facts.customerToken, facts);
    this.#customers.set(facts.customerToken, facts);
    // The agent index follows the customer's current agent.
    if (before?.agentToken && before.agentToken !== facts.agentToken) this.state.agentCustomers.get(before.agentToken)?.delete(facts.customerToken);
    if (facts.agentToken && !facts.deleted) {
      let customers = this.state.agentCustomers.get(facts.agentToken);
      if (!customers) this.state.agentCustomers.set(facts.agentToken, (customers = new Set()));
      customers.add(facts.customerToken);
    } else if (facts.deleted && before?.agentToken) {
      this.state.agentCustomers.get(before.agentToken)?.delete(facts.customerToken);
    }
  }

  putAgent(facts: AgentFacts): void {
    this.state.agents.set(facts.agentToken, facts);
    this.#agents.set(facts.agentToken, facts);
  }

  addHolder(key: string, customerToken: string, since: string): void {
    let holders = this.state.holders.get(key);
    if (!holders) this.state.holders.set(key, (holders = new Map()));
    if (holders.has(customerToken)) return;
    holders.set(customerToken, since);
    // Removed earlier in the batch and held again: the store keeps the row, with the new since.
    this.#removed.get(key)?.delete(customerToken);
    let added = this.#added.get(key);
    if (!added) this.#added.set(key, (added = new Map()));
    added.set(customerToken, since);
  }

  removeHolder(key: string, customerToken: string): void {
    const holders = this.state.holders.get(key);
    if (!holders?.delete(customerToken)) return;
    // The last of a batch's changes to a holder wins: a removal after an add in the same batch
    // still deletes the row the store may hold from before the batch.
    this.#added.get(key)?.delete(customerToken);
    let removed = this.#removed.get(key);
    if (!removed) this.#removed.set(key, (removed = new Set()));
    removed.add(customerToken);
  }

  mobileChangesOf(customerToken: string): readonly MobileChange[] {
    return this.state.mobileChanges.get(customerToken) ?? [];
  }

  addMobileChange(customerToken: string, change: MobileChange): void {
    let changes = this.state.mobileChanges.get(customerToken);
    if (!changes) this.state.mobileChanges.set(customerToken, (changes = []));
    changes.push(change);
    this.#changes.push({ customerToken, change });
  }

  finding(ruleId: string, customerToken: string): ActiveFinding | undefined {
    return this.#findingsByCustomer.get(customerToken)?.get(ruleId);
  }

  /** Active findings of one customer, by rule id. */
  findingsOf(customerToken: string): ActiveFinding[] {
    const out: ActiveFinding[] = [];
    for (const finding of this.state.findings.values()) if (finding.customerToken === customerToken) out.push(finding);
    return out;
  }

  putFinding(finding: ActiveFinding): void {
    const key = findingKey(finding.ruleId, finding.customerToken);
    this.#rememberFinding(key);
    this.state.findings.set(key, finding);
    this.#index(finding);
    this.#deleted.delete(key);
    this.#upserted.set(key, finding);
  }

  clearFinding(ruleId: string, customerToken: string): void {
    const key = findingKey(ruleId, customerToken);
    this.#rememberFinding(key);
    if (!this.state.findings.delete(key)) return;
    this.#findingsByCustomer.get(customerToken)?.delete(ruleId);
    this.#upserted.delete(key);
    this.#deleted.add(key);
  }

  #rememberFinding(key: string): void {
    if (!this.#findingsBefore.has(key)) this.#findingsBefore.set(key, this.state.findings.get(key));
  }

  openIssue(ruleId: string, customerToken: string): IssueState | undefined {
    return this.state.openIssues.get(customerToken)?.get(ruleId);
  }

  /** Only active issues (open, claimed, in verification) stay in the view: the pipeline never changes a closed one. */
  putIssue(issue: IssueState): void {
    let byRule = this.state.openIssues.get(issue.customerToken);
    if (isActive(issue.status)) {
      if (!byRule) this.state.openIssues.set(issue.customerToken, (byRule = new Map()));
      byRule.set(issue.ruleId, issue);
      const closed = this.state.reopenable.get(issue.customerToken);
      if (closed?.get(issue.ruleId)?.issueId === issue.issueId) closed.delete(issue.ruleId);
    } else if (byRule?.get(issue.ruleId)?.issueId === issue.issueId) {
      // Only this issue leaves the view: a closed one changed again (a correction confirmed) must
      // not take a newer active issue of its rule with it.
      byRule.delete(issue.ruleId);
      if (byRule.size === 0) this.state.openIssues.delete(issue.customerToken);
    }
    if (this.state.correctionIssues.has(issue.issueId)) this.state.correctionIssues.set(issue.issueId, issue);
    this.#issues.set(issue.issueId, issue);
  }

  /** The customer's last issue of the rule if new evidence reopens it (see PatternSnapshot.reopenable). */
  reopenable(ruleId: string, customerToken: string): IssueState | undefined {
    return this.state.reopenable.get(customerToken)?.get(ruleId);
  }

  /** Whether a steward judged this pattern legitimate for this group with exactly these members. */
  suppressed(ruleId: string, groupToken: string, fingerprint: string): boolean {
    return groupToken !== '' && this.state.suppressions.get(suppressionKey(ruleId, groupToken)) === fingerprint;
  }

  /**
   * The customer's pending corrections the event's values confirm (`tokens`: correction tokens of
   * the fields the event carries): each confirmed field leaves the pending list; per issue with a
   * field confirmed, a `correction-confirmed` change (returned, and put as the issue's state).
   */
  confirmCorrections(customerToken: string, tokens: Partial<Record<CorrectableField, string>>, eventId: string, at: string): IssueChange[] {
    const pending = this.state.pendingCorrections.get(customerToken);
    if (!pending || pending.length === 0) return [];
    const confirmed = pending.filter((p) => tokens[p.field] !== undefined && tokens[p.field] === p.valueToken);
    if (confirmed.length === 0) return [];
    this.state.pendingCorrections.set(customerToken, pending.filter((p) => !confirmed.includes(p)));
    const changes: IssueChange[] = [];
    for (const issueId of new Set(confirmed.map((c) => c.issueId))) {
      for (const c of confirmed) if (c.issueId === issueId) this.#confirmed.push({ issueId, field: c.field, eventId, at });
      const issue = this.state.correctionIssues.get(issueId);
      if (!issue) continue;
      const change: IssueChange = { change: 'correction-confirmed', eventId, occurredAt: at, issue: { ...issue, updatedAt: at, version: issue.version + 1 } };
      this.putIssue(change.issue);
      changes.push(change);
    }
    return changes;
  }

  changes(): StateChanges {
    return {
      customers: this.#customers,
      agents: this.#agents,
      holdersAdded: this.#added,
      holdersRemoved: this.#removed,
      mobileChanges: this.#changes,
      findingsUpserted: this.#upserted,
      findingsDeleted: this.#deleted,
      issues: this.#issues,
      findingMirror: this.#findingMirror(),
      correctionsConfirmed: this.#confirmed,
    };
  }

  /**
   * A row for every finding the batch activated, cleared, or changed in what analysts see: its
   * since, its group, its evidence, or its customer's agent, channel or source. A finding merely confirmed by
   * another event of its customer writes nothing.
   */
  #findingMirror(): FindingMirrorChange[] {
    const shown = (c: CustomerFacts | undefined) => (c ? `${c.agentToken}\u0000${c.channel}\u0000${c.source}` : '');
    const moved = new Set<string>();
    for (const [token, before] of this.#customersBefore) if (shown(before) !== shown(this.state.customers.get(token))) moved.add(token);
    const keys = new Set(this.#findingsBefore.keys());
    if (moved.size > 0) for (const [key, f] of this.state.findings) if (moved.has(f.customerToken)) keys.add(key);
    const out: FindingMirrorChange[] = [];
    for (const key of [...keys].sort()) {
      const now = this.state.findings.get(key);
      const before = this.#findingsBefore.has(key) ? this.#findingsBefore.get(key) : now;
      if (!now) {
        if (before) out.push(mirrorRow(before, false, this.state.customers.get(before.customerToken)));
        continue;
      }
      const unchanged =
        before !== undefined && !moved.has(now.customerToken) && before.since === now.since && before.groupToken === now.groupToken && before.groupSize === now.groupSize &&
        (before.evidence === now.evidence || JSON.stringify(before.evidence) === JSON.stringify(now.evidence));
      if (!unchanged) out.push(mirrorRow(now, true, this.state.customers.get(now.customerToken)));
    }
    return out;
  }
}

function mirrorRow(f: ActiveFinding, active: boolean, customer: CustomerFacts | undefined): FindingMirrorChange {
  return {
    ruleId: f.ruleId,
    customerToken: f.customerToken,
    active,
    since: f.since,
    sinceEventId: f.sinceEventId,
    groupToken: f.groupToken,
    groupSize: f.groupSize,
    agentToken: customer?.agentToken ?? '',
    channel: customer?.channel ?? '',
    source: customer?.source ?? '',
    evidence: JSON.stringify(f.evidence),
    version: 0,
  };
}

/** The workspace's open issues as the record issue tracker reads and changes them. */
export function workspaceIssues(ws: PatternWorkspace): IssueStateStore {
  return {
    get: (ruleId, customerToken) => ws.openIssue(ruleId, customerToken),
    openRulesOf: (customerToken) => [...(ws.state.openIssues.get(customerToken)?.keys() ?? [])],
    hasOpen: (customerToken) => ws.state.openIssues.has(customerToken),
    put: (state) => ws.putIssue(state),
    reopenable: (ruleId, customerToken) => ws.reopenable(ruleId, customerToken),
  };
}
