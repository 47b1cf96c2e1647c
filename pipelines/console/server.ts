// The stewards' console: one Fastify 5 process serving the JSON API under /api (every request and
// response validated by the zod schemas of api-schemas.ts, OpenAPI generated from them at
// /api/openapi.json) and the web UI from pipelines/console/ui/.
//
// Access is decided in one place, the onRequest hook: a route is `public` (sign-in, OpenAPI) or
// needs a session; a state-changing method needs the session's CSRF token in x-csrf-token; a route's
// `permission` is checked against roles.ts. Handlers then only check what depends on the issue
// (who holds it). No response carries a raw value except the reveal, which is never cached.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { IssueRequestError } from '../errors.ts';
import type { Logger } from '../runtime/logger.ts';
import { ACTIVE_STATUSES } from '../contract/issue.ts';
import type { StewardDesk } from '../runtime/steward-desk.ts';
import { can, mayAct, mayReveal, permissionsOf, type Permission } from '../stewardship/roles.ts';
import { toCsv } from './access-log.ts';
import * as S from './api-schemas.ts';
import { generatePassword, sameSecret, verifyPassword, decoyHash } from './auth/passwords.ts';
import { createSession, deleteSession, findSession, SESSION_COOKIE, SESSION_TTL_SECONDS, type Session } from './auth/sessions.ts';
import { clearFailures, DEFAULT_THROTTLE, recordFailure, throttledFor, type ThrottlePolicy } from './auth/throttle.ts';
import { addUser, disableUser, findCredentials, listUsers, resetPassword, UnknownUserError, UserExistsError } from './auth/users.ts';
import type { ConsoleVault } from './console-vault.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `public`: no session needed (sign-in, OpenAPI). Otherwise a session, and `permission` if set. */
    access?: 'public';
    permission?: Permission;
  }
  interface FastifyRequest {
    actor?: Session;
    sessionToken?: string;
  }
}

export const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

export interface ConsoleOptions {
  readonly sql: SqlClient;
  readonly desk: StewardDesk;
  readonly vault: ConsoleVault;
  readonly logger: Logger;
  /** Secure cookies: always, never, or when the request came over https (`auto`, the default). */
  readonly secureCookies?: boolean | 'auto';
  readonly throttle?: ThrottlePolicy;
  readonly uiDir?: string;
  /** Analysts' dashboards (helper C's registerDashboardRoutes), registered under /api behind dashboards:read. */
  readonly dashboards?: { readonly plugin: FastifyPluginAsync<never>; readonly options: unknown };
  /**
   * Called after every issue change the console made (an action, an assignment, an approval): the
   * outbox relay's cue to mirror it (ClickHouse, the issue topic, corrections upstream) now rather
   * than on its next round. Never awaited by the request; its failures are the relay's to log.
   */
  readonly onIssueChanged?: () => void;
  /** What the admin sees of the configuration: descriptions only, never secrets. */
  readonly configView?: Readonly<Record<string, string>>;
}

/** An API refusal with its status, code and (for a 400) the field. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: S.ErrorBody['error'];
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, code: S.ErrorBody['error'], message: string, field?: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
    this.headers = headers;
  }
}

/** The desk's refusals (pipelines/errors.ts) as API error codes. */
const DESK_ERRORS: Readonly<Record<IssueRequestError['code'] | string, S.ErrorBody['error']>> = {
  STALE_VERSION: 'stale-version',
  CONFLICT: 'conflict',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not-found',
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ERRORS = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 429: S.ErrorBody } as const;
const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);

