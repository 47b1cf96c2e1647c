// The scenario catalogue: each injects one case of a pattern rule (or a decoy that must not be one)
// by editing the customers that take part in it and scripting the rest of their histories. Values
// are valid and unique where they are not meant to be shared, and each shared value is written in a
// different form by each holder (pattern-variants.ts).
import type { Rng } from './rng.ts';
import type { CustomerState, PatternRuleId } from './model.ts';
import type { BuildContext } from './records.ts';
import type { AgentRecord } from './agents.ts';
import type { Defect } from './defects.ts';
import type { ScenarioAgents } from './pattern-agents.ts';
import type { ScenarioRecord } from './pattern-truth.ts';
import { accountScript, addressScript, mobileScript, type CustomerScript, type ScriptEdit } from './pattern-script.ts';
import { newMobile } from './identifiers.ts';
import { normaliseAccount, normaliseMobile } from './pattern-values.ts';
import {
  ACCOUNT_FORMS,
  ADDRESS_FORMS,
  MOBILE_FORMS,
  accountFormTripsFormat,
  writeAccount,
  writeAddress,
  writeMobile,
  type AccountForm,
} from './pattern-variants.ts';
import { DAY_MS, HOUR_MS } from './time.ts';

export interface Candidate {
  readonly state: CustomerState;
  readonly createdAt: number;
}

export interface ScenarioTools {
  readonly rng: Rng;
  /** The pattern RNG with the stream's registry: fresh values stay unique across the stream. */
  readonly ctx: BuildContext;
  readonly agents: ScenarioAgents;
  /** The ordinary agents as they stand at the end of the stream. */
  readonly regularAgents: ReadonlyMap<string, AgentRecord>;
  /** No scripted event may be later: keeps every history inside the stream's usual span. */
  readonly horizon: number;
  /**
   * Agent values (`<agentId>/<field>`) a scenario already gave a customer: two customers reusing one
   * would also share it with each other, a second pattern nobody planned.
   */
  readonly reusedAgentValues: Set<string>;
  /** The next of `forms` in a rotation kept per `key`: every form turns up within a few uses. */
  nextForm<T>(key: string, forms: readonly T[]): T;
}

export interface Instance {
  readonly record: ScenarioRecord;
  /** The shared value as compared: an 11-digit mobile or account digits. */
  value: string;
  bank: string | undefined;
  holderName: string | undefined;
  /** The next part may only be taken by a customer created after this. */
  notBefore: number;
}

export interface ScenarioKind {
  readonly name: string;
  readonly rule: PatternRuleId;
  /** Customers taking part, in order; the first starts an instance. */
  readonly parts: number;
  eligible(part: number, candidate: Candidate, instance: Instance | undefined, tools: ScenarioTools): boolean;
  /** Edits the candidate's create image and returns the script for the rest of its history. */
  take(part: number, candidate: Candidate, instance: Instance, tools: ScenarioTools): CustomerScript;
}

/** A shared account written with dashes also fails the account-format rule: declared like any defect. */
export const SHARED_ACCOUNT_WITH_DASHES: Defect = {
  id: 'shared-account-with-dashes',
  rules: ['bank-account-format'],
  belowIssueThreshold: [],
  parts: ['account'],
  rate: 0,
  eligible: () => false,
  apply: () => undefined,
};

// ---- helpers ------------------------------------------------------------------------------------

const adult = (c: Candidate) => !c.state.profile.minor;
const adultPerson = (c: Candidate) => adult(c) && c.state.profile.kind === 'person';
const policyholder = (c: Candidate) => c.state.profile.role === 'policyholder';
const idOf = (c: Candidate) => c.state.profile.customerId;
const fits = (c: Candidate, days: number, tools: ScenarioTools) => c.createdAt + days * DAY_MS <= tools.horizon;

/** A time between `minMs` and `maxMs` after `from`, to the second. */
function after(rng: Rng, from: number, minMs: number, maxMs: number): number {
  return from + rng.int(minMs / 1000, maxMs / 1000) * 1000;
}

