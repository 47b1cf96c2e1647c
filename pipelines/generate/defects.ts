// The defect catalogue: each defect is a precise edit of a clean record and lists exactly the rules
// it trips. The ground truth is built from these declarations, never by running the checks, so the
// end-to-end test compares two independent statements of the same rule semantics.
import type { Rng } from './rng.ts';
import type { CustomerState, RuleId } from './model.ts';
import type { BuildContext, UpdateKind } from './records.ts';
import { residentIdCheckCharacter } from '../cn/cn-resident-id.ts';
import { usccCheckCharacter } from '../cn/uscc.ts';
import { luhnCheckDigit } from '../cn/luhn.ts';
import { legacyResidentId, looksPlaceholder, newCard, newLocalNumber, newMobile, type Gender } from './identifiers.ts';
import { MOBILE_SEGMENTS, PLACEHOLDER_MOBILES } from './data/phones.ts';
import { PLACEHOLDER_NAMES } from './data/names.ts';
import { emailFor, homeStreetPart, otherPersonName } from './persona.ts';
import { addDays, daysInMonth, formatDate } from './time.ts';

/**
 * The parts of a record a defect edits. Two defects on one customer never share a part, so each
 * trips only its own rules: e.g. a gender mismatch is not evaluated on a malformed ID, hence every
 * ID-related defect claims the whole `identity` part.
 */
export type Part =
  | 'identity'
  | 'name'
  | 'mobile'
  | 'landline'
  | 'email'
  | 'account'
  | 'address'
  | 'uscc'
  | 'legal-rep'
  | 'settlement'
  | 'premium';

export interface DefectContext extends BuildContext {
  /** Shanghai date of the event that first carries the defect. */
  readonly eventDate: string;
}

export interface Defect {
  readonly id: string;
  readonly rules: readonly RuleId[];
  /**
   * Of `rules`, those it trips only with a finding below the rule's issue threshold: the finding
   * is recorded, but no issue opens (and an open one is neither updated nor resolved by it).
   */
  readonly belowIssueThreshold: readonly RuleId[];
  readonly parts: readonly Part[];
  /** Expected share of all customers carrying it; the scheduler keeps the stream on this pace. */
  readonly rate: number;
  eligible(state: CustomerState): boolean;
  apply(state: CustomerState, ctx: DefectContext): void;
}

// ---- eligibility --------------------------------------------------------------------------------

const isPerson = (s: CustomerState) => s.profile.kind === 'person';
const isOrg = (s: CustomerState) => s.profile.kind === 'organization';
/** Policyholders and persons without a policy need the full key-field set. */
const needsFullKeyFields = (s: CustomerState) =>
  isPerson(s) && (s.profile.role === undefined || s.profile.role === 'policyholder');
/** A valid 18-character ID to corrupt or to disagree with. */
const hasValidId = (s: CustomerState) => isPerson(s) && s.customer.idNumber?.length === 18;
/** Names on policyholders are compared with the premium payer, so name defects avoid them. */
const nameNotComparedToPayer = (s: CustomerState) => isPerson(s) && s.profile.role !== 'policyholder';

// ---- helpers ------------------------------------------------------------------------------------

function idBody(state: CustomerState): string {
  return (state.customer.idNumber ?? '').slice(0, 17).toUpperCase();
}

function reissueId(state: CustomerState, first17: string): void {
  state.customer.idNumber = first17 + residentIdCheckCharacter(first17);
}

/** A digit string that no placeholder check could mistake for a fake, so only the format rule fires. */
function plainDigits(rng: Rng, prefix: string, count: number): string {
  for (;;) {
    const value = prefix + rng.digits(count);
    if (!looksPlaceholder(value)) return value;
  }
}

function digitsOfLength(rng: Rng, prefix: string, length: number): string {
  return plainDigits(rng, prefix, length - prefix.length);
}

function otherGender(gender: Gender | undefined): Gender {
  return gender === 'M' ? 'F' : 'M';
}

