// INTERIM (helper B): the console's view of helper A's StewardDesk, written from the shared design
// until A's own file lands; A's version replaces this file on merge.
import { z } from 'zod';
import type { IssueState } from '../contract/issue.ts';
import type { Role } from '../stewardship/roles.ts';

export { ACTIVE_STATUSES, IssueState } from '../contract/issue.ts';

export const CALLBACK_RESULTS = ['reached', 'unreachable', 'wrong-number', 'refused'] as const;
export const STEWARD_OUTCOMES = ['confirmed-correct', 'corrected', 'legitimate', 'false-positive'] as const;
const note = z.string().max(2000);

export const StewardAction = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('claim') }),
  z.strictObject({ kind: z.literal('release'), note: note.optional() }),
  z.strictObject({ kind: z.literal('start-verification') }),
  z.strictObject({
    kind: z.literal('record-callback'),
    channel: z.enum(['phone', 'sms', 'email', 'visit']),
    result: z.enum(CALLBACK_RESULTS),
    note: note.optional(),
    nextAttemptAt: z.iso.datetime({ offset: true }).optional(),
  }),
  z.strictObject({ kind: z.literal('pause'), reason: z.string().min(1).max(500) }),
  z.strictObject({ kind: z.literal('resume') }),
  z.strictObject({ kind: z.literal('escalate'), note: note.optional() }),
  z.strictObject({ kind: z.literal('return'), note: note.optional() }),
  z.strictObject({ kind: z.literal('assign'), assignee: z.string().min(1).max(64) }),
  z.strictObject({
    kind: z.literal('resolve'),
    outcome: z.enum(STEWARD_OUTCOMES),
    note: note.optional(),
    corrected: z.record(z.string(), z.string()).optional(),
  }),
]);
export type StewardAction = z.infer<typeof StewardAction>;

export const HistoryEntry = z.strictObject({
  issueId: z.string(),
  seq: z.int(),
  at: z.string(),
  actor: z.string(),
  actorRole: z.string(),
  action: z.string(),
  fromStatus: z.string(),
  toStatus: z.string(),
  note: z.string(),
  evidence: z.unknown(),
  versionAfter: z.int(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export interface Actor {
  readonly username: string;
  readonly role: Role;
}

export const IssueQuery = z.object({
  queue: z.string().optional(),
  ruleId: z.string().optional(),
  channel: z.string().optional(),
  source: z.string().optional(),
  agentToken: z.string().optional(),
  dueBefore: z.string().optional(),
  status: z.string().optional(),
  assignee: z.string().optional(),
  escalated: z.boolean().optional(),
  limit: z.int().optional(),
  offset: z.int().optional(),
});
export type IssueQuery = z.infer<typeof IssueQuery>;

export interface StewardDesk {
  list(query: IssueQuery): Promise<{ issues: IssueState[]; total: number }>;
  get(issueId: string): Promise<{ issue: IssueState; history: HistoryEntry[]; evidence: unknown } | undefined>;
  act(issueId: string, expectedVersion: number, actor: Actor, action: StewardAction): Promise<IssueState>;
  assign(issueIds: readonly string[], assignee: string, actor: Actor): Promise<IssueState[]>;
  breaches(): Promise<IssueState[]>;
}