function expectActive(instance: Instance, c: Candidate): void {
  instance.record.expectedActive.push(idOf(c));
}

/** A fresh unique mobile written in the next form of `key`'s rotation. */
function freshMobile(tools: ScenarioTools, key: string): string {
  return writeMobile(newMobile(tools.rng, tools.ctx.registry), tools.nextForm(key, MOBILE_FORMS));
}

/** The candidate's mobile as compared, giving it one first if it has none. */
function ensureMobile(c: Candidate, tools: ScenarioTools, key: string): string {
  const { customer } = c.state;
  customer.mobile ??= freshMobile(tools, key);
  return normaliseMobile(customer.mobile);
}

/** The candidate starts a shared-mobile group with its own (valid, so far unique) mobile. */
function startMobileGroup(c: Candidate, instance: Instance, tools: ScenarioTools): void {
  instance.value = ensureMobile(c, tools, 'shared-mobile');
}

function writeSharedMobile(instance: Instance, tools: ScenarioTools): string {
  return writeMobile(instance.value, tools.nextForm('shared-mobile', MOBILE_FORMS));
}

/** An update at `time` that moves the customer's mobile away to a fresh one. */
function mobileChange(tools: ScenarioTools, time: number): ScriptEdit {
  const mobile = freshMobile(tools, 'changed-mobile');
  return { time, apply: (s) => void (s.customer.mobile = mobile) };
}

function shareAccount(c: Candidate, instance: Instance, tools: ScenarioTools, asSettlement: boolean): CustomerScript {
  const form: AccountForm = tools.nextForm('shared-account', ACCOUNT_FORMS);
  const number = writeAccount(instance.value, form);
  const { customer, profile } = c.state;
  if (asSettlement && customer.settlementAccount) customer.settlementAccount.number = number;
  else customer.bankAccounts = [...(customer.bankAccounts ?? []), { number, holderName: profile.realName, ...(instance.bank ? { bank: instance.bank } : {}) }];
  expectActive(instance, c);
  return accountScript(instance.record.id, { createDefects: accountFormTripsFormat(form) ? [SHARED_ACCOUNT_WITH_DASHES] : [] });
}

/** An ordinary agent on the candidate's policy, if any. */
function regularAgentOf(c: Candidate, tools: ScenarioTools): { agentId: string; record: AgentRecord } | undefined {
  const agentId = c.state.policy?.agentId;
  const record = agentId === undefined ? undefined : tools.regularAgents.get(agentId);
  return agentId !== undefined && record ? { agentId, record } : undefined;
}

interface ReusableValue {
  readonly key: string;
  readonly value: string;
}

function unusedMobiles(agentId: string, record: AgentRecord, tools: ScenarioTools, relatives: boolean): ReusableValue[] {
  const found: ReusableValue[] = [];
  if (!relatives && record.image.mobile !== undefined) found.push({ key: `${agentId}/mobile`, value: record.image.mobile });
  if (relatives) {
    record.image.relatives?.forEach((r, i) => {
      if (r.mobile !== undefined) found.push({ key: `${agentId}/relatives/${i}/mobile`, value: r.mobile });
    });
  }
  return found.filter((v) => !tools.reusedAgentValues.has(v.key));
}

function unusedAddresses(agentId: string, record: AgentRecord, tools: ScenarioTools): ReusableValue[] {
  const found: ReusableValue[] = [];
  if (record.image.address !== undefined) found.push({ key: `${agentId}/address`, value: record.image.address });
  record.image.relatives?.forEach((r, i) => {
    if (r.address !== undefined) found.push({ key: `${agentId}/relatives/${i}/address`, value: r.address });
  });
  return found.filter((v) => !tools.reusedAgentValues.has(v.key));
}

function reuseMobile(c: Candidate, value: ReusableValue, tools: ScenarioTools): void {
  tools.reusedAgentValues.add(value.key);
  c.state.customer.mobile = writeMobile(normaliseMobile(value.value), tools.nextForm('agent-mobile', MOBILE_FORMS));
}

