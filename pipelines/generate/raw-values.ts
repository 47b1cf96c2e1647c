// Registers every sensitive value an event carries, for the PII-scan test.
import type { AgentChangeInput } from '../contract/customer-change.ts';
import type { CustomerImage, PolicyImage } from './model.ts';
import type { RawValueKind, TruthRecorder } from './truth.ts';

/**
 * `seen` holds the values already recorded for this customer: later events repeat most of them,
 * and a small per-customer set is much cheaper to probe than the stream-wide ones.
 */
export function recordCustomerValues(
  truth: TruthRecorder,
  customer: CustomerImage,
  policy: PolicyImage | undefined,
  seen: Set<unknown>,
): void {
  const raw = (kind: RawValueKind, value: unknown) => {
    if (seen.has(value)) return;
    seen.add(value);
    truth.raw(kind, value);
  };
  raw('names', customer.name);
  raw('names', customer.legalRepresentative);
  raw('names', customer.licenseHolderName);
  raw('mobiles', customer.mobile);
  raw('landlines', customer.landline);
  raw('idNumbers', customer.idNumber);
  raw('emails', customer.email);
  raw('addresses', customer.address);
  raw('usccs', customer.uscc);
  for (const account of customer.bankAccounts ?? []) {
    raw('bankAccounts', account.number);
    raw('names', account.holderName);
  }
  raw('bankAccounts', customer.settlementAccount?.number);
  raw('names', customer.settlementAccount?.holderName);
  raw('bankAccounts', policy?.premiumAccount?.number);
  raw('names', policy?.premiumAccount?.holderName);
}

export function recordAgentValues(truth: TruthRecorder, agent: NonNullable<AgentChangeInput['agent']>): void {
  truth.raw('names', agent.name);
  truth.raw('mobiles', agent.mobile);
  truth.raw('addresses', agent.address);
  for (const relative of agent.relatives ?? []) {
    truth.raw('mobiles', relative.mobile);
    truth.raw('addresses', relative.address);
  }
}
