// Issue state in a map: a fake for unit tests of the issue tracker and of what feeds it. The
// pipeline keeps issue state in the operational store (connectors/postgres), loaded per batch.
import type { IssueStateStore } from '../../../pipelines/quality/issue-tracker.ts';
import type { IssueState } from '../../../pipelines/quality/model.ts';
import { isActive } from '../../../pipelines/contract/issue.ts';

export class InMemoryIssueStateStore implements IssueStateStore {
  readonly #open = new Map<string, Map<string, IssueState>>();

  get(ruleId: string, customerToken: string): IssueState | undefined {
    return this.#open.get(customerToken)?.get(ruleId);
  }

  openRulesOf(customerToken: string): readonly string[] {
    return [...(this.#open.get(customerToken)?.keys() ?? [])];
  }

  hasOpen(customerToken: string): boolean {
    return this.#open.has(customerToken);
  }

  /** Only active issues are kept: the pipeline never changes a closed one. */
  put(state: IssueState): void {
    let byRule = this.#open.get(state.customerToken);
    if (isActive(state.status)) {
      if (!byRule) this.#open.set(state.customerToken, (byRule = new Map()));
      byRule.set(state.ruleId, state);
    } else if (byRule) {
      byRule.delete(state.ruleId);
      if (byRule.size === 0) this.#open.delete(state.customerToken);
    }
  }

  /** Drops what is cached for a customer, e.g. when another process may have changed it. */
  forget(customerToken: string): void {
    this.#open.delete(customerToken);
  }

  get openCount(): number {
    let count = 0;
    for (const byRule of this.#open.values()) count += byRule.size;
    return count;
  }
}