function shiftedBirthDate(rng: Rng, birthDate: string, eventDate: string): string {
  for (;;) {
    const shifted = rng.chance(0.6)
      ? addDays(birthDate, rng.pick([-1, 1]) * rng.int(1, 40))
      : (() => {
          // Same day and month, a year or two off: a typical keying error.
          const year = Number(birthDate.slice(0, 4)) + rng.pick([-2, -1, 1, 2]);
          const month = Number(birthDate.slice(5, 7));
          const day = Math.min(Number(birthDate.slice(8, 10)), daysInMonth(year, month));
          return formatDate(year, month, day);
        })();
    if (shifted !== birthDate && shifted < eventDate) return shifted;
  }
}

/** Replace the character at `index`. */
function replaceAt(value: string, index: number, ch: string): string {
  return value.slice(0, index) + ch + value.slice(index + 1);
}

/** The account a bank-account defect corrupts: an existing one when there is one. */
function corruptAccount(state: CustomerState, rng: Rng, badNumber: string): void {
  const { customer, policy } = state;
  const targets: ((n: string) => void)[] = [];
  for (const account of customer.bankAccounts ?? []) targets.push((n) => (account.number = n));
  const settlement = customer.settlementAccount;
  if (settlement) targets.push((n) => (settlement.number = n));
  const premium = policy?.premiumAccount;
  if (premium) targets.push((n) => (premium.number = n));
  if (targets.length > 0) {
    rng.pick(targets)(badNumber);
    return;
  }
  customer.bankAccounts = [{ number: badNumber, holderName: state.profile.realName }];
}

function define(
  id: string,
  rules: readonly RuleId[],
  parts: readonly Part[],
  rate: number,
  eligible: (state: CustomerState) => boolean,
  apply: (state: CustomerState, ctx: DefectContext) => void,
): Defect {
  return { id, rules, belowIssueThreshold: [], parts, rate, eligible, apply };
}

/**
 * The parts of a record each clean update writes afresh (records.ts `applyCleanUpdate`): a defect
 * editing one of them is gone from that update on. A new bank account is added next to the old
 * ones, so it leaves a bad account in place.
 */
export const PARTS_REWRITTEN: Readonly<Record<UpdateKind, readonly Part[]>> = {
  mobile: ['mobile'],
  landline: ['landline'],
  address: ['address'],
  email: ['email'],
  'bank-account': [],
  'business-scope': [],
  tier: [],
};

/**
 * Whether a clean update of `kind` removes `defect`. A defect over two parts (no mobile and no
 * landline) is gone once either is written again: one phone is all the rule asks for.
 */
export function rewrittenBy(defect: Defect, kind: UpdateKind): boolean {
  const rewritten = PARTS_REWRITTEN[kind];
  return defect.parts.some((part) => rewritten.includes(part));
}

const REQUIRED: readonly RuleId[] = ['required-fields'];
const ID_FORMAT: readonly RuleId[] = ['id-number-format'];
const MOBILE: readonly RuleId[] = ['mobile-format'];
const LANDLINE: readonly RuleId[] = ['landline-format'];
const EMAIL: readonly RuleId[] = ['email-format'];
const ACCOUNT: readonly RuleId[] = ['bank-account-format'];
const USCC: readonly RuleId[] = ['uscc-format'];
const ADDRESS: readonly RuleId[] = ['address-incomplete'];

