// Runs the rule pack over one customer change: which rules applied, and what each found.
import type { CustomerChange } from '../contract/customer-change.ts';
import type { CompiledRule, RecordRule } from '../../rules/engine/load-rule-pack.ts';
import type { RoleSelector } from '../../rules/engine/rule-pack.ts';
import { EventMemo } from '../cn/event-memo.ts';
import type { CheckContext, Severity, Violation } from '../../rules/checks/types.ts';
import { inStage } from '../errors.ts';

export interface RuleOutcome {
  readonly rule: RecordRule;
  readonly violations: readonly (Violation & { readonly severity: Severity })[];
}

function roleOf(event: CustomerChange): RoleSelector {
  return event.policy?.role ?? 'none';
}

/** Per rule list, per kind and role: which rules apply. Rule lists never change once loaded. */
const applying = new WeakMap<readonly CompiledRule[], Map<string, readonly CompiledRule[]>>();
const recordRulesOf = new WeakMap<readonly CompiledRule[], readonly RecordRule[]>();

/** The rules of a pack that judge one record at a time (not the pattern rules), computed once per pack. */
export function recordRules(rules: readonly CompiledRule[]): readonly RecordRule[] {
  let found = recordRulesOf.get(rules);
  if (found === undefined) recordRulesOf.set(rules, (found = Object.freeze(rules.filter((r): r is RecordRule => r.kind === 'record'))));
  return found;
}

/** The rules that apply to this event's customer kind and policy role, in rule order. */
export function rulesApplyingTo<R extends CompiledRule>(rules: readonly R[], event: CustomerChange): readonly R[] {
  const kind = event.customer?.kind;
  if (!kind) return [];
  const role = roleOf(event);
  let byKindRole = applying.get(rules) as Map<string, readonly R[]> | undefined;
  if (byKindRole === undefined) applying.set(rules, (byKindRole = new Map()));
  const key = `${kind}/${role}`;
  let found = byKindRole.get(key);
  if (found === undefined) {
    found = Object.freeze(rules.filter((r) => r.definition.appliesTo.kinds.includes(kind) && r.definition.appliesTo.roles.includes(role)));
    byKindRole.set(key, found);
  }
  return found;
}

const NO_VIOLATIONS: RuleOutcome['violations'] = Object.freeze([]);

/**
 * One outcome per applicable rule, passed ones included (they close issues fixed upstream). `memo`:
 * the event's (see EventMemo); a fresh one when the caller has none. A check that throws fails the
 * whole event as stage `rule:<id>`: its verdict is unknown, and an unknown verdict must never read
 * as a pass.
 */
export function evaluateRules(rules: readonly RecordRule[], event: CustomerChange, asOf: string, memo: EventMemo = new EventMemo()): RuleOutcome[] {
  const customer = event.customer;
  if (!customer) return [];
  const context: CheckContext = { event, customer, policy: event.policy, asOf, memo };
  return rulesApplyingTo(rules, event).map((rule) => {
    const found = inStage(`rule:${rule.definition.id}`, () => rule.check.run(context, rule.params));
    return {
      rule,
      violations: found.length === 0 ? NO_VIOLATIONS : found.map((v) => ({ ...v, severity: v.severity ?? rule.definition.severity })),
    };
  });
}
