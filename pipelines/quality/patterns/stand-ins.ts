// Which mobiles are stand-ins (13800000000, one repeated digit, an ascending run): numbers typed in
// to get past a mandatory field, not anyone's phone. The pack's placeholder-value rule says which
// (its params: the same list, the same runs), and flags every customer holding one. Such a number
// is in no shared-mobile group: on hundreds of customers it is no clue that they share a phone,
// and each join would rewrite every member's finding (the group's size is on each), so a group
// that grows with the store made each batch dearer than the one before.
import type { CompiledRule } from '../../../rules/engine/load-rule-pack.ts';
import { isPlaceholderMobile, type PlaceholderPhoneOptions } from '../../../rules/checks/placeholder.ts';

/** Whether a raw mobile (as the event writes it) is a stand-in. */
export type StandInMobile = (mobile: string) => boolean;

export const NO_STAND_INS: StandInMobile = () => false;

const byPack = new WeakMap<readonly CompiledRule[], StandInMobile>();

/** The stand-in test of a compiled pack: its placeholder-value rule's phones, or none without that rule. */
export function standInMobiles(rules: readonly CompiledRule[]): StandInMobile {
  let test = byPack.get(rules);
  if (!test) {
    const placeholder = rules.find((r) => r.kind === 'record' && r.definition.check === 'placeholder-value');
    if (!placeholder) test = NO_STAND_INS;
    else {
      const options = placeholder.params as PlaceholderPhoneOptions;
      test = (mobile) => isPlaceholderMobile(mobile, options);
    }
    byPack.set(rules, test);
  }
  return test;
}