function reuseAddress(c: Candidate, value: ReusableValue, record: AgentRecord, tools: ScenarioTools): void {
  tools.reusedAgentValues.add(value.key);
  c.state.customer.address = writeAddress(value.value, record.region, tools.nextForm('agent-address', ADDRESS_FORMS));
  c.state.customer.postcode = record.region.postcode;
}

// ---- the catalogue ------------------------------------------------------------------------------

const SHARED_MOBILE: readonly ScenarioKind[] = [
  {
    name: 'mobile-pair',
    rule: 'shared-mobile',
    parts: 2,
    eligible: (part, c, _i, tools) => adult(c) && (part === 0 || fits(c, 6, tools)),
    take(part, c, instance, tools) {
      expectActive(instance, c);
      if (part === 0) {
        startMobileGroup(c, instance, tools);
        return mobileScript(instance.record.id);
      }
      // Some holders come to share the number by an update rather than from their first record.
      if (tools.rng.chance(0.3)) {
        const mobile = writeSharedMobile(instance, tools);
        const time = after(tools.rng, c.createdAt, 2 * HOUR_MS, 5 * DAY_MS);
        ensureMobile(c, tools, 'changed-mobile');
        return mobileScript(instance.record.id, { updates: [{ time, apply: (s) => void (s.customer.mobile = mobile) }] });
      }
      c.state.customer.mobile = writeSharedMobile(instance, tools);
      return mobileScript(instance.record.id);
    },
  },
  {
    name: 'mobile-triple',
    rule: 'shared-mobile',
    parts: 3,
    eligible: (_p, c) => adult(c),
    take(part, c, instance, tools) {
      expectActive(instance, c);
      if (part === 0) startMobileGroup(c, instance, tools);
      else c.state.customer.mobile = writeSharedMobile(instance, tools);
      return mobileScript(instance.record.id);
    },
  },
  {
    name: 'mobile-pair-broken-by-update',
    rule: 'shared-mobile',
    parts: 2,
    eligible: (part, c, _i, tools) => adult(c) && (part === 0 || fits(c, 9, tools)),
    take(part, c, instance, tools) {
      if (part === 0) {
        startMobileGroup(c, instance, tools);
        return mobileScript(instance.record.id);
      }
      c.state.customer.mobile = writeSharedMobile(instance, tools);
      return mobileScript(instance.record.id, { updates: [mobileChange(tools, after(tools.rng, c.createdAt, DAY_MS, 8 * DAY_MS))] });
    },
  },
  {
    name: 'mobile-pair-broken-by-delete',
    rule: 'shared-mobile',
    parts: 2,
    eligible: (part, c, _i, tools) => adult(c) && (part === 0 || fits(c, 9, tools)),
    take(part, c, instance, tools) {
      if (part === 0) {
        startMobileGroup(c, instance, tools);
        return mobileScript(instance.record.id);
      }
      c.state.customer.mobile = writeSharedMobile(instance, tools);
      return mobileScript(instance.record.id, { deletion: { notBefore: after(tools.rng, c.createdAt, DAY_MS, 8 * DAY_MS) } });
    },
  },
  {
    // A pair breaks (update or delete), then a customer created after the break takes the number.
    name: 'mobile-group-re-formed',
    rule: 'shared-mobile',
    parts: 3,
    eligible: (part, c, instance, tools) =>
      adult(c) && (part === 0 || (part === 1 && fits(c, 9, tools)) || (part === 2 && instance !== undefined && c.createdAt > instance.notBefore)),
    take(part, c, instance, tools) {
      if (part === 0) {
        expectActive(instance, c);
        startMobileGroup(c, instance, tools);
        return mobileScript(instance.record.id);
      }
      c.state.customer.mobile = writeSharedMobile(instance, tools);
      if (part === 2) {
        expectActive(instance, c);
        return mobileScript(instance.record.id);
      }
      const breakAt = after(tools.rng, c.createdAt, DAY_MS, 8 * DAY_MS);
      instance.notBefore = Infinity;
      if (tools.rng.chance(0.5)) {
        instance.notBefore = breakAt + HOUR_MS;
        return mobileScript(instance.record.id, { updates: [mobileChange(tools, breakAt)] });
      }
      return mobileScript(instance.record.id, {
        deletion: { notBefore: breakAt },
        onPlanned: ({ deletedAt }) => void (instance.notBefore = (deletedAt ?? Infinity) + HOUR_MS),
      });
    },
  },
];

