// One change event → one row of the analysts' `records` table: masks for display, keyed tokens for
// joins, bands and codes for aggregation, and nothing an analyst could read a person back from
// (domain §7). The column names are a contract with the ClickHouse sink (it maps them to snake_case).
import { z } from 'zod';
import type { AgentChange, ChangeEvent, Customer, CustomerChange, Policy } from '../contract/customer-change.ts';
import { CustomerTier, Gender, IdType, PolicyRole } from '../contract/customer-change.ts';
import { parsedAddress, type EventMemo } from '../cn/event-memo.ts';
import { provinceOfResidentId } from '../cn/cn-regions.ts';
import { AGE_BANDS, ageBandOf } from './age-band.ts';
import { DATA_CLASSES, protectionClassOf, SECRECY_LEVELS, secrecyLevelOf } from './classification.ts';
import { maskValueForField } from './field-mask.ts';
import type { Tokenizer } from './tokens.ts';

export { maskValueForField } from './field-mask.ts';

const orBlank = <T extends z.ZodType>(schema: T) => z.union([schema, z.literal('')]);

export const MaskedRecord = z.strictObject({
  entity: z.enum(['customer', 'agent']),
  customerToken: z.string(),
  kind: z.enum(['person', 'organization', 'agent', '']),
  tier: orBlank(CustomerTier),
  secrecyLevel: orBlank(z.enum(SECRECY_LEVELS)),
  protectionClass: orBlank(z.enum(DATA_CLASSES)),
  policyRole: orBlank(PolicyRole),
  policyToken: z.string(),
  agentToken: z.string(),
  channel: z.string(),
  nameMasked: z.string(),
  idType: orBlank(IdType),
  idNumberMasked: z.string(),
  mobileMasked: z.string(),
  landlineMasked: z.string(),
  emailMasked: z.string(),
  addressMasked: z.string(),
  usccMasked: z.string(),
  legalRepresentativeMasked: z.string(),
  /** Parallel to `bankAccountTokens`: the same accounts, in the same order. */
  bankAccountsMasked: z.array(z.string()),
  mobileToken: z.string(),
  idNumberToken: z.string(),
  /** Customer accounts, settlement account and premium account, each account once. */
  bankAccountTokens: z.array(z.string()),
  province: z.string(),
  ageBand: orBlank(z.enum(AGE_BANDS)),
  gender: orBlank(Gender),
  /** Whether health data exists; its content never leaves the pipeline. */
  hasHealthData: z.boolean(),
});
export type MaskedRecord = z.infer<typeof MaskedRecord>;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function emptyRecord(entity: MaskedRecord['entity'], customerToken: string): MaskedRecord {
  return {
    entity,
    customerToken,
    kind: '',
    tier: '',
    secrecyLevel: '',
    protectionClass: '',
    policyRole: '',
    policyToken: '',
    agentToken: '',
    channel: '',
    nameMasked: '',
    idType: '',
    idNumberMasked: '',
    mobileMasked: '',
    landlineMasked: '',
    emailMasked: '',
    addressMasked: '',
    usccMasked: '',
    legalRepresentativeMasked: '',
    bankAccountsMasked: [],
    mobileToken: '',
    idNumberToken: '',
    bankAccountTokens: [],
    province: '',
    ageBand: '',
    gender: '',
    hasHealthData: false,
  };
}

function provinceOfAddress(address: string | undefined, memo: EventMemo | undefined): string {
  return address === undefined ? '' : (parsedAddress(address, memo).province ?? '');
}

/**
 * Each account once, keyed by token so "6222 0000…" and "62220000…" count as one: the customer's
 * accounts, then the settlement account, then the premium account. Masked by the policy of their
 * path; every customer account shares one (`customer.bankAccounts[].number`).
 */
function bankAccounts(customer: Customer, policy: Policy | undefined, tokenizer: Tokenizer): { masked: string[]; tokens: string[] } {
  const masked: string[] = [];
  const tokens: string[] = [];
  const add = (path: string, number: string | undefined) => {
    if (number === undefined) return;
    const token = tokenizer.token('bank-account', number);
    if (token === '' || tokens.includes(token)) return;
    tokens.push(token);
    masked.push(maskValueForField(path, number));
  };
  for (const account of customer.bankAccounts ?? []) add('customer.bankAccounts[].number', account.number);
  add('customer.settlementAccount.number', customer.settlementAccount?.number);
  add('policy.premiumAccount.number', policy?.premiumAccount?.number);
  return { masked, tokens };
}

