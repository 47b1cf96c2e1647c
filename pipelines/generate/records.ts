// Clean customer records and clean updates. Everything built here must pass every rule: defects
// are applied afterwards, by defects.ts, and are the only source of findings.
import type { Rng } from './rng.ts';
import type { Region } from './data/regions.ts';
import {
  newCard,
  newCorporateAccount,
  newLocalNumber,
  newMobile,
  newResidentIdBody,
  newUsccBody,
  withResidentIdCheck,
  withUsccCheck,
  looksPlaceholder,
  type Gender,
  type IdentifierRegistry,
} from './identifiers.ts';
import { styleAccount, styleLandline, styleMobile } from './formats.ts';
import {
  birthDateForAge,
  emailFor,
  fullAddress,
  homeStreetPart,
  officeStreetPart,
  otherPersonName,
  personName,
  pickRegion,
} from './persona.ts';
import { COMPANY_FORMS, INDUSTRIES, SHOP_KINDS, TRADE_NAMES } from './data/companies.ts';
import { ETHNICITIES, OCCUPATIONS } from './data/misc.ts';
import { addDays, ageOn } from './time.ts';
import type {
  BankAccountImage,
  CustomerImage,
  CustomerProfile,
  CustomerState,
  PolicyImage,
  Role,
  Source,
} from './model.ts';

export interface BuildContext {
  readonly rng: Rng;
  readonly registry: IdentifierRegistry;
  /** Agents' own addresses: a customer sharing one is a suspicious pattern, so clean data never does. */
  readonly reservedAddresses: ReadonlySet<string>;
}

/** The policy a person belongs to; shared by its policyholder, insured and beneficiaries. */
export interface PolicyTerms {
  readonly policyId: string;
  readonly receivedAt: string;
  readonly agentId: string;
  readonly channel: string;
}

export interface Membership {
  readonly terms: PolicyTerms;
  readonly role: Role;
  /** The policyholder's region, for the other members of the family. */
  readonly familyRegion?: Region;
}

const TIERS: readonly (readonly ['general' | 'important' | 'core', number])[] = [
  ['general', 85],
  ['important', 12],
  ['core', 3],
];

function pickTier(rng: Rng): 'general' | 'important' | 'core' {
  return rng.weighted(TIERS);
}

export function newAddress(ctx: BuildContext, region: Region, office: boolean): string {
  for (;;) {
    const address = fullAddress(region, office ? officeStreetPart(ctx.rng, region) : homeStreetPart(ctx.rng, region));
    if (!ctx.reservedAddresses.has(address)) return address;
  }
}

export function newStyledMobile(ctx: BuildContext): string {
  return styleMobile(ctx.rng, newMobile(ctx.rng, ctx.registry));
}

export function newStyledLandline(ctx: BuildContext, region: Region): string {
  return styleLandline(ctx.rng, region, newLocalNumber(ctx.rng, region, ctx.registry));
}

export function newPersonalAccount(ctx: BuildContext, holderName: string): BankAccountImage {
  // Most personal accounts are UnionPay cards; some are older passbook accounts without a 62 prefix.
  const account = ctx.rng.chance(0.9) ? newCard(ctx.rng, ctx.registry) : newCorporateAccount(ctx.rng, ctx.registry);
  return { number: styleAccount(ctx.rng, account.number), holderName, bank: account.bank };
}

function companyName(rng: Rng, region: Region): string {
  const industry = rng.pick(INDUSTRIES);
  return `${region.city}${rng.pick(TRADE_NAMES)}${industry.name}${rng.pick(COMPANY_FORMS)}`;
}

interface AgeBand {
  readonly minor: boolean;
  readonly min: number;
  readonly max: number;
}

function ageBand(rng: Rng, role: Role | undefined): AgeBand {
  // Minors stay well inside 1–15 and adults start at 20, so no record sits on the 18-year boundary.
  if (role === 'insured' && rng.chance(0.35)) return { minor: true, min: 1, max: 15 };
  if (role === 'beneficiary' && rng.chance(0.3)) return { minor: true, min: 1, max: 15 };
  if (role === 'policyholder') return { minor: false, min: 22, max: 70 };
  return { minor: false, min: 20, max: 80 };
}

