// Why this process is not ready, if it is not: the reasons /readyz answers 503 with. Each
// condition is a name and a sentence (counts, codes and times only, never personal data); the
// process is ready while none is set.

export interface Readiness {
  readonly ready: boolean;
  /** One line per condition, e.g. `store unavailable since …: ECONNREFUSED`; '' when ready. */
  readonly reason: string;
}

export class Health {
  readonly #conditions = new Map<string, string>();

  /** Sets (or updates) a condition that keeps the process from being ready. */
  set(name: string, reason: string): void {
    this.#conditions.set(name, reason);
  }

  clear(name: string): void {
    this.#conditions.delete(name);
  }

  has(name: string): boolean {
    return this.#conditions.has(name);
  }

  readiness(): Readiness {
    if (this.#conditions.size === 0) return { ready: true, reason: '' };
    return { ready: false, reason: [...this.#conditions.values()].join('; ') };
  }
}
