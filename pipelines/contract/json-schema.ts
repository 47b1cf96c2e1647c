// The published JSON Schemas of the event contract, derived from the zod schemas so producers and
// the pipeline cannot drift apart. `io: 'input'` describes what a producer writes: fields that the
// pipeline defaults (e.g. `tier`) are optional there.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DATE_DOMAIN, DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS } from './bounds.ts';
import { AgentChange, CustomerChange } from './customer-change.ts';
import { IssueEvent } from './issue-event.ts';
import { CustomerCorrection } from './correction.ts';

export type JsonSchema = { [keyword: string]: unknown };

export type ContractName = 'customer-change/v1' | 'agent-change/v1' | 'dq-issue-event/v1' | 'customer-correction/v1';

export interface PublishedSchema {
  readonly name: ContractName;
  /** File name under SCHEMA_DIR. */
  readonly file: string;
  readonly schema: JsonSchema;
}

export const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));

const ID_BASE = 'https://verity.example/contract';

interface Definition {
  readonly name: ContractName;
  readonly slug: string;
  readonly zod: z.ZodType;
  /** The after-image property that the zod superRefine requires unless op is delete (change events only). */
  readonly image?: 'customer' | 'agent';
  readonly title: string;
  readonly description: string;
}

const DEFINITIONS: readonly Definition[] = [
  {
    name: 'customer-change/v1',
    slug: 'customer-change-v1',
    zod: CustomerChange,
    image: 'customer',
    title: 'Customer record change (customer-change/v1)',
    description:
      'One change of a customer record, published on customer.changes with key = customerId. ' +
      '`customer` is the after-image and is required unless op is "delete". ' +
      'Unknown properties are allowed: the contract evolves in backward-compatible ways.',
  },
  {
    name: 'agent-change/v1',
    slug: 'agent-change-v1',
    zod: AgentChange,
    image: 'agent',
    title: 'Agent record change (agent-change/v1)',
    description:
      'One change of a sales agent record, published on agent.changes with key = agentId. ' +
      '`agent` is the after-image and is required unless op is "delete". ' +
      'Unknown properties are allowed: the contract evolves in backward-compatible ways.',
  },
  {
    name: 'dq-issue-event/v1',
    slug: 'dq-issue-event-v1',
    zod: IssueEvent,
    title: 'Data-quality issue change (dq-issue-event/v1)',
    description:
      'One change of a data-quality issue, published by Verity on dq.issues with key = issueId. ' +
      'Carries tokens and metadata only, never raw customer data. Consumers de-duplicate on eventId.',
  },
  {
    name: 'customer-correction/v1',
    slug: 'customer-correction-v1',
    zod: CustomerCorrection,
    title: 'Customer record correction (customer-correction/v1)',
    description:
      'A correction a data steward verified with the customer, published by Verity on customer.corrections with key = customerId ' +
      '(or appended to data/outbox/corrections.jsonl in embedded mode). Carries the corrected raw values: `fields` holds only ' +
      'the fields corrected, at least one. Consumers de-duplicate on eventId. When the upstream system applies it, its next ' +
      'customer-change/v1 carries the value and Verity records the correction as confirmed.',
  },
];

function build(definition: Definition): JsonSchema {
  // unrepresentable: 'throw' so a future contract type without a JSON Schema form fails loudly here
  // instead of being published as an unconstrained `{}`.
  const generated = z.toJSONSchema(definition.zod, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  }) as JsonSchema;
  if (definition.image === undefined) {
    return orderKeywords({ ...generated, $id: `${ID_BASE}/${definition.slug}.schema.json`, title: definition.title, description: definition.description }) as JsonSchema;
  }
  return orderKeywords({
    ...withBounds(generated),
    $id: `${ID_BASE}/${definition.slug}.schema.json`,
    title: definition.title,
    description: `${definition.description} ${BOUNDS_TEXT}`,
    'x-verity-bounds': BOUNDS,
    // z.toJSONSchema drops superRefine checks silently; this restates the one in customer-change.ts.
    $comment: `Mirrors the contract's refinement: "${definition.image}" is required when op is not "delete".`,
    if: { required: ['op'], properties: { op: { not: { const: 'delete' } } } },
    then: { required: [definition.image] },
  }) as JsonSchema;
}

/**
 * The bounds of contract/bounds.ts, as they stand by default (each is configurable: README
 * "Configuration"). A message beyond them is dead-lettered whole as `too-large` or `out-of-range`.
 */
