import { z } from 'zod';
import { Customer, PolicyRole } from '../../pipelines/contract/customer-change.ts';
import type { Check, CheckContext, Violation } from './types.ts';
import { ageOn } from '../../pipelines/cn/dates.ts';

/** `phone` stands for "a mobile or a landline". */
const PHONE = 'phone';
const FieldName = z.enum([PHONE, ...Object.keys(Customer.shape)] as [string, ...string[]]);
const fieldList = (defaults: string[]) => z.array(FieldName).default(defaults);

const PERSON_FIELDS = ['name', 'gender', 'birthDate', 'idNumber', 'address', PHONE];

export const requiredFieldsParams = z.strictObject({
  /** A person with no policy context, e.g. a bank customer. */
  person: fieldList(PERSON_FIELDS),
  policyholder: fieldList(PERSON_FIELDS),
  insured: fieldList(['name', 'gender', 'birthDate', 'idNumber']),
  beneficiary: fieldList(['name', 'idNumber']),
  /** Applies whatever the policy role, since an organization has no birth date or gender. */
  organization: fieldList(['name', 'uscc', 'legalRepresentative', 'address', PHONE]),
  minorAge: z.number().int().min(0).max(30).default(18),
  minorExemptRoles: z.array(PolicyRole).default(['insured', 'beneficiary']),
  minorExemptFields: z.array(FieldName).default(['idNumber']),
});
export type RequiredFieldsParams = z.infer<typeof requiredFieldsParams>;

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function requiredFor({ customer, policy }: CheckContext, params: RequiredFieldsParams): string[] {
  if (customer.kind === 'organization') return params.organization;
  return policy ? params[policy.role] : params.person;
}

/** A minor's age is taken on the policy's receipt date: the day the record had to be complete. */
function isExemptMinor({ customer, policy, asOf }: CheckContext, params: RequiredFieldsParams): boolean {
  if (customer.kind !== 'person' || !policy || !params.minorExemptRoles.includes(policy.role)) return false;
  if (customer.birthDate === undefined) return false;
  const age = ageOn(customer.birthDate, policy.receivedAt ?? asOf);
  return age !== undefined && age < params.minorAge;
}

/** Each field list once (a list may name a field twice); lists in parsed params never change. */
const distinct = new WeakMap<readonly string[], readonly string[]>();
function distinctFields(fields: readonly string[]): readonly string[] {
  let unique = distinct.get(fields);
  if (unique === undefined) distinct.set(fields, (unique = [...new Set(fields)]));
  return unique;
}

export const requiredFields: Check<RequiredFieldsParams> = {
  name: 'required-fields',
  params: requiredFieldsParams,
  run(context, params) {
    const { customer } = context;
    const exempt = isExemptMinor(context, params) ? params.minorExemptFields : undefined;
    const violations: Violation[] = [];
    for (const field of distinctFields(requiredFor(context, params))) {
      if (exempt?.includes(field)) continue;
      if (field === PHONE) {
        if (!isPresent(customer.mobile) && !isPresent(customer.landline)) {
          violations.push({ field: 'customer.mobile', reason: 'missing-phone' });
        }
      } else if (!isPresent(customer[field])) {
        violations.push({ field: `customer.${field}`, reason: 'missing' });
      }
    }
    return violations;
  },
};