export const DEFECTS: readonly Defect[] = [
  // ---- required-fields: a key field absent (or, for a name, empty) ----
  define('missing-id-number', REQUIRED, ['identity'], 0.004,
    // Minors are exempt, so only adults or key contacts lose their ID number.
    (s) => isPerson(s) && s.customer.idNumber !== undefined && !s.profile.minor,
    (s) => { delete s.customer.idNumber; }),
  define('missing-name', REQUIRED, ['name'], 0.004, nameNotComparedToPayer,
    (s, ctx) => { if (ctx.rng.chance(0.5)) s.customer.name = ''; else delete s.customer.name; }),
  define('missing-gender', REQUIRED, ['identity'], 0.004,
    (s) => isPerson(s) && s.profile.role !== 'beneficiary',
    (s) => { delete s.customer.gender; }),
  define('missing-birth-date', REQUIRED, ['identity'], 0.004,
    // With an ID present, the minor exemption never depends on the missing birth date.
    (s) => isPerson(s) && s.profile.role !== 'beneficiary' && s.customer.idNumber !== undefined,
    (s) => { delete s.customer.birthDate; }),
  define('missing-address', REQUIRED, ['address'], 0.004, needsFullKeyFields,
    (s) => { delete s.customer.address; delete s.customer.postcode; }),
  define('missing-phone', REQUIRED, ['mobile', 'landline'], 0.004, needsFullKeyFields,
    (s) => { delete s.customer.mobile; delete s.customer.landline; }),
  define('org-missing-name', REQUIRED, ['name'], 0.003, isOrg, (s) => { delete s.customer.name; }),
  define('org-missing-uscc', REQUIRED, ['uscc'], 0.003, isOrg, (s) => { delete s.customer.uscc; }),
  define('org-missing-legal-rep', REQUIRED, ['legal-rep', 'settlement'], 0.003,
    // Only where a licence holder is named: otherwise the settlement check would compare against nothing.
    (s) => isOrg(s) && s.customer.licenseHolderName !== undefined,
    (s) => { delete s.customer.legalRepresentative; }),
  define('org-missing-address', REQUIRED, ['address'], 0.003, isOrg,
    (s) => { delete s.customer.address; delete s.customer.postcode; }),
  define('org-missing-phone', REQUIRED, ['mobile', 'landline'], 0.003, isOrg,
    (s) => { delete s.customer.mobile; delete s.customer.landline; }),

  // ---- id-number-format: an 18-character-style ID that breaks GB 11643 ----
  define('id-wrong-check-character', ID_FORMAT, ['identity'], 0.003, hasValidId, (s, ctx) => {
    const body = idBody(s);
    const right = residentIdCheckCharacter(body);
    const wrong = ctx.rng.pick([...'0123456789X'].filter((c) => c !== right));
    s.customer.idNumber = body + wrong;
  }),
  define('id-unknown-province', ID_FORMAT, ['identity'], 0.003, hasValidId,
    (s, ctx) => reissueId(s, ctx.rng.pick(['00', '99']) + idBody(s).slice(2))),
  define('id-impossible-birth-date', ID_FORMAT, ['identity'], 0.003, hasValidId,
    (s) => { const body = idBody(s); reissueId(s, `${body.slice(0, 10)}0230${body.slice(14)}`); }),
  define('id-future-birth-date', ID_FORMAT, ['identity'], 0.002, hasValidId, (s, ctx) => {
    const body = idBody(s);
    const year = Number(ctx.eventDate.slice(0, 4)) + ctx.rng.int(3, 8);
    reissueId(s, `${body.slice(0, 6)}${year}${body.slice(10)}`);
  }),
  define('id-birth-before-1800', ID_FORMAT, ['identity'], 0.002, hasValidId,
    (s, ctx) => { const body = idBody(s); reissueId(s, `${body.slice(0, 6)}${ctx.rng.int(1700, 1799)}${body.slice(10)}`); }),
  define('id-17-characters', ID_FORMAT, ['identity'], 0.003, hasValidId,
    (s) => { s.customer.idNumber = idBody(s); }),
  define('id-letters', ID_FORMAT, ['identity'], 0.003, hasValidId, (s, ctx) => {
    const id = s.customer.idNumber ?? '';
    s.customer.idNumber = replaceAt(id, ctx.rng.int(6, 16), ctx.rng.pick(['A', 'B', 'O', 'Z']));
  }),

  // ---- id-number-legacy: a 15-digit pre-1999 ID agreeing with the record ----
  define('id-legacy-15-digit', ['id-number-legacy'], ['identity'], 0.01,
    (s) => hasValidId(s) && s.profile.birthDate !== undefined && s.profile.birthDate.startsWith('19'),
    (s, ctx) => {
      const { region, birthDate, gender } = s.profile;
      s.customer.idNumber = legacyResidentId(ctx.rng, region, birthDate ?? '', gender ?? 'M');
    }),

  // ---- mismatches: a valid ID, the record disagrees ----
  define('id-gender-mismatch', ['id-gender-mismatch'], ['identity'], 0.01,
    (s) => hasValidId(s) && s.customer.gender !== undefined,
    (s) => { s.customer.gender = otherGender(s.customer.gender as Gender | undefined); }),
  define('id-birthdate-mismatch', ['id-birthdate-mismatch'], ['identity'], 0.01,
    (s) => hasValidId(s) && s.customer.birthDate !== undefined,
    (s, ctx) => { s.customer.birthDate = shiftedBirthDate(ctx.rng, s.customer.birthDate ?? '', ctx.eventDate); }),

  // ---- mobile-format ----
  define('mobile-10-digits', MOBILE, ['mobile'], 0.004, () => true,
    (s, ctx) => { s.customer.mobile = plainDigits(ctx.rng, ctx.rng.pick(MOBILE_SEGMENTS), 7); }),
  define('mobile-12-digits', MOBILE, ['mobile'], 0.004, () => true,
    (s, ctx) => { s.customer.mobile = plainDigits(ctx.rng, ctx.rng.pick(MOBILE_SEGMENTS), 9); }),
  define('mobile-12x-segment', MOBILE, ['mobile'], 0.004, () => true,
    (s, ctx) => { s.customer.mobile = plainDigits(ctx.rng, `12${ctx.rng.int(0, 9)}`, 8); }),
  define('mobile-letters', MOBILE, ['mobile'], 0.004, () => true, (s, ctx) => {
    const mobile = newMobile(ctx.rng, ctx.registry);
    s.customer.mobile = replaceAt(mobile, ctx.rng.int(3, 9), ctx.rng.pick(['O', 'l', 'A', 'x']));
  }),

  // ---- landline-format ----
  define('landline-no-area-code', LANDLINE, ['landline'], 0.004, () => true,
    (s, ctx) => { s.customer.landline = newLocalNumber(ctx.rng, s.profile.region, ctx.registry); }),
  define('landline-short-local-number', LANDLINE, ['landline'], 0.004, () => true,
    (s, ctx) => { s.customer.landline = `${s.profile.region.areaCode}-${plainDigits(ctx.rng, String(ctx.rng.int(2, 8)), 4)}`; }),
  define('landline-area-code-without-0', LANDLINE, ['landline'], 0.004, () => true, (s, ctx) => {
    const { region } = s.profile;
    s.customer.landline = `${region.areaCode.slice(1)}-${newLocalNumber(ctx.rng, region, ctx.registry)}`;
  }),

  // ---- email-format ----
  define('email-missing-at', EMAIL, ['email'], 0.003, () => true,
    (s, ctx) => { s.customer.email = emailFor(ctx.rng, s.profile.pinyin, undefined).replace('@', '.'); }),
  define('email-two-at', EMAIL, ['email'], 0.003, () => true,
    (s, ctx) => { s.customer.email = emailFor(ctx.rng, s.profile.pinyin, undefined).replace('@', '@mail@'); }),
  define('email-space', EMAIL, ['email'], 0.003, () => true, (s, ctx) => {
    const [family = 'user', given = 'x'] = s.profile.pinyin;
    s.customer.email = `${family} ${given}@${ctx.rng.pick(['example.com', 'example.cn'])}`;
  }),
  define('email-domain-without-dot', EMAIL, ['email'], 0.003, () => true, (s, ctx) => {
    const [family = 'user', given = 'x'] = s.profile.pinyin;
    s.customer.email = `${family}${given}@${ctx.rng.pick(['examplecom', 'localhost', 'examplecn'])}`;
  }),

  // ---- bank-account-format ----
  define('account-letters', ACCOUNT, ['account'], 0.004, () => true, (s, ctx) => {
    const card = newCard(ctx.rng, ctx.registry).number;
    corruptAccount(s, ctx.rng, replaceAt(card, ctx.rng.int(6, card.length - 2), ctx.rng.pick(['O', 'I', 'A', 'B'])));
  }),
  define('account-10-digits', ACCOUNT, ['account'], 0.004, () => true,
    (s, ctx) => corruptAccount(s, ctx.rng, digitsOfLength(ctx.rng, ctx.rng.pick(['62', '4000', '35']), 10))),
  define('account-21-digits', ACCOUNT, ['account'], 0.004, () => true,
    (s, ctx) => corruptAccount(s, ctx.rng, digitsOfLength(ctx.rng, ctx.rng.pick(['6222', '4000', '1202']), 21))),
  // A Luhn failure on a 62-card is only a warning (accounts pack): a finding, never an issue.
  {
    ...define('card-bad-luhn', ACCOUNT, ['account'], 0.004, () => true, (s, ctx) => {
      const card = newCard(ctx.rng, ctx.registry).number;
      const payload = card.slice(0, -1);
      const wrong = (Number(luhnCheckDigit(payload)) + ctx.rng.int(1, 9)) % 10;
      corruptAccount(s, ctx.rng, payload + String(wrong));
    }),
    belowIssueThreshold: ACCOUNT,
  },

  // ---- uscc-format ----
  define('uscc-wrong-check-character', USCC, ['uscc'], 0.005, isOrg, (s, ctx) => {
    const body = (s.customer.uscc ?? '').slice(0, 17);
    const right = usccCheckCharacter(body);
    s.customer.uscc = body + ctx.rng.pick([...'0123456789ABCDEFGHJKLMNPQRTUWXY'].filter((c) => c !== right));
  }),
  define('uscc-forbidden-letter', USCC, ['uscc'], 0.005, isOrg, (s, ctx) => {
    // Inside the organisation-code part, where letters occur; I O Z S V are never issued.
    s.customer.uscc = replaceAt(s.customer.uscc ?? '', ctx.rng.int(8, 16), ctx.rng.pick(['I', 'O', 'Z', 'S', 'V']));
  }),
  define('uscc-17-characters', USCC, ['uscc'], 0.005, isOrg,
    (s) => { s.customer.uscc = (s.customer.uscc ?? '').slice(0, 17); }),

  // ---- placeholder-value ----
  define('placeholder-name', ['placeholder-value'], ['name'], 0.005, nameNotComparedToPayer,
    (s, ctx) => { s.customer.name = ctx.rng.pick(PLACEHOLDER_NAMES); }),
  define('placeholder-mobile', ['placeholder-value'], ['mobile'], 0.004, () => true,
    (s) => { s.customer.mobile = PLACEHOLDER_MOBILES.wellFormed; }),
  define('placeholder-malformed-mobile', ['placeholder-value', 'mobile-format'], ['mobile'], 0.004, () => true,
    (s, ctx) => { s.customer.mobile = ctx.rng.pick(PLACEHOLDER_MOBILES.malformed); }),

  // ---- address-incomplete: non-empty, but a region level is missing ----
  define('address-without-region', ADDRESS, ['address'], 0.004, () => true,
    (s, ctx) => { s.customer.address = homeStreetPart(ctx.rng, s.profile.region); }),
  define('address-district-only', ADDRESS, ['address'], 0.004, () => true,
    (s, ctx) => { s.customer.address = s.profile.region.district + homeStreetPart(ctx.rng, s.profile.region); }),
  define('address-province-only', ADDRESS, ['address'], 0.004, () => true,
    (s, ctx) => { s.customer.address = s.profile.region.province + homeStreetPart(ctx.rng, s.profile.region); }),

  // ---- holder mismatches ----
  define('settlement-holder-mismatch', ['settlement-holder-mismatch'], ['settlement'], 0.015,
    (s) => isOrg(s) && s.customer.settlementAccount !== undefined,
    (s, ctx) => {
      const account = s.customer.settlementAccount;
      if (!account) return;
      const expected = s.customer.licenseHolderName ?? s.customer.legalRepresentative;
      account.holderName = otherPersonName(ctx.rng, expected).name;
      account.authorized = false;
    }),
  define('premium-payer-mismatch', ['premium-payer-mismatch'], ['premium'], 0.015,
    (s) => s.profile.role === 'policyholder' && s.policy?.premiumAccount !== undefined,
    (s, ctx) => {
      const account = s.policy?.premiumAccount;
      if (!account) return;
      account.holderName = otherPersonName(ctx.rng, s.customer.name).name;
      account.approved = false;
    }),
];