function maskCustomerChange(event: CustomerChange, tokenizer: Tokenizer, asOf: string, memo: EventMemo | undefined): MaskedRecord {
  const customerToken = tokenizer.token('customer', event.customerId);
  const customer = event.customer;
  if (event.op === 'delete' || customer === undefined) return emptyRecord('customer', customerToken);
  const policy = event.policy;
  const isResidentId = customer.idType === undefined || customer.idType === 'CN_RESIDENT_ID';
  const accounts = bankAccounts(customer, policy, tokenizer);
  const tier = customer.tier ?? 'general';
  // Every field, in emptyRecord's order, built once.
  return {
    entity: 'customer',
    customerToken,
    kind: customer.kind,
    tier,
    secrecyLevel: secrecyLevelOf(tier),
    protectionClass: protectionClassOf(event),
    policyRole: policy?.role ?? '',
    policyToken: policy ? tokenizer.token('policy', policy.policyId) : '',
    agentToken: policy?.agentId === undefined ? '' : tokenizer.token('agent', policy.agentId),
    channel: maskValueForField('policy.channel', policy?.channel),
    nameMasked: maskValueForField('customer.name', customer.name),
    idType: customer.idType ?? '',
    idNumberMasked: maskValueForField('customer.idNumber', customer.idNumber),
    mobileMasked: maskValueForField('customer.mobile', customer.mobile),
    landlineMasked: maskValueForField('customer.landline', customer.landline),
    emailMasked: maskValueForField('customer.email', customer.email),
    addressMasked: maskValueForField('customer.address', customer.address, memo),
    usccMasked: maskValueForField('customer.uscc', customer.uscc),
    legalRepresentativeMasked: maskValueForField('customer.legalRepresentative', customer.legalRepresentative),
    bankAccountsMasked: accounts.masked,
    mobileToken: customer.mobile === undefined ? '' : tokenizer.token('mobile', customer.mobile),
    idNumberToken: customer.idNumber === undefined ? '' : tokenizer.token('id-number', customer.idNumber),
    bankAccountTokens: accounts.tokens,
    province:
      (isResidentId && customer.idNumber !== undefined ? provinceOfResidentId(customer.idNumber) : undefined) ??
      provinceOfAddress(customer.address, memo),
    ageBand: ageBandOf(customer.birthDate, asOf),
    gender: customer.gender ?? '',
    hasHealthData: customer.health !== undefined && customer.health !== null,
  };
}

function maskAgentChange(event: AgentChange, tokenizer: Tokenizer, memo: EventMemo | undefined): MaskedRecord {
  const agentToken = tokenizer.token('agent', event.agentId);
  const record = emptyRecord('agent', agentToken);
  const agent = event.agent;
  if (event.op === 'delete' || agent === undefined) return record;
  return {
    ...record,
    kind: 'agent',
    protectionClass: protectionClassOf(event),
    agentToken,
    nameMasked: maskValueForField('agent.name', agent.name),
    mobileMasked: maskValueForField('agent.mobile', agent.mobile),
    addressMasked: maskValueForField('agent.address', agent.address, memo),
    mobileToken: agent.mobile === undefined ? '' : tokenizer.token('mobile', agent.mobile),
    province: provinceOfAddress(agent.address, memo),
  };
}

/**
 * The analytics row for one event. `asOf` is the event date (YYYY-MM-DD, Asia/Shanghai) that the
 * age band is computed at. A delete carries no after-image: only `entity` and `customerToken` are
 * set (`kind` is ''), so the row records that the customer went away and nothing else. `memo`:
 * the event's, shared with its rules, so a value is parsed once for both.
 */
export function maskChangeEvent(event: ChangeEvent, tokenizer: Tokenizer, asOf: string, memo?: EventMemo): MaskedRecord {
  if (!ISO_DATE.test(asOf)) throw new RangeError('asOf must be a YYYY-MM-DD date');
  return event.schema === 'agent-change/v1'
    ? maskAgentChange(event, tokenizer, memo)
    : maskCustomerChange(event, tokenizer, asOf, memo);
}
