// Registers every sensitive value an event carries, for the PII-scan test. The event is walked
// field by field and each leaf is looked up in the classification policy, so a field the policy
// calls sensitive is recorded whether or not anyone remembered it here: the PII scan then cannot
// miss it, and generate.test.ts fails if the stream never carries it.
import { lookupFieldPolicy, UNCLASSIFIED, type FieldPolicy } from '../privacy/classification.ts';
import type { TruthRecorder } from './truth.ts';

/** One field path as the policy writes it (`customer.bankAccounts[].number`), with its policy. */
interface PathNode {
  readonly path: string;
  readonly policy: FieldPolicy | undefined;
  readonly keys: Map<string, PathNode>;
  item: PathNode | undefined;
}

// Every event has the same few dozen paths: each is built and looked up once per stream.
const root: PathNode = { path: '', policy: undefined, keys: new Map(), item: undefined };

function node(path: string): PathNode {
  return { path, policy: lookupFieldPolicy(path), keys: new Map(), item: undefined };
}

export function recordSensitiveValues(truth: TruthRecorder, event: Readonly<Record<string, unknown>>): void {
  visit(truth, event, root);
}

function visit(truth: TruthRecorder, value: unknown, at: PathNode): void {
  if (value === undefined || value === null) return;
  const { policy } = at;
  if (policy?.subtree) {
    // Free-form contents (health): the value as a whole is what must not leave the pipeline.
    if (policy.class !== 'general') truth.raw(at.path, JSON.stringify(value), policy.mask);
    return;
  }
  if (Array.isArray(value)) {
    at.item ??= node(`${at.path}[]`);
    for (const item of value) visit(truth, item, at.item);
    return;
  }
  if (typeof value === 'object') {
    for (const key in value) {
      let child = at.keys.get(key);
      if (!child) at.keys.set(key, (child = node(at.path === '' ? key : `${at.path}.${key}`)));
      visit(truth, (value as Record<string, unknown>)[key], child);
    }
    return;
  }
  if (at === root) return;
  // Fail closed like the pipeline: a field nobody classified counts as sensitive.
  const effective = policy ?? UNCLASSIFIED;
  if (effective.class !== 'general') truth.raw(at.path, String(value), effective.mask);
}
