// Every request and response of the console's HTTP API, as zod schemas: the server validates and
// serialises with them (fastify-type-provider-zod), /api/openapi.json is generated from them, and
// the UI reads the same types. Issue shapes come from the contract and the steward desk, never
// restated here. Apart from RevealResponse, no schema here has room for a raw personal value.
import { z } from 'zod';
import { IssueState } from '../contract/issue.ts';
import { IssueQuery } from '../runtime/steward-desk.ts';
import { StewardAction } from '../stewardship/actions.ts';
import { HistoryEntry } from '../stewardship/lifecycle.ts';
import { Permission, Role } from '../stewardship/roles.ts';

export { HistoryEntry, IssueState, StewardAction };

const instant = z.iso.datetime({ offset: true });

/** Every error: a stable code, the offending field for a 400 (dotted path, e.g. `action.kind`), a message without values. */
export const ErrorBody = z.object({
  error: z.enum(['bad-request', 'unauthorized', 'forbidden', 'csrf', 'not-found', 'stale-version', 'conflict', 'throttled', 'internal']),
  field: z.string().optional(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Username = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{1,31}$/, 'lower-case letters, digits, . _ -, starting with a letter, 2 to 32 characters');

// ---- session ----
export const SignInBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export const SessionInfo = z.object({
  username: z.string(),
  role: Role,
  /** Send it back in header x-csrf-token on every POST/PUT/PATCH/DELETE. */
  csrfToken: z.string(),
  expiresAt: instant,
  permissions: z.array(Permission),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
export const Me = z.object({ username: z.string(), role: Role, permissions: z.array(Permission) });
export const Ok = z.object({ ok: z.literal(true) });
/** A user replaces the one-time password they were given (their other sessions end). */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(12, 'at least 12 characters').max(256),
});

// ---- issues ----
/** The queue's filters: the desk's own schema (helper A), from the query string. */
export const IssueListQuery = IssueQuery;
export const IssueList = z.object({ issues: z.array(IssueState), total: z.int().min(0) });

export const IssueIdParams = z.strictObject({ id: z.string().min(1).max(128) });

/** The customer's contact record as the vault keeps it masked (same masks as analytics). */
export const MaskedContact = z.object({
  kind: z.string(),
  tier: z.string(),
  channel: z.string(),
  nameMasked: z.string(),
  mobileMasked: z.string(),
  landlineMasked: z.string(),
  emailMasked: z.string(),
  addressMasked: z.string(),
  idNumberMasked: z.string(),
});
/** The finding's evidence (pipelines/quality/patterns/pattern-state.ts): tokens and masks only. */
export const FindingEvidence = z.object({
  reasons: z.array(z.string()).optional(),
  holders: z
    .array(z.object({ customerToken: z.string(), masked: z.string(), since: z.string(), source: z.string(), channel: z.string(), agentToken: z.string() }))
    .optional(),
  agent: z
    .object({ agentToken: z.string(), matches: z.array(z.object({ field: z.enum(['mobile', 'address']), who: z.enum(['agent', 'relative']), masked: z.string() })) })
    .optional(),
  changes: z.array(z.string()).optional(),
});
export const IssueDetail = z.object({
  issue: IssueState,
  history: z.array(HistoryEntry),
  masked: MaskedContact.nullable(),
  /** The finding's evidence (for a pattern: the other members, masked and tokenised); null once it cleared. */
  evidence: FindingEvidence.nullable(),
  /** Whether a supervisor approved a reveal for this issue (core tier needs one). */
  revealApproved: z.boolean(),
});
export type IssueDetail = z.infer<typeof IssueDetail>;

export const ActionBody = z.strictObject({ expectedVersion: z.int().min(1), action: StewardAction });
export type ActionBody = z.infer<typeof ActionBody>;
export const ActionResult = z.object({ issue: IssueState });

export const AssignBody = z.strictObject({ issueIds: z.array(z.string().min(1).max(128)).min(1).max(500), assignee: Username });
export const AssignResult = z.object({
  assigned: z.array(IssueState),
  /** Issues that could not be assigned (not active, not found), with the status a single request would get. */
  refused: z.array(z.object({ issueId: z.string(), status: z.int(), message: z.string() })),
});
export const BreachList = z.object({ issues: z.array(IssueState) });

// ---- reveal ----
export const CONTACT_FIELDS = ['name', 'mobile', 'landline', 'address'] as const;
export const ContactField = z.enum(CONTACT_FIELDS);
export const RevealBody = z.strictObject({
  purpose: z.string().trim().min(5, 'say why, in at least 5 characters').max(500),
  fields: z
    .array(ContactField)
    .min(1)
    .max(CONTACT_FIELDS.length)
    .refine((f) => new Set(f).size === f.length, 'each field once'),
});
export type RevealBody = z.infer<typeof RevealBody>;
/** The only response that carries raw values; sent with Cache-Control: no-store. */
export const RevealResponse = z.object({
  issueId: z.string(),
  customerToken: z.string(),
  values: z.partialRecord(ContactField, z.string()),
  loggedAt: instant,
});
export const RevealApprovalBody = z.strictObject({ note: z.string().trim().max(2000).default(''), expectedVersion: z.int().min(1).optional() });
export const RevealApproval = z.object({ issueId: z.string(), approvedBy: z.string(), at: instant, note: z.string() });

// ---- access log ----
export const AccessLogQuery = z.strictObject({
  person: z.string().max(64).optional(),
  customerToken: z.string().max(128).optional(),
  issueId: z.string().max(128).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export type AccessLogQuery = z.infer<typeof AccessLogQuery>;
export const AccessLogEntry = z.object({
  id: z.string(),
  at: instant,
  username: z.string(),
  role: z.string(),
  action: z.string(),
  issueId: z.string(),
  customerToken: z.string(),
  purpose: z.string(),
  fields: z.array(z.string()),
});
export type AccessLogEntry = z.infer<typeof AccessLogEntry>;
export const AccessLogList = z.object({ entries: z.array(AccessLogEntry), total: z.int().min(0) });

// ---- users (admin) ----
export const UserSummary = z.object({ username: z.string(), role: Role, disabled: z.boolean(), createdAt: instant, updatedAt: instant });
export const UserList = z.object({ users: z.array(UserSummary) });
export const CreateUserBody = z.strictObject({ username: Username, role: Role });
export const UserNameParams = z.strictObject({ name: Username });
/** Shown once to the admin, who hands it over; the user should change it (reset again) after. */
export const OneTimePassword = z.object({ username: z.string(), role: Role, oneTimePassword: z.string() });

// ---- configuration (admin) ----
export const ConfigView = z.object({
  settings: z.record(z.string(), z.string()),
  throttle: z.object({ perUser: z.int(), perAddress: z.int(), windowSeconds: z.int() }),
  sessionTtlSeconds: z.int(),
});

// ---- analysts' dashboards ----
// Helper C's pipelines/console/routes/dashboards.ts exports `registerDashboardRoutes`, a Fastify
// plugin (FastifyPluginAsync) whose routes declare zod schemas like these; server.ts registers it
// under the /api prefix inside a scope that already requires a session with dashboards:read.