const SHARED_ACCOUNT: readonly ScenarioKind[] = [
  {
    name: 'account-shared-bank-accounts',
    rule: 'shared-bank-account',
    parts: 2,
    eligible: (part, c) => adultPerson(c) && (part === 1 || (c.state.customer.bankAccounts?.length ?? 0) > 0),
    take(part, c, instance, tools) {
      if (part === 1) return shareAccount(c, instance, tools, false);
      const account = c.state.customer.bankAccounts?.[0];
      instance.value = normaliseAccount(account?.number ?? '');
      instance.bank = account?.bank;
      expectActive(instance, c);
      return accountScript(instance.record.id);
    },
  },
  {
    name: 'account-shared-settlement',
    rule: 'shared-bank-account',
    parts: 2,
    eligible: (part, c) =>
      part === 0 ? c.state.customer.settlementAccount !== undefined : adultPerson(c) || c.state.customer.settlementAccount !== undefined,
    take(part, c, instance, tools) {
      if (part === 1) return shareAccount(c, instance, tools, c.state.customer.settlementAccount !== undefined);
      instance.value = normaliseAccount(c.state.customer.settlementAccount?.number ?? '');
      expectActive(instance, c);
      return accountScript(instance.record.id);
    },
  },
  {
    // A relative's own account pays a policyholder's premium, approved: normal, never a finding.
    name: 'premium-account-decoy',
    rule: 'shared-bank-account',
    parts: 2,
    eligible: (part, c) =>
      part === 0 ? adultPerson(c) && (c.state.customer.bankAccounts?.length ?? 0) > 0 : policyholder(c) && c.state.policy?.premiumAccount !== undefined,
    take(part, c, instance, tools) {
      if (part === 0) {
        instance.value = normaliseAccount(c.state.customer.bankAccounts?.[0]?.number ?? '');
        instance.holderName = c.state.profile.realName;
        return accountScript(instance.record.id);
      }
      const form = tools.nextForm<AccountForm>('premium-account', ['grouped-spaces', 'plain']);
      if (c.state.policy) {
        c.state.policy.premiumAccount = { number: writeAccount(instance.value, form), holderName: instance.holderName ?? '', approved: true };
      }
      return accountScript(instance.record.id);
    },
  },
];

