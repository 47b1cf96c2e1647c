// The issue lifecycle as a pure reducer: what a steward's action, or a pipeline/clock/relay change,
// does to an issue, and the history entry that records it. No I/O: the desk (connectors/postgres/
// steward-desk.ts) and the pipeline's batch transaction store what these return, and a test folds
// the stored history and compares it with the stored state.
//
// open ──claim/assign──▶ claimed ──start-verification/record-callback──▶ in-verification
//   ▲                      │  ▲                                              │
//   └────── release ───────┘  └──────────────────── (stays) ◀────────────────┤
//                                         resolve (assignee or supervisor) ──┴──▶ resolved
// Every active issue can be paused/resumed, escalated/returned; a resolved issue reopens on new
// evidence (the pipeline). Every transition adds 1 to the version.
import { z } from 'zod';
import { addWorkingDays, shanghaiDate } from '../calendar/deadlines.ts';
import type { WorkingDayCalendar } from '../calendar/prc-calendar.ts';
import { IssueChangeKind, IssueState, IssueStatus, isActive, STEWARD_ACTIONS, type IssueChange } from '../contract/issue.ts';
import { ConflictError, ForbiddenError } from '../errors.ts';
import { reopenIssue } from '../quality/issue-tracker.ts';
import { Actor, ActorRole, StewardAction, withoutRawValues } from './actions.ts';

/** Who made a change: a console user, or one of Verity's own processes. */
export const SYSTEM_ROLES = ['pipeline', 'sla-clock', 'relay'] as const;
export const HistoryRole = z.union([z.enum(SYSTEM_ROLES), ActorRole]);
export type HistoryRole = z.infer<typeof HistoryRole>;

/** Per entry: a steward action as taken (raw values removed), or the fields a system change set. */
export const HistoryEvidence = z.strictObject({
  action: StewardAction.optional(),
  patch: z.record(z.string(), z.unknown()).optional(),
});
export type HistoryEvidence = z.infer<typeof HistoryEvidence>;

