// What stewards and supervisors do to an issue, as the console sends it: one zod discriminated
// union, so that the API validates every request against the same schema the reducer relies on
// (pipelines/stewardship/lifecycle.ts). Free-text notes are the steward's words about the work,
// never a place for the customer's data; corrected values are raw and leave only sealed.
import { z } from 'zod';
import { StewardOutcome } from '../contract/issue.ts';

/**
 * Console roles (pipelines/stewardship/roles.ts, owned by the console, has the same union and the
 * permission table): only stewards and supervisors work issues.
 */
export const ACTOR_ROLES = ['steward', 'supervisor', 'analyst', 'auditor', 'admin'] as const;
export const ActorRole = z.enum(ACTOR_ROLES);
export type ActorRole = z.infer<typeof ActorRole>;

export const Actor = z.strictObject({ username: z.string().min(1).max(100), role: ActorRole });
export type Actor = z.infer<typeof Actor>;

const instant = z.iso.datetime({ offset: true });
const note = z.string().trim().max(2000);
const requiredNote = note.min(1);

export const CALLBACK_CHANNELS = ['phone', 'sms', 'email', 'visit'] as const;
export const CallbackChannel = z.enum(CALLBACK_CHANNELS);
export const CALLBACK_RESULTS = ['reached', 'unreachable', 'wrong-number', 'refused'] as const;
export const CallbackResult = z.enum(CALLBACK_RESULTS);

/** The fields a correction may carry (CORRECTABLE_FIELDS): raw values, sealed before they are stored or sent. */
export { CORRECTABLE_FIELDS, type CorrectableField } from '../quality/patterns/pattern-state.ts';
export const CorrectedValues = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    mobile: z.string().trim().min(1).max(50).optional(),
    landline: z.string().trim().min(1).max(50).optional(),
    address: z.string().trim().min(1).max(500).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'at least one corrected field is required' });
export type CorrectedValues = z.infer<typeof CorrectedValues>;

const Resolve = z
  .strictObject({
    type: z.literal('resolve'),
    outcome: StewardOutcome,
    note,
    /** Why the pattern is legitimate (e.g. family members sharing a phone): required for `legitimate`. */
    reason: z.string().trim().max(2000).optional(),
    /** The corrected values: required, and non-empty, for `corrected`. */
    corrected: CorrectedValues.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.outcome === 'legitimate' && !a.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required when the outcome is "legitimate"' });
    if (a.outcome === 'corrected' && !a.corrected) ctx.addIssue({ code: 'custom', path: ['corrected'], message: 'required when the outcome is "corrected"' });
    if (a.outcome !== 'corrected' && a.corrected) ctx.addIssue({ code: 'custom', path: ['corrected'], message: 'only for the outcome "corrected"' });
  });

export const StewardAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('claim') }),
  z.strictObject({ type: z.literal('release'), note: note.optional() }),
  z.strictObject({ type: z.literal('start-verification') }),
  z.strictObject({
    type: z.literal('record-callback'),
    channel: CallbackChannel,
    result: CallbackResult,
    note,
    /** When to try again after `unreachable`; the next PRC working day (09:00 Shanghai) by default. */
    nextAttemptAt: instant.optional(),
  }),
  z.strictObject({ type: z.literal('pause'), reason: requiredNote }),
  z.strictObject({ type: z.literal('resume'), note: note.optional() }),
  z.strictObject({ type: z.literal('escalate'), note: requiredNote }),
  z.strictObject({ type: z.literal('return'), note: requiredNote }),
  z.strictObject({ type: z.literal('assign'), assignee: z.string().trim().min(1).max(100) }),
  Resolve,
  z.strictObject({ type: z.literal('approve-reveal'), note: note.optional() }),
]);
export type StewardAction = z.infer<typeof StewardAction>;
export type StewardActionType = StewardAction['type'];

/** The action as history keeps it: a correction's raw values replaced by the names of the fields. */
export function withoutRawValues(action: StewardAction): StewardAction {
  if (action.type !== 'resolve' || !action.corrected) return action;
  const sealed = Object.fromEntries(Object.keys(action.corrected).map((field) => [field, '[sealed]']));
  return { ...action, corrected: sealed };
}
