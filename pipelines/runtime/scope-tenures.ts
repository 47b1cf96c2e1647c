// In shared-ownership mode (a consumer group), the tenure this process is in over each scope
// (Kafka partition) it holds. A batch of a tenure the process has not prepared for yet means the
// scope came (back) to it: it takes the scope over in the state store before anything else.

export class ScopeTenures {
  readonly #tenure = new Map<string, number>();

  /** True when a batch opens a tenure this process has not taken the scope over for yet. */
  isNew(scope: string, tenure: number): boolean {
    return this.#tenure.get(scope) !== tenure;
  }

  begin(scope: string, tenure: number): void {
    this.#tenure.set(scope, tenure);
  }

  /** Ends the tenure early (a batch of the scope was abandoned): its next batch takes it over again. */
  end(scope: string): void {
    this.#tenure.delete(scope);
  }
}
