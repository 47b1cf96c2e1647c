// The one declared classification policy for every field of the event contract (domain brief §3).
// Masks, the analytics record and finding evidence all read it, so a field's protection is decided
// here once. classification.test.ts walks the contract's zod schemas and fails when a field has no
// entry, so a new contract field cannot reach analytics unclassified.
import type { CustomerTier } from '../contract/customer-change.ts';

export const DATA_CLASSES = ['general', 'sensitive', 'most-sensitive'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/**
 * How a value of the field may be shown outside the stewards' tools.
 * - `none`: passes through as is (enums, dates, flags, codes that describe no one).
 * - `free-text`: general, but typed by people, so digit runs and e-mail-like text are scrubbed
 *   in case someone typed a phone number into it.
 * - `redact`: nothing of the value is shown, only that it is present (`***`).
 * - the others name a display mask in masking.ts.
 */
export const MASK_KINDS = [
  'none',
  'free-text',
  'redact',
  'name',
  'mobile',
  'landline',
  'email',
  'address',
  'id-number',
  'bank-account',
  'uscc',
  'birth-year',
] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

export interface FieldPolicy {
  readonly class: DataClass;
  readonly mask: MaskKind;
  /** When true, the entry covers everything below the path too (health's free-form contents). */
  readonly subtree?: boolean;
  readonly why: string;
}

const general = (why: string, mask: MaskKind = 'none'): FieldPolicy => ({ class: 'general', mask, why });
const sensitive = (mask: MaskKind, why: string): FieldPolicy => ({ class: 'sensitive', mask, why });

const ID_KEY = 'internal record key: one lookup away from the full record; analytics gets its keyed token';
const HOLDER = 'account holder name identifies the person who owns the money';
const ACCOUNT = 'financial account (domain §3): enables fraud, links a person across institutions';

/**
 * Paths use `.` for object keys and `[]` for array elements (`customer.bankAccounts[].number`);
 * envelope fields have no prefix.
 */
export const FIELD_POLICY = {
  // envelope
  schema: general('contract version'),
  eventId: general('upstream event id: names an event, not a person'),
  source: general('upstream system id'),
  op: general('create/update/delete'),
  occurredAt: general('event time'),
  customerId: sensitive('redact', ID_KEY),
  agentId: sensitive('redact', ID_KEY),

  // customer: persons
  'customer.kind': general('person/organization'),
  'customer.tier': general('service tier; drives the secrecy level'),
  'customer.name': sensitive('name', 'directly identifies the person'),
  'customer.gender': general('one of two values; identifies no one alone'),
  'customer.birthDate': sensitive(
    'birth-year',
    'quasi-identifier: with name or region it singles a person out, and it is embedded in the ID number',
  ),
  'customer.nationality': general('a country shared by millions', 'free-text'),
  'customer.ethnicity': sensitive('redact', 'specific identity (特定身份): a ground for discrimination'),
  'customer.occupation': general('an occupation is shared by many', 'free-text'),
  'customer.idType': general('document type code'),
  'customer.idNumber': sensitive('id-number', 'directly identifies the person and encodes birth date and region'),
  'customer.idExpiry': general('a date that identifies no one alone'),
  'customer.mobile': sensitive('mobile', 'contact data: reaches the person directly'),
  'customer.landline': sensitive('landline', 'contact data: reaches the person directly'),
  'customer.email': sensitive('email', 'contact data: reaches the person directly'),
  'customer.address': sensitive('address', 'home/work location (domain §3)'),
  'customer.postcode': general('an area of tens of thousands of people'),
  'customer.workUnit': sensitive('redact', 'employer: where the person can be found every working day'),
  'customer.bankAccounts[].number': sensitive('bank-account', ACCOUNT),
  'customer.bankAccounts[].holderName': sensitive('name', HOLDER),
  'customer.bankAccounts[].bank': general('bank name', 'free-text'),

  // customer: organizations
  'customer.uscc': sensitive(
    'uscc',
    'unified social credit code: for sole proprietors (个体工商户) it points at one person',
  ),
  'customer.legalRepresentative': sensitive('name', 'a natural person'),
  'customer.registeredCapital': general('an amount published in the business registry'),
  'customer.businessScope': general('published in the business registry', 'free-text'),
  'customer.licenseHolderName': sensitive('name', 'licence holder is a natural person (tobacco retail licences)'),
  'customer.fax': sensitive('landline', 'contact number, often the owner’s own line in small firms'),
  'customer.settlementAccount.number': sensitive('bank-account', ACCOUNT),
  'customer.settlementAccount.holderName': sensitive('name', HOLDER),
  'customer.settlementAccount.authorized': general('flag'),

  // insurance health data: its contents are free-form, so the whole subtree is covered
  'customer.health': {
    class: 'most-sensitive',
    mask: 'redact',
    subtree: true,
    why: 'health information is protected more strictly than financial data (domain §3)',
  },

  // policy
  'policy.policyId': sensitive('redact', ID_KEY),
  'policy.role': general('policyholder/insured/beneficiary'),
  'policy.receivedAt': general('a date that identifies no one alone'),
  'policy.coolingOffDays': general('a number of days'),
  'policy.agentId': sensitive('redact', ID_KEY),
  'policy.channel': general('sales channel', 'free-text'),
  'policy.premiumAccount.number': sensitive('bank-account', ACCOUNT),
  'policy.premiumAccount.holderName': sensitive('name', HOLDER),
  'policy.premiumAccount.approved': general('flag'),

  // agents (sales people are natural persons too)
  'agent.name': sensitive('name', 'directly identifies the agent'),
  'agent.mobile': sensitive('mobile', 'contact data'),
  'agent.address': sensitive('address', 'home location'),
  'agent.relatives[].mobile': sensitive('mobile', 'a relative’s contact data'),
  'agent.relatives[].address': sensitive('address', 'a relative’s home location'),
} as const satisfies Record<string, FieldPolicy>;

export type ClassifiedPath = keyof typeof FIELD_POLICY;

/** What a field nobody declared gets: never pass through what has not been looked at. */
export const UNCLASSIFIED: FieldPolicy = {
  class: 'sensitive',
  mask: 'redact',
  why: 'not in the policy: treated as sensitive until classified',
};

/** `customer.bankAccounts[2].number` → `customer.bankAccounts[].number`. */
export function normaliseFieldPath(path: string): string {
  return path.replace(/\[\d*\]/g, '[]');
}

function findFieldPolicy(path: string): FieldPolicy | undefined {
  const normalised = normaliseFieldPath(path);
  const policies: Readonly<Record<string, FieldPolicy>> = FIELD_POLICY;
  const exact = policies[normalised];
  if (exact) return exact;
  for (let cut = normalised.length - 1; cut > 0; cut--) {
    const ch = normalised[cut];
    if (ch !== '.' && ch !== '[') continue;
    const ancestor = policies[normalised.slice(0, cut)];
    if (ancestor?.subtree) return ancestor;
  }
  return undefined;
}

// Every event asks about the same few dozen paths, so answers are memoised. Bounded, because the
// contract is loose and a producer could send any number of distinct keys.
const POLICY_CACHE_LIMIT = 4096;
const policyCache = new Map<string, FieldPolicy | null>();

/**
 * The declared policy for a path (indices allowed), or undefined when no entry covers it.
 * A `subtree` entry covers its descendants (`customer.health.declared`).
 */
export function lookupFieldPolicy(path: string): FieldPolicy | undefined {
  const cached = policyCache.get(path);
  if (cached !== undefined) return cached ?? undefined;
  const policy = findFieldPolicy(path);
  if (policyCache.size >= POLICY_CACHE_LIMIT) policyCache.clear();
  policyCache.set(path, policy ?? null);
  return policy;
}

/** Policy for a path, failing closed: an undeclared field (the contract is loose) is sensitive. */
export function fieldPolicyOf(path: string): FieldPolicy {
  return lookupFieldPolicy(path) ?? UNCLASSIFIED;
}

export function compareClasses(a: DataClass, b: DataClass): number {
  return DATA_CLASSES.indexOf(a) - DATA_CLASSES.indexOf(b);
}

export function maxClass(a: DataClass, b: DataClass): DataClass {
  return compareClasses(a, b) >= 0 ? a : b;
}

export interface MessageClassification {
  /** The class the whole message (row, file) is protected at: its strictest field's class. */
  readonly protectionClass: DataClass;
  /** Each field's effective class after the combination rule. */
  readonly fields: Readonly<Record<string, DataClass>>;
}

/**
 * The combination rule (domain §3): general fields travelling in one medium with sensitive ones
 * are protected as sensitive. The medium is protected as a whole, so every field in it takes the
 * message's class — with health data present that is `most-sensitive` for all of them, because a
 * message cannot be guarded more loosely in parts than its strictest content.
 */
export function classifyMessage(fieldPaths: Iterable<string>): MessageClassification {
  const paths = [...new Set(fieldPaths)];
  let protectionClass: DataClass = 'general';
  for (const path of paths) protectionClass = maxClass(protectionClass, fieldPolicyOf(path).class);
  const fields: Record<string, DataClass> = {};
  for (const path of paths) fields[path] = maxClass(fieldPolicyOf(path).class, protectionClass);
  return { protectionClass, fields };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One concrete path seen while walking messages, with its policy and the paths below it. Walks
 * reuse these, so a path string is built and looked up once, not once per event. Bounded like
 * the lookup cache: past the limit the memo starts over.
 */
interface PathNode {
  readonly path: string;
  readonly policy: FieldPolicy | undefined;
  readonly keys: Map<string, PathNode>;
  readonly items: PathNode[];
}

const PATH_NODE_LIMIT = 4096;
let pathNodes = 0;
let rootNode = newPathNode('');

function newPathNode(path: string): PathNode {
  pathNodes++;
  return { path, policy: path === '' ? undefined : lookupFieldPolicy(path), keys: new Map(), items: [] };
}

function keyNode(parent: PathNode, key: string): PathNode {
  let node = parent.keys.get(key);
  if (!node) parent.keys.set(key, (node = newPathNode(parent.path === '' ? key : `${parent.path}.${key}`)));
  return node;
}

function itemNode(parent: PathNode, index: number): PathNode {
  return (parent.items[index] ??= newPathNode(`${parent.path}[${index}]`));
}

/** Calls `onField` for each present field (see `presentFieldPaths`) with its node. */
function visitPresentFields(value: unknown, node: PathNode, onField: (field: PathNode) => void): void {
  if (value === undefined || value === null) return;
  if (node.path !== '' && node.policy?.subtree) {
    onField(node);
  } else if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) visitPresentFields(value[index], itemNode(node, index), onField);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) visitPresentFields(value[key], keyNode(node, key), onField);
  } else if (node.path !== '') {
    onField(node);
  }
}