/** A person: a policy member, or a bank customer without a policy (`membership` undefined). */
export function buildPerson(
  ctx: BuildContext,
  customerId: string,
  createdOn: string,
  membership: Membership | undefined,
): CustomerState {
  const { rng } = ctx;
  const terms = membership?.terms;
  const role = membership?.role;
  const gender: Gender = rng.chance(0.5) ? 'M' : 'F';
  // Families usually live in one place.
  const region = membership?.familyRegion && rng.chance(0.8) ? membership.familyRegion : pickRegion(rng);
  const referenceDate = terms?.receivedAt ?? createdOn;
  const band = ageBand(rng, role);
  const birthDate = birthDateForAge(rng, referenceDate, band.min, band.max);
  const age = ageOn(birthDate, createdOn);
  const { name, pinyin } = personName(rng, gender);
  const keyContact = role === undefined || role === 'policyholder';

  const customer: CustomerImage = { kind: 'person', tier: pickTier(rng), name };
  // A beneficiary needs only a name and an ID number: adult ones are often recorded with just that.
  if (role !== 'beneficiary' || band.minor || rng.chance(0.75)) {
    customer.gender = gender;
    customer.birthDate = birthDate;
  }
  customer.nationality = 'CHN';
  customer.ethnicity = rng.weighted(ETHNICITIES);

  // A minor insured or beneficiary may legitimately have no ID number yet.
  const hasId = !band.minor || rng.chance(0.6);
  if (hasId) {
    const first17 = newResidentIdBody(rng, ctx.registry, region, birthDate, gender);
    let idNumber = withResidentIdCheck(first17);
    // Some upstream forms store the check character X in lower case: still a valid ID.
    if (idNumber.endsWith('X') && rng.chance(0.35)) idNumber = idNumber.slice(0, 17) + 'x';
    customer.idType = 'CN_RESIDENT_ID';
    customer.idNumber = idNumber;
    customer.idExpiry = addDays(createdOn, rng.int(120, band.minor ? 5 * 365 : 20 * 365));
  }

  if (!band.minor) {
    if (rng.chance(0.7)) customer.occupation = age >= 62 ? '退休' : rng.pick(OCCUPATIONS);
    if (rng.chance(0.35) && age < 62) customer.workUnit = companyName(rng, region);
  } else if (age >= 7) {
    customer.occupation = '学生';
  }

  // Contact: the key contacts always have an address and at least one phone; others vary.
  const wantsMobile = keyContact ? rng.chance(0.93) : !band.minor && rng.chance(role === 'insured' ? 0.7 : 0.4);
  const wantsLandline = keyContact ? !wantsMobile || rng.chance(0.25) : !band.minor && rng.chance(0.1);
  if (wantsMobile) customer.mobile = newStyledMobile(ctx);
  if (wantsLandline) customer.landline = newStyledLandline(ctx, region);
  if (!band.minor && rng.chance(0.35)) customer.email = emailFor(rng, pinyin, Number(birthDate.slice(0, 4)));
  const wantsAddress = keyContact || rng.chance(role === 'insured' ? 0.7 : 0.3);
  if (wantsAddress) {
    customer.address = newAddress(ctx, region, false);
    customer.postcode = region.postcode;
  }

  const accountCount = role === undefined ? rng.int(1, 2) : role === 'policyholder' ? (rng.chance(0.7) ? 1 : 0) : 0;
  const accounts: BankAccountImage[] = [];
  for (let i = 0; i < accountCount; i++) accounts.push(newPersonalAccount(ctx, name));
  if (accounts.length > 0) customer.bankAccounts = accounts;

  let policy: PolicyImage | undefined;
  if (terms && role) {
    policy = {
      policyId: terms.policyId,
      role,
      receivedAt: terms.receivedAt,
      coolingOffDays: 15,
      agentId: terms.agentId,
      channel: terms.channel,
    };
    if (role === 'insured') customer.health = { declared: rng.chance(0.3) };
    if (role === 'policyholder') policy.premiumAccount = premiumAccountFor(ctx, name, accounts[0]);
  }

  const profile: CustomerProfile = {
    customerId,
    kind: 'person',
    role,
    region,
    realName: name,
    pinyin,
    gender,
    birthDate,
    minor: band.minor,
    source: terms ? 'core-insurance' : 'core-banking',
  };
  return { profile, customer, policy };
}

function premiumAccountFor(ctx: BuildContext, name: string, own: BankAccountImage | undefined) {
  const { rng } = ctx;
  // An approved exception: a relative pays the premium, signed off by the insurer. Clean.
  if (rng.chance(0.06)) {
    const payer = otherPersonName(rng, name).name;
    return { number: newCard(rng, ctx.registry).number, holderName: payer, approved: true };
  }
  const number = own ? own.number : styleAccount(rng, newCard(rng, ctx.registry).number);
  return { number, holderName: name, approved: false };
}

