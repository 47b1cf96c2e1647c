// Mainland China mobile numbers (MIIT numbering plan): 11 digits, 1 + network segment + subscriber.

/**
 * 3-digit segments in service for voice/SMS subscribers, per the MIIT 电信网码号资源 allocations:
 * - 130–139: all allocated (China Mobile 134–139, China Unicom 130–132, China Telecom 133).
 * - 145–149: data-card and IoT-with-voice segments (Unicom 145/146, Mobile 147/148, Telecom 149).
 *   140–144 are IoT-only (mostly 13-digit numbers) and never a person's phone.
 * - 150–153, 155–159: 154 was never allocated.
 * - 162 (Telecom MVNO), 165 (Mobile MVNO), 166 (Unicom), 167 (Unicom MVNO).
 * - 170, 171 (MVNOs), 172 (Mobile IoT), 173, 174 (satellite), 175–178; 179 unallocated.
 * - 180–189: all allocated.
 * - 190, 191, 193, 199 (Telecom), 192 (China Broadnet), 195, 197, 198 (Mobile), 196 (Unicom); 194 unallocated.
 * New allocations are a rule-pack change (the `prefixes` param), not a code change.
 */
export const MOBILE_PREFIXES: readonly string[] = Object.freeze([
  ...['130', '131', '132', '133', '134', '135', '136', '137', '138', '139'],
  ...['145', '146', '147', '148', '149'],
  ...['150', '151', '152', '153', '155', '156', '157', '158', '159'],
  ...['162', '165', '166', '167'],
  ...['170', '171', '172', '173', '174', '175', '176', '177', '178'],
  ...['180', '181', '182', '183', '184', '185', '186', '187', '188', '189'],
  ...['190', '191', '192', '193', '195', '196', '197', '198', '199'],
]);

export type MobileFailure = 'bad-character' | 'bad-length' | 'bad-prefix';

export type MobileResult =
  | { readonly ok: true; readonly national: string }
  | { readonly ok: false; readonly reason: MobileFailure };

/** The number without separators or the +86 / 0086 / 86 country code; undefined when it has other characters. */
export function normalizeMobile(value: string): string | undefined {
  const compact = value.normalize('NFKC').replace(/[\s\-]/gu, '');
  const match = /^(?:\+86|0086|86(?=\d{11}$))?(\d+)$/u.exec(compact);
  return match?.[1];
}

/** Each prefix list as a set, made on first use: lists (the built-in one, rule params) never change. */
const prefixSets = new WeakMap<readonly string[], ReadonlySet<string>>();

export function validateMobile(value: string, prefixes: readonly string[] = MOBILE_PREFIXES): MobileResult {
  const national = normalizeMobile(value);
  if (national === undefined) return { ok: false, reason: 'bad-character' };
  if (national.length !== 11) return { ok: false, reason: 'bad-length' };
  let set = prefixSets.get(prefixes);
  if (set === undefined) prefixSets.set(prefixes, (set = new Set(prefixes)));
  if (!set.has(national.slice(0, 3))) return { ok: false, reason: 'bad-prefix' };
  return { ok: true, national };
}
