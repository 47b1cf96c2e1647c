// What the console's server and its route modules share: the typed app, the context routes work
// with, API refusals and their error schema, and the two hooks that decide access (every /api
// request) and the error handler that turns every failure into `{error, field?, message}`.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { IssueRequestError } from '../errors.ts';
import type { Actor, StewardDesk } from '../runtime/steward-desk.ts';
import { can, type Permission } from '../stewardship/roles.ts';
import * as S from './api-schemas.ts';
import { sameSecret } from './auth/passwords.ts';
import { findSession, SESSION_COOKIE, type Session } from './auth/sessions.ts';
import type { ThrottlePolicy } from './auth/throttle.ts';
import { UnknownUserError, UserExistsError } from './auth/users.ts';
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

export type ConsoleApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** What the route modules work with. */
export interface RouteContext {
  readonly sql: SqlClient;
  readonly desk: StewardDesk;
  readonly vault: ConsoleVault;
  readonly throttle: ThrottlePolicy;
  readonly configView: Readonly<Record<string, string>>;
  /** The signed-in user (the access hook put it there; routes without `access: 'public'` only). */
  actorOf(request: FastifyRequest): Session;
  toActor(session: Session): Actor;
  /** Cue the outbox relay after an issue change (never throws). */
  changed(): void;
  /** Whether the session cookie gets the Secure attribute for this request. */
  secure(request: FastifyRequest): boolean;
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

/** The error responses every route declares (so OpenAPI lists them and they are validated too). */
export const ERRORS = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 429: S.ErrorBody } as const;

/** The desk's refusals (pipelines/errors.ts) as API error codes. */
const DESK_ERRORS: Readonly<Record<string, S.ErrorBody['error']>> = {
  STALE_VERSION: 'stale-version',
  CONFLICT: 'conflict',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not-found',
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Access to /api, decided here for every route: a session (401 without), the session's CSRF token
 * on every state change (403), and the route's permission for the session's role (403).
 */
export function accessHook(sql: SqlClient) {
  return async (request: FastifyRequest): Promise<void> => {
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
  };
}

/** Every failure as `{error, field?, message}`; a 500 logs the error's class and code, never its message. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
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
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own refusals: malformed JSON, an empty or too large body, a wrong content type.
    return send(status, { error: 'bad-request', field: 'body', message: `body: ${(error as { code?: string }).code ?? 'invalid'}` });
  }
  // Only the class and code: a message of a lower layer may quote what it was given.
  const name = error instanceof Error ? error.name : typeof error;
  request.log.error({ errorClass: name, code: (error as { code?: unknown } | null)?.code }, 'console request failed');
  return send(500, { error: 'internal', message: 'internal error' });
}