export async function createConsoleServer(options: ConsoleOptions): Promise<FastifyInstance> {
  const { sql, desk, vault } = options;
  const throttle = options.throttle ?? DEFAULT_THROTTLE;
  const logger = options.logger.child(
    { component: 'console' },
    // Fastify's request logs carry method, URL and address, never bodies; this is the second line.
    { redact: { paths: ['req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', 'password', '*.password', 'values', '*.values'], censor: '[redacted]' } },
  );
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: 64 * 1024, trustProxy: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Verity stewards console', description: 'Issue queues, audited reveals, access log, users', version: '1.0.0' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    const send = (status: number, body: S.ErrorBody, headers: Record<string, string> = {}) => reply.code(status).headers(headers).send(body);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0]!;
      const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const field = path || (error as { validationContext?: string }).validationContext || 'body';
      return send(400, { error: 'bad-request', field, message: `${field}: ${first.message}` });
    }
    if (error instanceof ApiError) {
      return send(error.statusCode, { error: error.code, ...(error.field ? { field: error.field } : {}), message: error.message }, error.headers);
    }
    if (error instanceof IssueRequestError) return send(error.status, { error: DESK_ERRORS[error.code] ?? 'conflict', message: error.message });
    if (error instanceof UserExistsError) return send(409, { error: 'conflict', field: 'username', message: error.message });
    if (error instanceof UnknownUserError) return send(404, { error: 'not-found', message: error.message });
    const name = error instanceof Error ? error.name : '';
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own refusals: malformed JSON, an empty or too large body, a wrong content type.
      return send(status, { error: 'bad-request', field: 'body', message: `body: ${(error as { code?: string }).code ?? 'invalid'}` });
    }
    // Only the class and code: a message of a lower layer may quote what it was given.
    request.log.error({ errorClass: name || typeof error, code: (error as { code?: unknown }).code }, 'console request failed');
    return send(500, { error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const config = request.routeOptions.config;
    if (config?.access === 'public') return;
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await findSession(sql, token) : undefined;
    if (!session) throw new ApiError(401, 'unauthorized', 'sign in first');
    request.actor = session;
    request.sessionToken = token!;
    if (STATE_CHANGING.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (typeof header !== 'string' || !sameSecret(header, session.csrfToken)) {
        throw new ApiError(403, 'csrf', 'missing or wrong x-csrf-token header: send the csrfToken of GET /api/session');
      }
    }
    if (config?.permission && !can(session.role, config.permission)) {
      throw new ApiError(403, 'forbidden', `the ${session.role} role may not do this (${config.permission})`);
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
    // Nothing of the API is for a cache: masked records, and above all the reveal.
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
  });

  const actorOf = (request: FastifyRequest): Session => request.actor!;
  const toActor = (s: Session) => ({ username: s.username, role: s.role });
  const changed = (): void => {
    try {
      options.onIssueChanged?.();
    } catch {
      // The relay catches up on its next round.
    }
  };
  const secure = (request: FastifyRequest): boolean => (options.secureCookies === undefined || options.secureCookies === 'auto' ? request.protocol === 'https' : options.secureCookies);
  const sessionInfo = (s: Session): S.SessionInfo => ({ username: s.username, role: s.role, csrfToken: s.csrfToken, expiresAt: s.expiresAt, permissions: permissionsOf(s.role) });

  // ---- session ----
  app.post('/api/session', {
    config: { access: 'public' },
    schema: { summary: 'Sign in', tags: ['session'], body: S.SignInBody, response: { 200: S.SessionInfo, ...ERRORS } },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      const address = request.ip;
      const wait = await throttledFor(sql, username, address, throttle);
      if (wait > 0) throw new ApiError(429, 'throttled', `too many failed sign-ins: try again in ${wait} s`, undefined, { 'Retry-After': String(wait) });
      const found = await findCredentials(sql, username);
      const ok = await verifyPassword(password, found?.hash ?? (await decoyHash()));
      if (!found || !ok || found.user.disabled) {
        await recordFailure(sql, username, address, throttle);
        throw new ApiError(401, 'unauthorized', 'wrong user name or password, or the user is disabled');
      }
      await clearFailures(sql, username);
      const session = await createSession(sql, found.user.username, found.user.role);
      reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', secure: secure(request), path: '/', maxAge: SESSION_TTL_SECONDS });
      request.log.info({ username: session.username, role: session.role }, 'signed in');
      return sessionInfo(session);
    },
  });
  app.get('/api/session', {
    schema: { summary: 'The current session and its CSRF token', tags: ['session'], response: { 200: S.SessionInfo, ...ERRORS } },
    handler: async (request) => sessionInfo(actorOf(request)),
  });
  app.delete('/api/session', {
    schema: { summary: 'Sign out', tags: ['session'], response: { 200: S.Ok, ...ERRORS } },
    handler: async (request, reply) => {
      await deleteSession(sql, request.sessionToken!);
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secure(request) });
      return { ok: true as const };
    },
  });
  app.get('/api/me', {
    schema: { summary: 'Who is signed in, and what their role may do', tags: ['session'], response: { 200: S.Me, ...ERRORS } },
    handler: async (request) => {
      const s = actorOf(request);
      return { username: s.username, role: s.role, permissions: permissionsOf(s.role) };
    },
  });

  // ---- issues ----
  app.get('/api/issues', {
    config: { permission: 'issues:read' },
    schema: { summary: 'The queue, filtered; priority (severity, core tier first), then due time', tags: ['issues'], querystring: S.IssueListQuery, response: { 200: S.IssueList, ...ERRORS } },
    handler: async (request) => desk.list(request.query),
  });
  app.get('/api/breaches', {
    config: { permission: 'breaches:read' },
    schema: { summary: 'The breach board: breached issues still active', tags: ['issues'], response: { 200: S.BreachList, ...ERRORS } },
    handler: async () => ({ issues: await desk.breaches() }),
  });
  app.get('/api/issues/:id', {
    config: { permission: 'issues:read' },
    schema: { summary: "An issue, its history, the customer's masked record and the finding's evidence", tags: ['issues'], params: S.IssueIdParams, response: { 200: S.IssueDetail, ...ERRORS } },
    handler: async (request) => {
      const found = await desk.get(request.params.id);
      if (!found) throw new ApiError(404, 'not-found', 'no such issue');
      const record = await vault(sql).masked(found.issue.customerToken);
      const masked = record ? { ...record.masked } : null;
      return { issue: found.issue, history: [...found.history], evidence: (found.evidence ?? null) as S.IssueDetail["evidence"], masked, revealApproved: await hasApproval(request.params.id) };
    },
  });
  app.post('/api/issues/assign', {
    config: { permission: 'issues:assign' },
    schema: { summary: 'Assign issues to a steward (supervisor)', tags: ['issues'], body: S.AssignBody, response: { 200: S.AssignResult, ...ERRORS } },
    handler: async (request) => {
      const { issueIds, assignee } = request.body;
      const [user] = await sql.query<{ role: string; disabled: boolean }>(`SELECT role, disabled FROM verity.users WHERE username = $1`, [assignee]);
      if (!user || user.disabled || !can(user.role as never, 'issues:act')) throw new ApiError(400, 'bad-request', 'assignee: no enabled steward of that name', 'assignee');
      const result = await desk.assign(issueIds, assignee, toActor(actorOf(request)));
      if (result.assigned.length > 0) changed();
      return { assigned: [...result.assigned], refused: [...result.refused] };
    },
  });
  app.post('/api/issues/:id/actions', {
    schema: { summary: 'Take an action on an issue at the version the client saw', tags: ['issues'], params: S.IssueIdParams, body: S.ActionBody, response: { 200: S.ActionResult, ...ERRORS } },
    handler: async (request) => {
      const actor = actorOf(request);
      const { expectedVersion, action } = request.body;
      if (!can(actor.role, 'issues:act') && !can(actor.role, 'issues:assign')) throw new ApiError(403, 'forbidden', `the ${actor.role} role may not act on issues`);
      const found = await desk.get(request.params.id);
      if (!found) throw new ApiError(404, 'not-found', 'no such issue');
      if (!mayAct(actor, action.type, found.issue.assignee)) {
        throw new ApiError(403, 'forbidden', `${action.type}: only the steward holding the issue, or a supervisor, may do this`);
      }
      const issue = await desk.act(request.params.id, expectedVersion, toActor(actor), action);
      if (action.type === 'approve-reveal') await recordApproval(issue.issueId, issue.customerToken, actor, action.note ?? '');
      changed();
      return { issue };
    },
  });

  // ---- reveal ----
  async function hasApproval(issueId: string): Promise<boolean> {
    const rows = await sql.query(`SELECT 1 FROM verity.reveal_approvals WHERE issue_id = $1 LIMIT 1`, [issueId]);
    return rows.length > 0;
  }
  app.post('/api/issues/:id/reveal', {
    config: { permission: 'issues:reveal' },
    schema: {
      summary: "Reveal the customer's raw contact data (the steward holding the issue; core tier after a supervisor's approval). Logged; never cached.",
      tags: ['reveal'],
      params: S.IssueIdParams,
      body: S.RevealBody,
      response: { 200: S.RevealResponse, ...ERRORS },
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const { purpose, fields } = request.body;
      const issueId = request.params.id;
      // Checked, logged and read in one transaction, on the issue row as it stands (FOR SHARE: a
      // release or resolve committing meanwhile waits): no reveal without its log line, and none
      // for an issue the steward stopped holding a moment ago.
      return sql.transaction(async (tx) => {
        const [row] = await tx.query<{ state: unknown; status: string; customer_token: string }>(
          `SELECT state, status, customer_token FROM verity.issues WHERE issue_id = $1 FOR SHARE`,
          [issueId],
        );
        if (!row) throw new ApiError(404, 'not-found', 'no such issue');
        const state = (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as { assignee?: string; tier?: string };
        if (!mayReveal(actor, state.assignee ?? '', ACTIVE.has(row.status))) {
          throw new ApiError(403, 'forbidden', 'only the steward holding this active issue may reveal its customer');
        }
        if (state.tier === 'core') {
          const approved = await tx.query(`SELECT 1 FROM verity.reveal_approvals WHERE issue_id = $1 LIMIT 1`, [issueId]);
          if (approved.length === 0) throw new ApiError(403, 'forbidden', "core-tier customer: a supervisor's approval comes first");
        }
        const [logged] = await tx.query<{ at: Date | string }>(
          `INSERT INTO verity.access_log (username, role, action, issue_id, customer_token, purpose, fields) VALUES ($1, $2, 'reveal', $3, $4, $5, $6) RETURNING at`,
          [actor.username, actor.role, issueId, row.customer_token, purpose, JSON.stringify(fields)],
        );
        const raw = await vault(tx).reveal(row.customer_token);
        if (!raw) throw new ApiError(404, 'not-found', "the vault holds no contact data for this issue's customer");
        const values: Partial<Record<S.RevealBody['fields'][number], string>> = {};
        for (const f of fields) values[f] = raw[f];
        request.log.info({ issueId, customerToken: row.customer_token, fields }, 'revealed');
        return { issueId, customerToken: row.customer_token, values, loggedAt: new Date(logged!.at).toISOString() };
      });
    },
  });
  app.post('/api/issues/:id/reveal-approval', {
    config: { permission: 'reveals:approve' },
    schema: {
      summary: "Approve reveals for a core-tier issue (supervisor): an approve-reveal action in the issue's history, at its current version unless expectedVersion is given",
      tags: ['reveal'],
      params: S.IssueIdParams,
      body: S.RevealApprovalBody,
      response: { 200: S.RevealApproval, ...ERRORS },
    },
    handler: async (request) => {
      const found = await desk.get(request.params.id);
      if (!found) throw new ApiError(404, 'not-found', 'no such issue');
      const { note, expectedVersion } = request.body;
      const action = { type: 'approve-reveal' as const, ...(note ? { note } : {}) };
      const issue = await desk.act(request.params.id, expectedVersion ?? found.issue.version, toActor(actorOf(request)), action);
      changed();
      return recordApproval(issue.issueId, issue.customerToken, actorOf(request), note);
    },
  });
  /** After the desk recorded an approve-reveal: the approval row the reveal checks, and its access-log line. */
  async function recordApproval(issueId: string, customerToken: string, actor: Session, note: string): Promise<z.infer<typeof S.RevealApproval>> {
    return sql.transaction(async (tx) => {
      const [approval] = await tx.query<{ at: Date | string }>(
        `INSERT INTO verity.reveal_approvals (issue_id, approved_by, note) VALUES ($1, $2, $3) RETURNING at`,
        [issueId, actor.username, note],
      );
      await tx.query(
        `INSERT INTO verity.access_log (username, role, action, issue_id, customer_token, purpose) VALUES ($1, $2, 'approve-reveal', $3, $4, $5)`,
        [actor.username, actor.role, issueId, customerToken, note],
      );
      return { issueId, approvedBy: actor.username, at: new Date(approval!.at).toISOString(), note };
    });
  }

  // ---- access log (auditor) ----
  async function accessLog(q: S.AccessLogQuery): Promise<{ entries: S.AccessLogEntry[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sqlText: string, value: unknown) => {
      params.push(value);
      where.push(sqlText.replace('?', `$${params.length}`));
    };
    if (q.person) add('username = ?', q.person);
    if (q.customerToken) add('customer_token = ?', q.customerToken);
    if (q.issueId) add('issue_id = ?', q.issueId);
    if (q.from) add('at >= ?', q.from);
    if (q.to) add('at < ?', q.to);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [count] = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM verity.access_log ${clause}`, params);
    const rows = await sql.query<{ id: string | number; at: Date | string; username: string; role: string; action: string; issue_id: string; customer_token: string; purpose: string; fields: unknown }>(
      `SELECT * FROM verity.access_log ${clause} ORDER BY at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    return {
      total: Number(count!.n),
      entries: rows.map((r) => ({
        id: String(r.id),
        at: new Date(r.at).toISOString(),
        username: r.username,
        role: r.role,
        action: r.action,
        issueId: r.issue_id,
        customerToken: r.customer_token,
        purpose: r.purpose,
        fields: (typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields) as string[],
      })),
    };
  }
  app.get('/api/access-log', {
    config: { permission: 'access-log:read' },
    schema: { summary: 'Who revealed whose data, when and why (auditor)', tags: ['access log'], querystring: S.AccessLogQuery, response: { 200: S.AccessLogList, ...ERRORS } },
    handler: async (request) => accessLog(request.query),
  });
  app.get('/api/access-log.csv', {
    config: { permission: 'access-log:read' },
    schema: { summary: 'The access log as CSV (auditor)', tags: ['access log'], querystring: S.AccessLogQuery, response: { 200: z.string().describe('text/csv'), ...ERRORS } },
    handler: async (request, reply) => {
      const { entries } = await accessLog(request.query);
      reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="access-log.csv"');
      // The CSV goes out as it is, not as a JSON string.
      reply.serializer((payload: unknown) => String(payload));
      return toCsv(entries);
    },
  });

  // ---- users and configuration (admin) ----
  app.get('/api/users', {
    config: { permission: 'users:manage' },
    schema: { summary: 'Console users (admin)', tags: ['users'], response: { 200: S.UserList, ...ERRORS } },
    handler: async () => ({ users: await listUsers(sql) }),
  });
  app.post('/api/users', {
    config: { permission: 'users:manage' },
    schema: { summary: 'Add a user; the response carries a one-time password, shown once (admin)', tags: ['users'], body: S.CreateUserBody, response: { 200: S.OneTimePassword, ...ERRORS } },
    handler: async (request) => {
      const { user, password } = await addUser(sql, request.body.username, request.body.role, generatePassword());
      request.log.info({ username: user.username, role: user.role, by: actorOf(request).username }, 'user added');
      return { username: user.username, role: user.role, oneTimePassword: password };
    },
  });
  app.post('/api/users/:name/disable', {
    config: { permission: 'users:manage' },
    schema: { summary: 'Disable a user and end their sessions (admin)', tags: ['users'], params: S.UserNameParams, response: { 200: S.UserSummary, ...ERRORS } },
    handler: async (request) => {
      if (request.params.name === actorOf(request).username) throw new ApiError(409, 'conflict', 'an admin may not disable themselves');
      return disableUser(sql, request.params.name);
    },
  });
  app.post('/api/users/:name/reset', {
    config: { permission: 'users:manage' },
    schema: { summary: 'Set a new one-time password, re-enable the user, end their sessions (admin)', tags: ['users'], params: S.UserNameParams, response: { 200: S.OneTimePassword, ...ERRORS } },
    handler: async (request) => {
      const { user, password } = await resetPassword(sql, request.params.name);
      return { username: user.username, role: user.role, oneTimePassword: password };
    },
  });
  app.get('/api/config', {
    config: { permission: 'config:manage' },
    schema: { summary: "The console's configuration, secrets left out (admin)", tags: ['users'], response: { 200: S.ConfigView, ...ERRORS } },
    handler: async () => ({
      settings: { ...(options.configView ?? {}) },
      throttle: { ...throttle },
      sessionTtlSeconds: SESSION_TTL_SECONDS,
    }),
  });

  // ---- OpenAPI ----
  app.get('/api/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true, response: { 200: z.record(z.string(), z.unknown()) } },
    handler: async () => app.swagger() as unknown as Record<string, unknown>,
  });

  // ---- analysts' dashboards (helper C) ----
  if (options.dashboards) {
    const { plugin, options: pluginOptions } = options.dashboards;
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request) => {
        const actor = request.actor;
        if (!actor) throw new ApiError(401, 'unauthorized', 'sign in first');
        if (!can(actor.role, 'dashboards:read')) throw new ApiError(403, 'forbidden', `the ${actor.role} role may not read dashboards`);
      });
      await scope.register(plugin, pluginOptions as never);
    }, { prefix: '/api' });
  }

  // ---- the web UI ----
  const uiDir = options.uiDir ?? UI_DIR;
  if (existsSync(uiDir)) {
    await app.register(fastifyStatic, { root: resolve(uiDir), prefix: '/', index: false, wildcard: true, cacheControl: false });
    const index = (_: FastifyRequest, reply: FastifyReply) => (existsSync(resolve(uiDir, 'index.html')) ? reply.type('text/html').sendFile('index.html') : reply.type('text/plain').send('Verity console: the UI is not built; the API is under /api'));
    app.get('/', { schema: { hide: true } }, index);
  } else {
    app.get('/', { schema: { hide: true } }, async (_, reply) => reply.type('text/plain').send('Verity console: the API is under /api'));
  }
  return app;
}
