import { describe, expect, it } from 'vitest';
import { requiredFields } from './required-fields.check.ts';
import { contextFor, policy, residentId, runCheck, type CustomerInput } from './test-support.ts';

const ADULT: CustomerInput = {
  kind: 'person',
  name: '张伟',
  gender: 'M',
  birthDate: '1986-03-07',
  idNumber: residentId('11010519860307123'),
  address: '北京市海淀区中关村大街1号3单元502',
  mobile: '13912345678',
};

const ORGANIZATION: CustomerInput = {
  kind: 'organization',
  name: '示例贸易有限公司',
  uscc: '91350100M000100Y43',
  legalRepresentative: '李娜',
  address: '福建省福州市鼓楼区五四路1号',
  landline: '0591-87654321',
};

function without(customer: CustomerInput, ...fields: string[]): CustomerInput {
  const copy: Record<string, unknown> = { ...customer };
  for (const field of fields) delete copy[field];
  return copy as CustomerInput;
}

describe('required-fields', () => {
  it('passes complete policyholders, persons and organizations', () => {
    expect(runCheck(requiredFields, contextFor(ADULT, { policy: policy('policyholder') }))).toEqual([]);
    expect(runCheck(requiredFields, contextFor(ADULT))).toEqual([]);
    expect(runCheck(requiredFields, contextFor(ORGANIZATION))).toEqual([]);
  });

  it('reports each missing policyholder field', () => {
    const customer = without(ADULT, 'gender', 'idNumber', 'address');
    expect(runCheck(requiredFields, contextFor(customer, { policy: policy('policyholder') }))).toEqual([
      { field: 'customer.gender', reason: 'missing' },
      { field: 'customer.idNumber', reason: 'missing' },
      { field: 'customer.address', reason: 'missing' },
    ]);
  });

  it('counts blank strings as missing', () => {
    const customer = { ...ADULT, name: '  ', address: '\u3000' };
    expect(runCheck(requiredFields, contextFor(customer))).toEqual([
      { field: 'customer.name', reason: 'missing' },
      { field: 'customer.address', reason: 'missing' },
    ]);
  });

  it('needs a mobile or a landline', () => {
    expect(runCheck(requiredFields, contextFor(without(ADULT, 'mobile')))).toEqual([{ field: 'customer.mobile', reason: 'missing-phone' }]);
    expect(runCheck(requiredFields, contextFor({ ...without(ADULT, 'mobile'), landline: '010-62345678' }))).toEqual([]);
    expect(runCheck(requiredFields, contextFor({ ...ADULT, mobile: ' ' }))).toEqual([{ field: 'customer.mobile', reason: 'missing-phone' }]);
  });

  it('asks less of an insured: no address or phone', () => {
    const insured = without(ADULT, 'address', 'mobile');
    expect(runCheck(requiredFields, contextFor(insured, { policy: policy('insured') }))).toEqual([]);
  });

  it('exempts a minor insured from the ID number', () => {
    const minor = without({ ...ADULT, birthDate: '2015-05-01' }, 'idNumber', 'address', 'mobile');
    expect(runCheck(requiredFields, contextFor(minor, { policy: policy('insured') }))).toEqual([]);
  });

  it('requires the ID number of an adult insured', () => {
    const adult = without(ADULT, 'idNumber', 'address', 'mobile');
    expect(runCheck(requiredFields, contextFor(adult, { policy: policy('insured') }))).toEqual([
      { field: 'customer.idNumber', reason: 'missing' },
    ]);
  });

  it('takes the age on the policy receipt date, falling back to asOf', () => {
    const turnsEighteen = without({ ...ADULT, birthDate: '2008-05-15' }, 'idNumber');
    const receivedBefore = policy('insured', { receivedAt: '2026-05-14' });
    const receivedOn = policy('insured', { receivedAt: '2026-05-15' });
    expect(runCheck(requiredFields, contextFor(turnsEighteen, { policy: receivedBefore }))).toEqual([]);
    expect(runCheck(requiredFields, contextFor(turnsEighteen, { policy: receivedOn }))).toHaveLength(1);
    const noReceipt = { policyId: 'P-TEST-2', role: 'insured' as const };
    expect(runCheck(requiredFields, contextFor(turnsEighteen, { policy: noReceipt, asOf: '2026-05-14' }))).toEqual([]);
    expect(runCheck(requiredFields, contextFor(turnsEighteen, { policy: noReceipt, asOf: '2026-06-01' }))).toHaveLength(1);
  });

  it('does not treat an insured without a birth date as a minor', () => {
    const unknownAge = without(ADULT, 'birthDate', 'idNumber');
    expect(runCheck(requiredFields, contextFor(unknownAge, { policy: policy('insured') }))).toEqual([
      { field: 'customer.birthDate', reason: 'missing' },
      { field: 'customer.idNumber', reason: 'missing' },
    ]);
  });

  it('requires a beneficiary name and ID, with the minor exemption', () => {
    const beneficiary: CustomerInput = { kind: 'person', name: '王芳', idNumber: residentId('31011519900101234') };
    expect(runCheck(requiredFields, contextFor(beneficiary, { policy: policy('beneficiary') }))).toEqual([]);
    expect(runCheck(requiredFields, contextFor({ kind: 'person', name: '王芳' }, { policy: policy('beneficiary') }))).toEqual([
      { field: 'customer.idNumber', reason: 'missing' },
    ]);
    const minor: CustomerInput = { kind: 'person', name: '王小芳', birthDate: '2020-01-01' };
    expect(runCheck(requiredFields, contextFor(minor, { policy: policy('beneficiary') }))).toEqual([]);
  });

  it('never exempts a minor policyholder', () => {
    const minor = without({ ...ADULT, birthDate: '2015-05-01' }, 'idNumber');
    expect(runCheck(requiredFields, contextFor(minor, { policy: policy('policyholder') }))).toEqual([
      { field: 'customer.idNumber', reason: 'missing' },
    ]);
  });

  it('reports each missing organization field', () => {
    const customer = without(ORGANIZATION, 'uscc', 'legalRepresentative', 'landline');
    expect(runCheck(requiredFields, contextFor(customer, { policy: policy('policyholder') }))).toEqual([
      { field: 'customer.uscc', reason: 'missing' },
      { field: 'customer.legalRepresentative', reason: 'missing' },
      { field: 'customer.mobile', reason: 'missing-phone' },
    ]);
  });

  it('takes field lists from params', () => {
    const params = { person: ['name', 'email'] };
    expect(runCheck(requiredFields, contextFor(ADULT), params)).toEqual([{ field: 'customer.email', reason: 'missing' }]);
    expect(requiredFields.params.safeParse({ person: ['nmae'] }).success).toBe(false);
  });
});
