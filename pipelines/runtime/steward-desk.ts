// The stewards' desk as the console needs it: the queues, one issue with its history and
// evidence, and the actions. connectors/postgres/steward-desk.ts implements it over the
// operational store, with the same locks as the pipeline's batch transaction, so that stewards and
// the pipeline change issues concurrently without lost updates.
import { z } from 'zod';
import { IssueState, IssueStatus } from '../contract/issue.ts';
import type { FindingEvidence } from '../quality/patterns/pattern-state.ts';
import type { Actor, StewardAction } from '../stewardship/actions.ts';
import type { HistoryEntry } from '../stewardship/lifecycle.ts';

export type { Actor, StewardAction } from '../stewardship/actions.ts';
export type { HistoryEntry } from '../stewardship/lifecycle.ts';
export type { FindingEvidence } from '../quality/patterns/pattern-state.ts';

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** A queue's filters, as the console's query string gives them. Every filter is optional. */
export const IssueQuery = z.strictObject({
  /** callback-verification, data-correction, agent-review, … (the rule pack's queues). */
  queue: z.string().min(1).max(100).optional(),
  ruleId: z.string().min(1).max(100).optional(),
  channel: z.string().min(1).max(100).optional(),
  source: z.string().min(1).max(100).optional(),
  agentToken: z.string().min(1).max(200).optional(),
  /** Issues due before this instant. */
  dueBefore: z.iso.datetime({ offset: true }).optional(),
  /** Active issues (open, claimed, in verification) when absent. */
  status: IssueStatus.optional(),
  /** A username; '' for issues nobody holds. */
  assignee: z.string().max(100).optional(),
  escalated: flag.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type IssueQuery = z.input<typeof IssueQuery>;

export interface IssueDetail {
  readonly issue: IssueState;
  /** Oldest first. */
  readonly history: readonly HistoryEntry[];
  /** The active finding's evidence (tokens and masks only), or null when the finding is no longer active. */
  readonly evidence: FindingEvidence | null;
}

export interface AssignResult {
  readonly assigned: readonly IssueState[];
  /** Issues that could not be assigned, and why (not active, not found). */
  readonly refused: readonly { readonly issueId: string; readonly status: number; readonly message: string }[];
}

export interface StewardDesk {
  /**
   * Issues matching the query, by priority: severity (critical first), then tier (core, important,
   * general), then due time; `total` counts all matches, before limit/offset.
   */
  list(query: IssueQuery): Promise<{ issues: IssueState[]; total: number }>;
  get(issueId: string): Promise<IssueDetail | undefined>;
  /**
   * One action on one issue, if the issue is still at `expectedVersion`: StaleVersionError (409)
   * when it changed meanwhile, ConflictError (409) when the action does not apply to it,
   * ForbiddenError (403) when the actor may not take it, NotFoundError (404). Returns the new state.
   */
  act(issueId: string, expectedVersion: number, actor: Actor, action: StewardAction): Promise<IssueState>;
  /** A supervisor assigns issues to a steward, each at its current version. */
  assign(issueIds: readonly string[], assignee: string, actor: Actor): Promise<AssignResult>;
  /** Active issues past their due time: the supervisors' breach board. */
  breaches(now?: string): Promise<IssueState[]>;
}