function walkPresentFields(message: unknown, onField: (field: PathNode) => void): void {
  if (pathNodes > PATH_NODE_LIMIT) {
    pathNodes = 0;
    rootNode = newPathNode('');
  }
  visitPresentFields(message, rootNode, onField);
}

/**
 * The field paths present in a message (with concrete indices), in the notation the policy uses.
 * Objects and arrays are walked to their leaves, except subtree entries (health), which count as
 * present even when empty: `health: {}` still says the record holds health data.
 */
export function presentFieldPaths(message: unknown): string[] {
  const paths: string[] = [];
  walkPresentFields(message, (field) => paths.push(field.path));
  return paths;
}

/**
 * `classifyMessage(presentFieldPaths(message)).protectionClass`, without collecting the paths
 * or the per-field classes: the analytics record needs only this, once per event.
 */
export function protectionClassOf(message: unknown): DataClass {
  let strictest: DataClass = 'general';
  walkPresentFields(message, (field) => (strictest = maxClass(strictest, (field.policy ?? UNCLASSIFIED).class)));
  return strictest;
}

export const SECRECY_LEVELS = ['秘密', '机密', '绝密'] as const;
export type SecrecyLevel = (typeof SECRECY_LEVELS)[number];

/** Customer tier → secrecy level (domain §3): ordinary 秘密, important 机密, core 绝密. */
export const SECRECY_BY_TIER = {
  general: '秘密',
  important: '机密',
  core: '绝密',
} as const satisfies Record<CustomerTier, SecrecyLevel>;

export function secrecyLevelOf(tier: CustomerTier): SecrecyLevel {
  return SECRECY_BY_TIER[tier];
}