const AGENT_REUSE: readonly ScenarioKind[] = [
  {
    name: 'agent-own-mobile',
    rule: 'agent-contact-reuse',
    parts: 1,
    eligible(_p, c, _i, tools) {
      const agent = regularAgentOf(c, tools);
      return adultPerson(c) && agent !== undefined && unusedMobiles(agent.agentId, agent.record, tools, false).length > 0;
    },
    take(_p, c, instance, tools) {
      const agent = regularAgentOf(c, tools);
      const value = agent && unusedMobiles(agent.agentId, agent.record, tools, false)[0];
      if (!agent || !value) throw new Error('agent-own-mobile taken by an ineligible customer');
      reuseMobile(c, value, tools);
      instance.record.agents.push(agent.agentId);
      expectActive(instance, c);
      return mobileScript(instance.record.id);
    },
  },
  {
    name: 'agent-relative-mobile',
    rule: 'agent-contact-reuse',
    parts: 1,
    eligible(_p, c, _i, tools) {
      const agent = regularAgentOf(c, tools);
      return adultPerson(c) && agent !== undefined && unusedMobiles(agent.agentId, agent.record, tools, true).length > 0;
    },
    take(_p, c, instance, tools) {
      const agent = regularAgentOf(c, tools);
      if (!agent) throw new Error('agent-relative-mobile taken by an ineligible customer');
      reuseMobile(c, tools.rng.pick(unusedMobiles(agent.agentId, agent.record, tools, true)), tools);
      instance.record.agents.push(agent.agentId);
      expectActive(instance, c);
      return mobileScript(instance.record.id);
    },
  },
  {
    name: 'agent-address',
    rule: 'agent-contact-reuse',
    parts: 1,
    eligible(_p, c, _i, tools) {
      const agent = regularAgentOf(c, tools);
      return adultPerson(c) && agent !== undefined && unusedAddresses(agent.agentId, agent.record, tools).length > 0;
    },
    take(_p, c, instance, tools) {
      const agent = regularAgentOf(c, tools);
      if (!agent) throw new Error('agent-address taken by an ineligible customer');
      // Mostly the agent's own address, sometimes a relative's.
      const options = unusedAddresses(agent.agentId, agent.record, tools);
      const value = (tools.rng.chance(0.7) ? options[0] : tools.rng.pick(options)) as ReusableValue;
      reuseAddress(c, value, agent.record, tools);
      instance.record.agents.push(agent.agentId);
      expectActive(instance, c);
      return addressScript(instance.record.id);
    },
  },
  {
    // The customer reuses the contact data of an agent whose own record only arrives days later.
    name: 'agent-published-late',
    rule: 'agent-contact-reuse',
    parts: 1,
    eligible: (_p, c, _i, tools) => policyholder(c) && fits(c, 7, tools),
    take(_p, c, instance, tools) {
      const agent = tools.agents.publishLate(after(tools.rng, c.createdAt, DAY_MS, 6 * DAY_MS));
      const record: AgentRecord = agent;
      if (c.state.policy) c.state.policy.agentId = agent.agentId;
      instance.record.agents.push(agent.agentId);
      expectActive(instance, c);
      const field = tools.nextForm('late-agent-field', ['mobile', 'address', 'relative-mobile'] as const);
      if (field === 'address') {
        const [value] = unusedAddresses(agent.agentId, record, tools);
        if (value) reuseAddress(c, value, record, tools);
        return addressScript(instance.record.id, { policyAgentId: agent.agentId });
      }
      const [value] = unusedMobiles(agent.agentId, record, tools, field === 'relative-mobile');
      if (value) reuseMobile(c, value, tools);
      return mobileScript(instance.record.id, { policyAgentId: agent.agentId });
    },
  },
  {
    // The customer reuses its agent's phone; the agent's own phone then changes: the finding ends.
    name: 'agent-mobile-changes-away',
    rule: 'agent-contact-reuse',
    parts: 1,
    eligible: (_p, c, _i, tools) => policyholder(c) && tools.agents.poolLeft > 0 && fits(c, 11, tools),
    take(_p, c, instance, tools) {
      const agent = tools.agents.takeFromPool();
      if (!agent || agent.image.mobile === undefined) throw new Error('agent-mobile-changes-away without a pool agent');
      if (c.state.policy) c.state.policy.agentId = agent.agentId;
      reuseMobile(c, { key: `${agent.agentId}/mobile`, value: agent.image.mobile }, tools);
      tools.agents.changeMobile(agent, after(tools.rng, c.createdAt, DAY_MS, 10 * DAY_MS));
      instance.record.agents.push(agent.agentId);
      return mobileScript(instance.record.id, { policyAgentId: agent.agentId });
    },
  },
];

