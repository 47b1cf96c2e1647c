// What the pattern truth needs from an event, taken from the very object that is serialised into
// the stream (so the truth follows what was written, accidents included, not what was intended).
// Customer values stay as written: most are never compared, so pattern-truth.ts normalises only
// the final state and actual changes. Agents are few and compared often: normalised at once.
import type { AgentChangeInput, CustomerChangeInput } from '../contract/customer-change.ts';
import { normaliseAddress, normaliseMobile } from './pattern-values.ts';

export interface CustomerFacts {
  readonly customerId: string;
  /** Epoch milliseconds of occurredAt. */
  readonly time: number;
  /** As written; '' when absent (an update's absent field is a value that is gone). */
  readonly mobile: string;
  /** Own account numbers as written (bank accounts and settlement account; never the premium account). */
  readonly accounts: readonly string[];
  readonly address: string;
  readonly agentId: string | undefined;
}

export interface AgentFacts {
  readonly agentId: string;
  /** Normalised, like everything of an agent. */
  readonly mobile: string;
  readonly address: string;
  readonly relativeMobiles: readonly string[];
  readonly relativeAddresses: readonly string[];
}

type Customer = NonNullable<CustomerChangeInput['customer']>;
type Policy = NonNullable<CustomerChangeInput['policy']>;
type Agent = NonNullable<AgentChangeInput['agent']>;

export function customerFacts(customerId: string, time: number, customer: Customer, policy: Policy | undefined): CustomerFacts {
  // Copied now: a defect may later rewrite an account object this image shares with the next one.
  const accounts = (customer.bankAccounts ?? []).map((account) => account.number);
  if (customer.settlementAccount) accounts.push(customer.settlementAccount.number);
  return { customerId, time, mobile: customer.mobile ?? '', accounts, address: customer.address ?? '', agentId: policy?.agentId };
}

const mobileOf = (value: string | undefined) => (value === undefined ? '' : normaliseMobile(value));
const addressOf = (value: string | undefined) => (value === undefined ? '' : normaliseAddress(value));

export function agentFacts(agentId: string, agent: Agent): AgentFacts {
  const relatives = agent.relatives ?? [];
  return {
    agentId,
    mobile: mobileOf(agent.mobile),
    address: addressOf(agent.address),
    relativeMobiles: relatives.map((r) => mobileOf(r.mobile)).filter((m) => m !== ''),
    relativeAddresses: relatives.map((r) => addressOf(r.address)).filter((a) => a !== ''),
  };
}
