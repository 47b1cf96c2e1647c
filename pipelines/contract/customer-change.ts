// The event contract upstream systems publish (see README "Event contract").
// Every TypeScript type for events is derived from these schemas; nothing is written twice.
import { z } from 'zod';

const isoDate = z.iso.date(); // YYYY-MM-DD, a real calendar date
/** An instant with an explicit offset, so event time never depends on the reader's zone. */
const isoInstant = z.iso.datetime({ offset: true });

export const Op = z.enum(['create', 'update', 'delete']);
export const CustomerKind = z.enum(['person', 'organization']);
export const CustomerTier = z.enum(['general', 'important', 'core']);
export const Gender = z.enum(['M', 'F']);
export const IdType = z.enum(['CN_RESIDENT_ID', 'PASSPORT', 'HK_MO_PERMIT', 'TW_PERMIT', 'FOREIGN_PR', 'OTHER']);
export const PolicyRole = z.enum(['policyholder', 'insured', 'beneficiary']);

export const BankAccount = z.looseObject({
  number: z.string(),
  holderName: z.string().optional(),
  bank: z.string().optional(),
});

export const SettlementAccount = z.looseObject({
  number: z.string(),
  holderName: z.string().optional(),
  authorized: z.boolean().default(false),
});

export const PremiumAccount = z.looseObject({
  number: z.string(),
  holderName: z.string().optional(),
  approved: z.boolean().default(false),
});

/**
 * The after-image of a customer. Field values are deliberately loose strings: a malformed phone or
 * ID number is a data-quality finding for the rules, not a contract violation to dead-letter.
 */
export const Customer = z.looseObject({
  kind: CustomerKind,
  tier: CustomerTier.default('general'),
  name: z.string().optional(),
  gender: Gender.optional(),
  birthDate: isoDate.optional(),
  nationality: z.string().optional(),
  ethnicity: z.string().optional(),
  occupation: z.string().optional(),
  idType: IdType.optional(),
  idNumber: z.string().optional(),
  idExpiry: isoDate.optional(),
  mobile: z.string().optional(),
  landline: z.string().optional(),
  email: z.string().optional(),
  address: z.string().optional(),
  postcode: z.string().optional(),
  workUnit: z.string().optional(),
  bankAccounts: z.array(BankAccount).optional(),
  // organizations
  uscc: z.string().optional(),
  legalRepresentative: z.string().optional(),
  registeredCapital: z.union([z.number(), z.string()]).optional(),
  businessScope: z.string().optional(),
  licenseHolderName: z.string().optional(),
  fax: z.string().optional(),
  settlementAccount: SettlementAccount.optional(),
  // insurance health data: the most sensitive class
  health: z.looseObject({ declared: z.boolean().optional() }).optional(),
});

export const Policy = z.looseObject({
  policyId: z.string().min(1),
  role: PolicyRole,
  receivedAt: isoDate.optional(),
  coolingOffDays: z.number().int().min(0).max(366).optional(),
  agentId: z.string().optional(),
  channel: z.string().optional(),
  premiumAccount: PremiumAccount.optional(),
});

/**
 * The key of the customer or agent a change is about. Exact, not normalised, but never blank:
 * keyed tokens trim it (normalise.ts), so every blank key would be one customer, with one token
 * that is empty, which an issue event cannot carry.
 */
const entityKey = z.string().min(1).max(200).regex(/\S/, 'must not be blank');

const envelope = {
  eventId: z.string().min(1).max(200),
  source: z.string().min(1).max(100),
  op: Op,
  occurredAt: isoInstant,
};

export const CustomerChange = z
  .object({
    schema: z.literal('customer-change/v1'),
    ...envelope,
    customerId: entityKey,
    customer: Customer.optional(),
    policy: Policy.optional(),
  })
  .loose()
  .superRefine((event, ctx) => {
    if (event.op !== 'delete' && !event.customer) {
      ctx.addIssue({ code: 'custom', path: ['customer'], message: `required when op is "${event.op}"` });
    }
  });

export const AgentContact = z.looseObject({ mobile: z.string().optional(), address: z.string().optional() });

export const Agent = z.looseObject({
  name: z.string().optional(),
  mobile: z.string().optional(),
  address: z.string().optional(),
  relatives: z.array(AgentContact).optional(),
});

export const AgentChange = z
  .object({
    schema: z.literal('agent-change/v1'),
    ...envelope,
    agentId: entityKey,
    agent: Agent.optional(),
  })
  .loose()
  .superRefine((event, ctx) => {
    if (event.op !== 'delete' && !event.agent) {
      ctx.addIssue({ code: 'custom', path: ['agent'], message: `required when op is "${event.op}"` });
    }
  });

export const ChangeEvent = z.discriminatedUnion('schema', [CustomerChange, AgentChange]);

export type Op = z.infer<typeof Op>;
export type CustomerKind = z.infer<typeof CustomerKind>;
export type CustomerTier = z.infer<typeof CustomerTier>;
export type PolicyRole = z.infer<typeof PolicyRole>;
export type Customer = z.infer<typeof Customer>;
export type Policy = z.infer<typeof Policy>;
export type CustomerChange = z.infer<typeof CustomerChange>;
export type Agent = z.infer<typeof Agent>;
export type AgentChange = z.infer<typeof AgentChange>;
export type ChangeEvent = z.infer<typeof ChangeEvent>;
/** What producers write, before defaults are applied (e.g. `tier` may be absent). */
export type CustomerChangeInput = z.input<typeof CustomerChange>;
export type AgentChangeInput = z.input<typeof AgentChange>;