const MOBILE_HISTORY: readonly ScenarioKind[] = [
  {
    name: 'mobile-changes-within-25-days',
    rule: 'frequent-mobile-change',
    parts: 1,
    eligible: (_p, c, _i, tools) => adult(c) && fits(c, 36, tools),
    take(_p, c, instance, tools) {
      ensureMobile(c, tools, 'changed-mobile');
      const first = after(tools.rng, c.createdAt, DAY_MS, 10 * DAY_MS);
      const second = after(tools.rng, first, DAY_MS, 25 * DAY_MS);
      expectActive(instance, c);
      return mobileScript(instance.record.id, { updates: [mobileChange(tools, first), mobileChange(tools, second)] });
    },
  },
  {
    name: 'mobile-changes-40-days-apart',
    rule: 'frequent-mobile-change',
    parts: 1,
    eligible: (_p, c, _i, tools) => adult(c) && fits(c, 45, tools),
    take(_p, c, instance, tools) {
      ensureMobile(c, tools, 'changed-mobile');
      const first = after(tools.rng, c.createdAt, DAY_MS, 3 * DAY_MS);
      const second = after(tools.rng, first, 40 * DAY_MS, 40 * DAY_MS + 12 * HOUR_MS);
      return mobileScript(instance.record.id, { updates: [mobileChange(tools, first), mobileChange(tools, second)] });
    },
  },
  // Either side of the window's edge, clear of the edge itself (and a calendar day's slack either
  // way): a window a day or two too short or too long shows here.
  windowEdge('mobile-changes-29-days-apart', 29, true),
  windowEdge('mobile-changes-31-days-apart', 31, false),
  {
    name: 'mobile-changes-then-deleted',
    rule: 'frequent-mobile-change',
    parts: 1,
    eligible: (_p, c, _i, tools) => adult(c) && fits(c, 36, tools),
    take(_p, c, instance, tools) {
      ensureMobile(c, tools, 'changed-mobile');
      const first = after(tools.rng, c.createdAt, DAY_MS, 10 * DAY_MS);
      const second = after(tools.rng, first, DAY_MS, 25 * DAY_MS);
      return mobileScript(instance.record.id, {
        updates: [mobileChange(tools, first), mobileChange(tools, second)],
        deletion: { notBefore: after(tools.rng, second, DAY_MS, 5 * DAY_MS) },
      });
    },
  },
  {
    // The same number rewritten in other forms: no change at all once normalised.
    name: 'mobile-reformatted-only',
    rule: 'frequent-mobile-change',
    parts: 1,
    eligible: (_p, c, _i, tools) => adult(c) && fits(c, 21, tools),
    take(_p, c, instance, tools) {
      const national = ensureMobile(c, tools, 'changed-mobile');
      const written = new Set([c.state.customer.mobile]);
      const rewrite = (time: number): ScriptEdit => {
        let mobile = writeMobile(national, tools.nextForm('reformatted-mobile', MOBILE_FORMS));
        while (written.has(mobile)) mobile = writeMobile(national, tools.nextForm('reformatted-mobile', MOBILE_FORMS));
        written.add(mobile);
        return { time, apply: (s) => void (s.customer.mobile = mobile) };
      };
      const first = after(tools.rng, c.createdAt, DAY_MS, 10 * DAY_MS);
      const second = after(tools.rng, first, DAY_MS, 10 * DAY_MS);
      return mobileScript(instance.record.id, { updates: [rewrite(first), rewrite(second)] });
    },
  },
];

function windowEdge(name: string, days: number, active: boolean): ScenarioKind {
  return {
    name,
    rule: 'frequent-mobile-change',
    parts: 1,
    eligible: (_p, c, _i, tools) => adult(c) && fits(c, days + 4, tools),
    take(_p, c, instance, tools) {
      ensureMobile(c, tools, 'changed-mobile');
      const first = after(tools.rng, c.createdAt, DAY_MS, 3 * DAY_MS);
      const second = after(tools.rng, first, days * DAY_MS, days * DAY_MS + 12 * HOUR_MS);
      if (active) expectActive(instance, c);
      return mobileScript(instance.record.id, { updates: [mobileChange(tools, first), mobileChange(tools, second)] });
    },
  };
}

export const SCENARIOS: readonly ScenarioKind[] = [...SHARED_MOBILE, ...SHARED_ACCOUNT, ...AGENT_REUSE, ...MOBILE_HISTORY];
export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);
