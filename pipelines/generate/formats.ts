// How upstream systems write phones and account numbers. All of these are clean: the rules must
// tolerate +86, spaces, dashes and brackets, so the stream exercises them.
import type { Rng } from './rng.ts';
import type { Region } from './data/regions.ts';

export function styleMobile(rng: Rng, mobile: string): string {
  const a = mobile.slice(0, 3);
  const b = mobile.slice(3, 7);
  const c = mobile.slice(7);
  return rng.weighted<string>([
    [mobile, 80],
    [`+86 ${a}-${b}-${c}`, 5],
    [`${a} ${b} ${c}`, 5],
    [`+86${mobile}`, 4],
    [`${a}-${b}-${c}`, 3],
    [`+86 ${mobile}`, 3],
  ]);
}

export function styleLandline(rng: Rng, region: Region, local: string): string {
  const withoutZero = region.areaCode.slice(1);
  const dashed = `${region.areaCode}-${local}`;
  return rng.weighted<string>([
    [dashed, 78],
    // Switchboard extensions, mostly on office numbers.
    [`${dashed}-${rng.pick(['801', '802', '8016', '603', '2105'])}`, 7],
    [`(${region.areaCode})${local}`, 8],
    [`+86 ${withoutZero} ${local}`, 7],
  ]);
}

/** Cards are sometimes keyed in groups of four, as printed on the card. */
export function styleAccount(rng: Rng, number: string): string {
  if (!rng.chance(0.1)) return number;
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}
