// In shared-ownership mode (a consumer group), what this process knows about each scope (Kafka
// partition) it holds: the tenure it is in, and which customers' issue state it has loaded during
// that tenure. A customer's events all travel in one scope (same key, same partition), so the
// issue state loaded for it stays valid for exactly as long as the tenure lasts.

export class ScopeTenures {
  readonly #tenure = new Map<string, number>();
  readonly #customers = new Map<string, Set<string>>();

  /** True when a batch opens a tenure this process has not prepared for yet. */
  isNew(scope: string, tenure: number): boolean {
    return this.#tenure.get(scope) !== tenure;
  }

  /**
   * Starts the tenure; returns the customers whose state was loaded in the scope's previous
   * tenure, which the caller must forget: another process may have changed them since.
   */
  begin(scope: string, tenure: number): readonly string[] {
    this.#tenure.set(scope, tenure);
    const before = this.#customers.get(scope);
    this.#customers.set(scope, new Set());
    return before ? [...before] : [];
  }

  /**
   * Ends the tenure early (a batch of the scope was abandoned): the scope's next batch starts a
   * new one. Returns the customers whose state was loaded, which the caller must forget.
   */
  end(scope: string): readonly string[] {
    this.#tenure.delete(scope);
    const before = this.#customers.get(scope);
    this.#customers.delete(scope);
    return before ? [...before] : [];
  }

  /** The customers (tokens) whose state has not been loaded in this tenure; marks them loaded. */
  claimUnloaded(scope: string, customerTokens: Iterable<string>): string[] {
    let loaded = this.#customers.get(scope);
    if (!loaded) this.#customers.set(scope, (loaded = new Set()));
    const out: string[] = [];
    for (const token of customerTokens) {
      if (token === '' || loaded.has(token)) continue;
      loaded.add(token);
      out.push(token);
    }
    return out;
  }
}