/** An organization: a company, or an individual business (个体工商户) such as a tobacco retailer. */
export function buildOrganization(ctx: BuildContext, customerId: string): CustomerState {
  const { rng } = ctx;
  const region = pickRegion(rng);
  const individual = rng.chance(0.3);
  const repGender: Gender = rng.chance(0.6) ? 'M' : 'F';
  const rep = personName(rng, repGender);
  const kind = individual ? rng.pick(SHOP_KINDS) : rng.pick(INDUSTRIES);
  const name = individual
    ? `${region.district}${rng.pick(TRADE_NAMES)}${kind.name}`
    : `${region.city}${rng.pick(TRADE_NAMES)}${kind.name}${rng.pick(COMPANY_FORMS)}`;

  const customer: CustomerImage = { kind: 'organization', tier: pickTier(rng), name };
  customer.uscc = withUsccCheck(newUsccBody(rng, ctx.registry, region, individual));
  customer.legalRepresentative = rep.name;
  const licensed = rng.chance(0.8);
  if (licensed) customer.licenseHolderName = rep.name;
  customer.registeredCapital = individual
    ? rng.int(1, 50) * 10_000
    : rng.chance(0.5)
      ? rng.int(10, 5000) * 10_000
      : `${rng.int(10, 5000)}万元`;
  customer.businessScope = kind.scope;

  // The settlement account belongs to the licence holder: a personal card for a shop, a
  // corporate account for a company.
  const account = individual ? newCard(rng, ctx.registry) : newCorporateAccount(rng, ctx.registry);
  const authorizedThirdParty = rng.chance(0.06);
  customer.settlementAccount = {
    number: styleAccount(rng, account.number),
    holderName: authorizedThirdParty ? otherPersonName(rng, rep.name).name : rep.name,
    authorized: authorizedThirdParty,
  };

  customer.address = newAddress(ctx, region, !individual);
  customer.postcode = region.postcode;
  const wantsLandline = rng.chance(0.85);
  if (wantsLandline) customer.landline = newStyledLandline(ctx, region);
  if (!wantsLandline || rng.chance(0.5)) customer.mobile = newStyledMobile(ctx);
  if (rng.chance(0.3)) customer.email = emailFor(rng, rep.pinyin, undefined);

  const profile: CustomerProfile = {
    customerId,
    kind: 'organization',
    role: undefined,
    region,
    realName: rep.name,
    pinyin: rep.pinyin,
    gender: undefined,
    birthDate: undefined,
    minor: false,
    source: rng.chance(0.7) ? 'core-banking' : 'crm',
  };
  return { profile, customer, policy: undefined };
}

/**
 * Some firms still list a fax (often the owner's own line). No rule reads it, so any well-formed
 * number is clean; it is not registered as unique, so drawing it never changes another number.
 */
export function addFax(rng: Rng, state: CustomerState): void {
  if (!rng.chance(0.4)) return;
  const { region } = state.profile;
  for (;;) {
    const local = String(rng.int(2, 8)) + rng.digits(region.localDigits - 1);
    if (looksPlaceholder(local)) continue;
    state.customer.fax = `${region.areaCode}-${local}`;
    return;
  }
}

export type UpdateKind = 'mobile' | 'landline' | 'address' | 'email' | 'bank-account' | 'business-scope' | 'tier';

/**
 * Update kinds for a customer's updates; a mobile changes at most once (twice a month is a pattern),
 * and never by a `forbidden` kind (a part a pattern scenario writes itself).
 */
export function pickUpdateKinds(rng: Rng, state: CustomerState, count: number, forbidden?: ReadonlySet<UpdateKind>): UpdateKind[] {
  const person = state.profile.kind === 'person';
  const adult = !state.profile.minor;
  const kinds: UpdateKind[] = [];
  let mobileChanged = false;
  const weight = (kind: UpdateKind, w: number) => (forbidden?.has(kind) ? 0 : w);
  const choices: [UpdateKind, number][] = [
    ['mobile', weight('mobile', adult ? 30 : 0)],
    ['address', weight('address', 25)],
    ['landline', weight('landline', adult ? 10 : 0)],
    ['email', weight('email', adult ? 12 : 0)],
    ['bank-account', weight('bank-account', person && adult ? 15 : 0)],
    ['business-scope', weight('business-scope', person ? 0 : 10)],
    // Always allowed: a tier change touches nothing a scenario writes.
    ['tier', 3],
  ];
  while (kinds.length < count) {
    const kind = rng.weighted<UpdateKind>(choices);
    if (kind === 'mobile' && mobileChanged) continue;
    mobileChanged ||= kind === 'mobile';
    kinds.push(kind);
  }
  return kinds;
}

export function applyCleanUpdate(ctx: BuildContext, state: CustomerState, kind: UpdateKind): void {
  const { rng } = ctx;
  const { customer, profile } = state;
  switch (kind) {
    case 'mobile':
      customer.mobile = newStyledMobile(ctx);
      return;
    case 'landline':
      customer.landline = newStyledLandline(ctx, profile.region);
      return;
    case 'address':
      customer.address = newAddress(ctx, profile.region, profile.kind === 'organization' && rng.chance(0.7));
      customer.postcode = profile.region.postcode;
      return;
    case 'email':
      customer.email = emailFor(rng, profile.pinyin, profile.birthDate ? Number(profile.birthDate.slice(0, 4)) : undefined);
      return;
    case 'bank-account':
      customer.bankAccounts = [...(customer.bankAccounts ?? []), newPersonalAccount(ctx, profile.realName)];
      return;
    case 'business-scope':
      customer.businessScope = `${customer.businessScope ?? ''}；${rng.pick(INDUSTRIES).scope}`;
      return;
    case 'tier':
      customer.tier = pickTier(rng);
      return;
  }
}

export function sourceOfUpdate(rng: Rng, profile: CustomerProfile): Source {
  return rng.chance(0.3) ? 'crm' : profile.source;
}
