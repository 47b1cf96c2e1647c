// Decides which customers carry which defects. Pure per-customer coin flips would leave small
// streams without some rules; instead each defect keeps pace with its rate (plus a random head
// start), so every defect appears within the first few hundred customers and the shares still
// converge to the declared rates. Which eligible customer gets it stays random.
import type { Rng } from './rng.ts';
import type { CustomerState } from './model.ts';
import type { Defect, Part } from './defects.ts';

/** Chance that a due defect waits for a later eligible customer: spreads injections out. */
const SKIP_CHANCE = 0.4;
/** Chance that a customer who already carries a defect gets a second, unrelated one. */
const SECOND_DEFECT_CHANCE = 0.15;

export class DefectSchedule {
  readonly #defects: readonly Defect[];
  readonly #injected: number[];
  readonly #headStart: number[];
  readonly #rng: Rng;
  #seen = 0;

  constructor(defects: readonly Defect[], rng: Rng) {
    this.#defects = defects;
    this.#rng = rng;
    this.#injected = defects.map(() => 0);
    this.#headStart = defects.map(() => 0.3 + rng.int(0, 699) / 1000);
  }

  /**
   * Defects for the next customer: none, one, or two that edit different parts of the record, and
   * none that edits a `blocked` part (one a pattern scenario needs as it wrote it).
   */
  next(state: CustomerState, blocked?: ReadonlySet<Part>): Defect[] {
    this.#seen++;
    const due: { index: number; deficit: number }[] = [];
    this.#defects.forEach((defect, index) => {
      const deficit = defect.rate * this.#seen + (this.#headStart[index] ?? 0) - (this.#injected[index] ?? 0);
      if (deficit < 1 || !defect.eligible(state)) return;
      if (blocked && defect.parts.some((part) => blocked.has(part))) return;
      due.push({ index, deficit });
    });
    if (due.length === 0 || this.#rng.chance(SKIP_CHANCE)) return [];

    due.sort((a, b) => b.deficit - a.deficit || a.index - b.index);
    const first = this.#rng.chance(0.7) ? due[0] : this.#rng.pick(due);
    if (!first) return [];
    const chosen = [first.index];
    if (this.#rng.chance(SECOND_DEFECT_CHANCE)) {
      const taken = new Set<Part>(this.#defects[first.index]?.parts);
      const compatible = due.filter(({ index }) => this.#defects[index]?.parts.every((p) => !taken.has(p)));
      if (compatible.length > 0) chosen.push(this.#rng.pick(compatible).index);
    }
    return chosen.map((index) => {
      this.#injected[index] = (this.#injected[index] ?? 0) + 1;
      return this.#defects[index] as Defect;
    });
  }
}
