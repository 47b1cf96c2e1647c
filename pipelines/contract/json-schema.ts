// The published JSON Schemas of the event contract, derived from the zod schemas so producers and
// the pipeline cannot drift apart. `io: 'input'` describes what a producer writes: fields that the
// pipeline defaults (e.g. `tier`) are optional there.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AgentChange, CustomerChange } from './customer-change.ts';
import { IssueEvent } from './issue-event.ts';

export type JsonSchema = { [keyword: string]: unknown };

export type ContractName = 'customer-change/v1' | 'agent-change/v1' | 'dq-issue-event/v1';

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
    ...generated,
    $id: `${ID_BASE}/${definition.slug}.schema.json`,
    title: definition.title,
    description: definition.description,
    // z.toJSONSchema drops superRefine checks silently; this restates the one in customer-change.ts.
    $comment: `Mirrors the contract's refinement: "${definition.image}" is required when op is not "delete".`,
    if: { required: ['op'], properties: { op: { not: { const: 'delete' } } } },
    then: { required: [definition.image] },
  }) as JsonSchema;
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
  'items', 'properties', 'required', 'additionalProperties', 'if', 'then', 'else',
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