const BOUNDS = {
  maxMessageBytes: DEFAULT_INPUT_LIMITS.maxMessageBytes,
  maxStringLength: DEFAULT_INPUT_LIMITS.maxStringLength,
  maxArrayItems: DEFAULT_INPUT_LIMITS.maxArrayItems,
  maxObjectKeys: DEFAULT_INPUT_LIMITS.maxObjectKeys,
  maxDepth: DEFAULT_INPUT_LIMITS.maxDepth,
  occurredAt: { earliest: DEFAULT_EVENT_TIME.earliest, latest: `${DEFAULT_EVENT_TIME.aheadHours} hours after the processing time` },
  dateDomain: DATE_DOMAIN,
};
const BOUNDS_TEXT =
  `Bounds (defaults; configurable): a message of at most ${BOUNDS.maxMessageBytes} bytes; strings and member names of at most ` +
  `${BOUNDS.maxStringLength} characters; arrays of at most ${BOUNDS.maxArrayItems} items; objects of at most ${BOUNDS.maxObjectKeys} members; ` +
  `at most ${BOUNDS.maxDepth} levels of nesting (dead letter reason "too-large"). occurredAt from ${DEFAULT_EVENT_TIME.earliest} to ` +
  `${DEFAULT_EVENT_TIME.aheadHours} hours after the processing time, and policy.receivedAt from ${DATE_DOMAIN.first} to ${DATE_DOMAIN.last} ` +
  `(dead letter reason "out-of-range").`;

const DATE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  occurredAt: `When the change happened. Accepted from ${DEFAULT_EVENT_TIME.earliest} to ${DEFAULT_EVENT_TIME.aheadHours} hours after the processing time (defaults); later is an upstream clock bug and dead-lettered as "out-of-range".`,
  receivedAt: `Policy receipt date: the cooling-off period starts here. From ${DATE_DOMAIN.first} to ${DATE_DOMAIN.last}, where deadlines can be counted; outside, "out-of-range".`,
};

/**
 * States the default size bounds on every string, array and object of a change-event schema, and
 * the date windows on the dates they apply to, so a producer can validate against them before
 * sending. A bound the contract already states more tightly (an id's maxLength) stays.
 */
function withBounds(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((child) => visit(child));
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as JsonSchema).map(([name, child]) => [name, visit(child, name)])) : visit(v);
    }
    const type = out['type'];
    if (type === 'string' && out['enum'] === undefined && out['const'] === undefined && out['pattern'] === undefined) {
      const own = typeof out['maxLength'] === 'number' ? (out['maxLength'] as number) : Infinity;
      out['maxLength'] = Math.min(own, BOUNDS.maxStringLength);
    } else if (type === 'array') {
      out['maxItems'] = BOUNDS.maxArrayItems;
    } else if (type === 'object') {
      out['maxProperties'] = BOUNDS.maxObjectKeys;
    }
    if (key !== undefined && DATE_DESCRIPTIONS[key] !== undefined) out['description'] = DATE_DESCRIPTIONS[key];
    return out;
  };
  return visit(schema) as JsonSchema;
}

export function contractJsonSchemas(): readonly PublishedSchema[] {
  return DEFINITIONS.map((d) => ({ name: d.name, file: `${d.slug}.schema.json`, schema: build(d) }));
}

export function contractJsonSchema(name: ContractName): JsonSchema {
  const found = contractJsonSchemas().find((s) => s.name === name);
  if (!found) throw new RangeError(`unknown contract: ${name}`);
  return found.schema;
}

/** The exact bytes committed under schemas/: 2-space indent, trailing newline. */
export function renderJsonSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// A fixed keyword order makes the committed files independent of the order in which a zod version
// happens to emit keywords, so upgrading zod only shows a diff when the schema really changed.
const KEYWORD_ORDER = [
  '$schema', '$id', 'title', 'description', '$comment',
  'type', 'const', 'enum', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'default',
  'items', 'maxItems', 'properties', 'required', 'additionalProperties', 'maxProperties', 'if', 'then', 'else',
];

function rank(keyword: string): number {
  const at = KEYWORD_ORDER.indexOf(keyword);
  return at === -1 ? KEYWORD_ORDER.length : at;
}

function orderKeywords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeywords);
  if (typeof value !== 'object' || value === null) return value;
  // Unlisted keywords go last, by code unit (not localeCompare, whose order depends on the host's ICU).
  const entries = Object.entries(value).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(
    entries.map(([key, child]) => [
      key,
      // Property maps keep the contract's declaration order, which is the order the docs use.
      key === 'properties' || key === '$defs' ? mapValues(child, orderKeywords) : orderKeywords(child),
    ]),
  );
}

function mapValues(value: unknown, f: (child: unknown) => unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, f(v)]));
}