/** One immutable row of `verity.issue_history`. */
export const HistoryEntry = z.strictObject({
  issueId: z.string().min(1),
  /** 1, 2, 3… per issue: equal to the version the transition produced. */
  seq: z.int().positive(),
  at: z.iso.datetime({ offset: true }),
  actor: z.string(),
  actorRole: HistoryRole,
  action: IssueChangeKind,
  /** '' for the entry that opened the issue. */
  fromStatus: z.union([z.literal(''), IssueStatus]),
  toStatus: IssueStatus,
  note: z.string(),
  evidence: HistoryEvidence,
  versionAfter: z.int().positive(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export interface Transition {
  readonly state: IssueState;
  readonly entry: HistoryEntry;
  /** The change for the mirrors (analytics store, issue topic). */
  readonly change: IssueChange;
}

export interface StewardContext {
  /** When the action is taken (the desk's wall clock). */
  readonly at: string;
  readonly actor: Actor;
  /** For the default next attempt after an unreachable callback; not needed when folding history. */
  readonly calendar?: WorkingDayCalendar;
}

/** The roles that work issues; analysts, auditors and admins only read (or not even that). */
const WORKING_ROLES: readonly ActorRole[] = ['steward', 'supervisor'];

const isSupervisor = (actor: Actor) => actor.role === 'supervisor';

function mustWork(issue: IssueState, actor: Actor): void {
  if (!WORKING_ROLES.includes(actor.role)) throw new ForbiddenError(`role ${actor.role} does not work issues`);
  if (!isActive(issue.status)) throw new ConflictError(`issue ${issue.issueId} is ${issue.status}`);
}

/** Only the steward holding the issue, or a supervisor, acts on a held issue. */
function mustHold(issue: IssueState, actor: Actor): void {
  mustWork(issue, actor);
  if (issue.status === 'open') throw new ConflictError(`issue ${issue.issueId} is open: claim it first`);
  if (issue.assignee !== actor.username && !isSupervisor(actor)) throw new ForbiddenError(`issue ${issue.issueId} is held by another steward`);
}

function mustSupervise(issue: IssueState, actor: Actor, what: string): void {
  mustWork(issue, actor);
  if (!isSupervisor(actor)) throw new ForbiddenError(`only a supervisor may ${what}`);
}

/** 09:00 in Shanghai on the next PRC working day after `at`: when an unreachable customer is called again. */
export function nextWorkingMorning(at: string, calendar: WorkingDayCalendar): string {
  return `${addWorkingDays(shanghaiDate(at), 1, calendar).date}T09:00:00.000+08:00`;
}

/**
 * The action with everything the reducer would otherwise work out filled in (the default next
 * attempt), so that history keeps what was decided and a fold needs no calendar.
 */
export function settleAction(action: StewardAction, ctx: StewardContext): StewardAction {
  if (action.type === 'record-callback' && action.result === 'unreachable' && !action.nextAttemptAt) {
    if (!ctx.calendar) throw new Error('record-callback: a calendar is needed for the default next attempt');
    return { ...action, nextAttemptAt: nextWorkingMorning(ctx.at, ctx.calendar) };
  }
  return action;
}

/** What one steward action does to an issue; throws ConflictError (409) or ForbiddenError (403). */
export function applyStewardAction(issue: IssueState, input: StewardAction, ctx: StewardContext): Transition {
  const action = settleAction(input, ctx);
  const { actor, at } = ctx;
  let next: IssueState;
  let note = '';
  switch (action.type) {
    case 'claim':
      mustWork(issue, actor);
      if (issue.status !== 'open') throw new ConflictError(`issue ${issue.issueId} is ${issue.status}${issue.assignee ? ' by another steward' : ''}: only an open issue can be claimed`);
      if (issue.escalated && !isSupervisor(actor)) throw new ForbiddenError(`issue ${issue.issueId} is escalated: a supervisor assigns it`);
      next = { ...issue, status: 'claimed', assignee: actor.username };
      break;
    case 'release':
      mustHold(issue, actor);
      next = { ...issue, status: 'open', assignee: '', nextAttemptAt: '' };
      note = action.note ?? '';
      break;
    case 'start-verification':
      mustHold(issue, actor);
      if (issue.status !== 'claimed') throw new ConflictError(`issue ${issue.issueId} is ${issue.status}: verification starts from claimed`);
      next = { ...issue, status: 'in-verification' };
      break;
    case 'record-callback':
      mustHold(issue, actor);
      // A call made is verification under way: a claimed issue moves on.
      next = {
        ...issue,
        status: 'in-verification',
        callbackAttempts: issue.callbackAttempts + 1,
        nextAttemptAt: action.result === 'unreachable' ? action.nextAttemptAt! : '',
      };
      note = action.note;
      break;
    case 'pause':
      mustHold(issue, actor);
      if (issue.pausedSince) throw new ConflictError(`issue ${issue.issueId} is paused already`);
      next = { ...issue, pausedSince: at, pauseReason: action.reason };
      note = action.reason;
      break;
    case 'resume':
      mustHold(issue, actor);
      if (!issue.pausedSince) throw new ConflictError(`issue ${issue.issueId} is not paused`);
      next = { ...issue, pausedSince: '', pauseReason: '' };
      note = action.note ?? '';
      break;
    case 'escalate':
      mustWork(issue, actor);
      if (issue.status !== 'open' && issue.assignee !== actor.username && !isSupervisor(actor)) throw new ForbiddenError(`issue ${issue.issueId} is held by another steward`);
      if (issue.escalated) throw new ConflictError(`issue ${issue.issueId} is escalated already`);
      next = { ...issue, escalated: true };
      note = action.note;
      break;
    case 'return':
      mustSupervise(issue, actor, 'return an escalated issue');
      if (!issue.escalated) throw new ConflictError(`issue ${issue.issueId} is not escalated`);
      next = { ...issue, escalated: false };
      note = action.note;
      break;
    case 'assign':
      mustSupervise(issue, actor, 'assign issues');
      next = { ...issue, status: issue.status === 'open' ? 'claimed' : issue.status, assignee: action.assignee };
      break;
    case 'resolve':
      mustHold(issue, actor);
      next = { ...issue, status: 'resolved', resolution: action.outcome, outcome: action.outcome, nextAttemptAt: '', pausedSince: '', pauseReason: '' };
      note = action.reason ? `${action.note}${action.note ? '\n' : ''}reason: ${action.reason}` : action.note;
      break;
    case 'approve-reveal':
      mustSupervise(issue, actor, 'approve a reveal');
      if (issue.tier !== 'core') throw new ConflictError(`issue ${issue.issueId} is not core tier: no approval needed`);
      next = { ...issue };
      note = action.note ?? '';
      break;
  }
  next = { ...next, updatedAt: at, version: issue.version + 1 };
  const entry: HistoryEntry = {
    issueId: issue.issueId,
    seq: next.version,
    at,
    actor: actor.username,
    actorRole: actor.role,
    action: action.type,
    fromStatus: issue.status,
    toStatus: next.status,
    note,
    evidence: { action: withoutRawValues(action) },
    versionAfter: next.version,
  };
  return { state: next, entry, change: { change: action.type, issue: next, eventId: issue.lastEventId, occurredAt: at } };
}

/** The fields a system change set, compared with the state before it (all of them for an opening). */
export function patchOf(before: IssueState | undefined, after: IssueState): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (key === 'version') continue;
    if (!before || (before as Record<string, unknown>)[key] !== value) patch[key] = value;
  }
  return patch;
}

export interface SystemActor {
  readonly actor: string;
  readonly actorRole: (typeof SYSTEM_ROLES)[number];
}

export const PIPELINE_ACTOR: SystemActor = { actor: 'pipeline', actorRole: 'pipeline' };
export const RELAY_ACTOR: SystemActor = { actor: 'relay', actorRole: 'relay' };
export const CLOCK_ACTOR: SystemActor = { actor: 'sla-clock', actorRole: 'sla-clock' };

/**
 * The history entry of a change the pipeline, the clock or the relay made (they compute the new
 * state themselves): it records the fields that changed, so that the fold reproduces them.
 */
export function systemEntry(before: IssueState | undefined, change: IssueChange, by: SystemActor, note = '', at = change.occurredAt): HistoryEntry {
  const after = change.issue;
  if (before && after.version !== before.version + 1) throw new ConflictError(`issue ${after.issueId}: version ${after.version} does not follow ${before.version}`);
  if (!before && after.version !== 1) throw new ConflictError(`issue ${after.issueId}: an opening must be version 1`);
  return {
    issueId: after.issueId,
    seq: after.version,
    at,
    actor: by.actor,
    actorRole: by.actorRole,
    action: change.change,
    fromStatus: before?.status ?? '',
    toStatus: after.status,
    note,
    evidence: { patch: patchOf(before, after) },
    versionAfter: after.version,
  };
}

/** A resolved issue the pipeline sees new evidence for: back in the queue, nobody holding it. */
export function reopen(issue: IssueState, eventId: string, at: string): IssueChange {
  if (issue.status !== 'resolved') throw new ConflictError(`issue ${issue.issueId} is ${issue.status}: only a resolved issue reopens`);
  return reopenIssue(issue, { eventId, occurredAt: at });
}

/** A change that records something without changing the issue's fields (a correction confirmed or sent). */
export function recordOnly(issue: IssueState, change: 'correction-confirmed' | 'correction-sent', eventId: string, at: string): IssueChange {
  return { change, issue: { ...issue, updatedAt: at, version: issue.version + 1 }, eventId, occurredAt: at };
}

const STEWARD = new Set<string>(STEWARD_ACTIONS);

/**
 * The state a history leads to: the first entry opens the issue, each later one is replayed — a
 * steward's action through the reducer (which re-checks it was legal), a system change by its
 * recorded fields. Throws when the history is not a gapless sequence of legal transitions.
 */
export function fold(history: readonly HistoryEntry[]): IssueState | undefined {
  let state: IssueState | undefined;
  for (const entry of [...history].sort((a, b) => a.seq - b.seq)) {
    if (!state) {
      if (entry.seq !== 1 || !entry.evidence.patch) throw new ConflictError(`issue ${entry.issueId}: history does not start with its opening`);
      state = IssueState.parse({ ...entry.evidence.patch, version: 1 });
      continue;
    }
    if (entry.seq !== state.version + 1) throw new ConflictError(`issue ${entry.issueId}: history jumps from ${state.version} to ${entry.seq}`);
    if (STEWARD.has(entry.action)) {
      if (!entry.evidence.action) throw new ConflictError(`issue ${entry.issueId}: entry ${entry.seq} lacks its action`);
      const role = ActorRole.parse(entry.actorRole);
      state = applyStewardAction(state, entry.evidence.action, { at: entry.at, actor: { username: entry.actor, role } }).state;
    } else {
      state = IssueState.parse({ ...state, ...entry.evidence.patch, version: entry.versionAfter });
    }
    if (state.version !== entry.versionAfter || state.status !== entry.toStatus) throw new ConflictError(`issue ${entry.issueId}: entry ${entry.seq} does not reproduce`);
  }
  return state;
}
