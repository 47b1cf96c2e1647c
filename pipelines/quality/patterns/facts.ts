// What the pattern rules know about a customer or an agent: keyed tokens of normalised values
// (never the values) and their masks for the evidence a steward reads. Derived from one change
// event's after-image; the pattern state keeps the latest per customer and per agent.
import type { AgentChange, CustomerChange, CustomerTier } from '../../contract/customer-change.ts';
import { maskAddress, maskBankAccount, maskMobile } from '../../privacy/masking.ts';
import type { Tokenizer } from '../../privacy/tokens.ts';
import type { EventMemo } from '../../cn/event-memo.ts';
import { NO_STAND_INS, type StandInMobile } from './stand-ins.ts';

/** A value as a token (for equality across customers) and a mask (for the evidence). */
export interface Valued {
  readonly token: string;
  readonly masked: string;
}

/** A customer's mobile; a stand-in (stand-ins.ts) is compared with agents' but shared with no one. */
export interface Mobile extends Valued {
  readonly standIn?: true;
}

export interface CustomerFacts {
  readonly customerToken: string;
  /** Deleted customers hold no values and have no active findings. */
  readonly deleted: boolean;
  readonly mobile: Mobile | undefined;
  readonly address: Valued | undefined;
  /** The customer's own accounts (bank accounts and the settlement account), each once; never the premium payer's. */
  readonly accounts: readonly Valued[];
  /** The agent on the customer's policy ('' for none). */
  readonly agentToken: string;
  readonly source: string;
  readonly channel: string;
  /** The customer's tier: a pattern issue of a core-tier customer comes first, whoever's event raised it. */
  readonly tier?: CustomerTier | undefined;
  /** Event time and id of the latest event applied. */
  readonly updatedAt: string;
  readonly lastEventId: string;
  /** When `frequent-mobile-change` first held: it stays active until the customer is deleted. */
  readonly frequentSince: string | undefined;
}

/** One contact of an agent: the agent's own, or a relative's. */
export interface AgentContact extends Valued {
  readonly who: 'agent' | 'relative';
}

export interface AgentFacts {
  readonly agentToken: string;
  readonly deleted: boolean;
  readonly mobiles: readonly AgentContact[];
  readonly addresses: readonly AgentContact[];
  readonly updatedAt: string;
}

/** A mobile change: from one normalised non-empty value to a different one, at event time. */
export interface MobileChange {
  readonly at: string;
  readonly eventId: string;
}

function valued(kind: 'mobile' | 'address' | 'bank-account', value: string | undefined, tokenizer: Tokenizer, mask: (v: string) => string): Valued | undefined {
  if (value === undefined) return undefined;
  const token = tokenizer.token(kind, value);
  return token === '' ? undefined : { token, masked: mask(value) };
}

/** A mobile's token and mask, marked when it is a stand-in: from an event, or from a stored row. */
export function mobileOf(mobile: Valued | undefined, standIn: boolean): Mobile | undefined {
  return mobile && standIn ? { ...mobile, standIn: true } : mobile;
}

/** The facts one customer event states; a delete states only that the customer is gone. */
export function customerFactsOf(
  event: CustomerChange,
  customerToken: string,
  tokenizer: Tokenizer,
  standIn: StandInMobile = NO_STAND_INS,
  memo?: EventMemo,
  frequentSince?: string,
): CustomerFacts {
  const customer = event.op === 'delete' ? undefined : event.customer;
  const accounts = new Map<string, Valued>();
  const own = [...(customer?.bankAccounts ?? []).map((a) => a.number), customer?.settlementAccount?.number];
  for (const number of own) {
    const account = valued('bank-account', number, tokenizer, maskBankAccount);
    if (account && !accounts.has(account.token)) accounts.set(account.token, account);
  }
  const agentId = customer ? event.policy?.agentId : undefined;
  return {
    customerToken,
    deleted: customer === undefined,
    mobile: mobileOf(valued('mobile', customer?.mobile, tokenizer, maskMobile), customer?.mobile !== undefined && standIn(customer.mobile)),
    address: valued('address', customer?.address, tokenizer, (v) => maskAddress(v, memo)),
    accounts: [...accounts.values()],
    agentToken: agentId ? tokenizer.token('agent', agentId) : '',
    source: event.source,
    channel: event.policy?.channel ?? '',
    tier: customer?.tier ?? 'general',
    updatedAt: event.occurredAt,
    lastEventId: event.eventId,
    frequentSince: customer === undefined ? undefined : frequentSince,
  };
}

export function agentFactsOf(event: AgentChange, tokenizer: Tokenizer, memo?: EventMemo): AgentFacts {
  const agent = event.op === 'delete' ? undefined : event.agent;
  const mobiles: AgentContact[] = [];
  const addresses: AgentContact[] = [];
  const add = (who: AgentContact['who'], mobile: string | undefined, address: string | undefined) => {
    const m = valued('mobile', mobile, tokenizer, maskMobile);
    if (m) mobiles.push({ ...m, who });
    const a = valued('address', address, tokenizer, (v) => maskAddress(v, memo));
    if (a) addresses.push({ ...a, who });
  };
  if (agent) {
    add('agent', agent.mobile, agent.address);
    for (const relative of agent.relatives ?? []) add('relative', relative.mobile, relative.address);
  }
  return { agentToken: tokenizer.token('agent', event.agentId), deleted: agent === undefined, mobiles, addresses, updatedAt: event.occurredAt };
}

/** The value kinds whose holders the shared-* rules count. */
export type HeldKind = 'mobile' | 'account';

/** `mobile:<token>` / `account:<token>`: one value's key in the holder index. */
export function valueKey(kind: HeldKind, token: string): string {
  return `${kind}:${token}`;
}

/** The values a customer holds, as holder-index keys: a stand-in mobile is no value held. */
export function heldValues(facts: CustomerFacts | undefined): string[] {
  if (!facts || facts.deleted) return [];
  const keys: string[] = [];
  if (facts.mobile && !facts.mobile.standIn) keys.push(valueKey('mobile', facts.mobile.token));
  for (const account of facts.accounts) keys.push(valueKey('account', account.token));
  return keys;
}
