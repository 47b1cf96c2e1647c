// The pattern rules: conditions across customers rather than within one record (domain §5). A rule
// pack names one with `check:` like a record check, and its `params` are validated here; what each
// condition means is evaluated by pipelines/quality/patterns/, over state the store keeps.
import { z } from 'zod';

const count = (min: number, max: number, fallback: number) => z.int().min(min).max(max).default(fallback);

export const PATTERN_PARAMS = {
  /** 004 篇五 art. 7: one mobile on several customers is a suspicious clue. */
  'shared-mobile': z.strictObject({ minHolders: count(2, 1000, 2) }),
  /** 004 篇五 art. 7: one of the customer's own accounts is another customer's own account too. */
  'shared-bank-account': z.strictObject({ minHolders: count(2, 1000, 2) }),
  /** 004 篇五 art. 11: the agent's (or a relative's) mobile or address written into a customer's record. */
  'agent-contact-reuse': z.strictObject({}),
  /** 002 tobacco art. 12(4): the mobile changed at least `minChanges` times within `windowDays`. */
  'frequent-mobile-change': z.strictObject({ minChanges: count(2, 100, 2), windowDays: count(1, 366, 30) }),
} as const;

export type PatternName = keyof typeof PATTERN_PARAMS;
export type PatternParams<N extends PatternName> = z.infer<(typeof PATTERN_PARAMS)[N]>;
export const PATTERN_NAMES = Object.keys(PATTERN_PARAMS) as PatternName[];

export function isPatternName(name: string): name is PatternName {
  return Object.hasOwn(PATTERN_PARAMS, name);
}
