// Sign-in, the session (with its CSRF token), sign-out, who am I, and replacing one's password.
import { permissionsOf } from '../../stewardship/roles.ts';
import * as S from '../api-schemas.ts';
import { verifyPassword, decoyHash } from '../auth/passwords.ts';
import { createSession, deleteSession, SESSION_COOKIE, SESSION_TTL_SECONDS, tokenHash, type Session } from '../auth/sessions.ts';
import { clearFailures, recordFailure, throttledFor } from '../auth/throttle.ts';
import { findCredentials, setPassword } from '../auth/users.ts';
import { ApiError, ERRORS, type ConsoleApp, type RouteContext } from '../http.ts';

const sessionInfo = (s: Session): S.SessionInfo => ({ username: s.username, role: s.role, csrfToken: s.csrfToken, expiresAt: s.expiresAt, permissions: permissionsOf(s.role) });

export function registerSessionRoutes(app: ConsoleApp, ctx: RouteContext): void {
  const { sql, throttle, actorOf, secure } = ctx;
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

  app.post('/api/me/password', {
    schema: { summary: 'Replace your (one-time) password; your other sessions end', tags: ['session'], body: S.ChangePasswordBody, response: { 200: S.Ok, ...ERRORS } },
    handler: async (request) => {
      const s = actorOf(request);
      const { currentPassword, newPassword } = request.body;
      const wait = await throttledFor(sql, s.username, request.ip, throttle);
      if (wait > 0) throw new ApiError(429, 'throttled', `too many failed attempts: try again in ${wait} s`, undefined, { 'Retry-After': String(wait) });
      const found = await findCredentials(sql, s.username);
      if (!found || !(await verifyPassword(currentPassword, found.hash))) {
        await recordFailure(sql, s.username, request.ip, throttle);
        throw new ApiError(403, 'forbidden', 'the current password is wrong');
      }
      if (newPassword === currentPassword) throw new ApiError(400, 'bad-request', 'newPassword: must differ from the current one', 'newPassword');
      await setPassword(sql, s.username, newPassword, tokenHash(request.sessionToken!));
      return { ok: true as const };
    },
  });
}
