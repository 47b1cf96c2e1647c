// The only source of randomness in the generator: everything downstream of one seed is reproducible
// byte for byte, so an end-to-end test can pin exact expectations to (seed, customers).
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

const CHANCE_SCALE = 1_000_000;

export class Rng {
  readonly #source: JumpableRandomGenerator;

  constructor(seedOrSource: number | JumpableRandomGenerator) {
    this.#source = typeof seedOrSource === 'number' ? xoroshiro128plus(seedOrSource | 0) : seedOrSource;
  }

  /**
   * An independent stream 2^64 steps away. Noise (bad lines, duplicates) and agents draw from forks
   * so that changing their rates leaves the customers themselves unchanged.
   */
  fork(): Rng {
    const source = this.#source.clone();
    source.jump();
    this.#source.jump();
    this.#source.jump();
    return new Rng(source);
  }

  /** Integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.#source, from, to);
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return uniformInt(this.#source, 0, CHANCE_SCALE - 1) < probability * CHANCE_SCALE;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[uniformInt(this.#source, 0, items.length - 1)] as T;
  }

  /** Picks by relative weight: `[[value, weight], …]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of choices) total += weight;
    let roll = uniformInt(this.#source, 0, CHANCE_SCALE - 1) * (total / CHANCE_SCALE);
    for (const [value, weight] of choices) {
      if (roll < weight) return value;
      roll -= weight;
    }
    const last = choices[choices.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /** A string of `count` decimal digits, leading zeros allowed. */
  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(uniformInt(this.#source, 0, 9));
    return out;
  }
}
