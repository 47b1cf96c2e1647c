// Users and configuration, for the admin only.
import * as S from '../api-schemas.ts';
import { generatePassword } from '../auth/passwords.ts';
import { SESSION_TTL_SECONDS } from '../auth/sessions.ts';
import { addUser, disableUser, listUsers, resetPassword } from '../auth/users.ts';
import { ApiError, ERRORS, type ConsoleApp, type RouteContext } from '../http.ts';

export function registerUserRoutes(app: ConsoleApp, ctx: RouteContext): void {
  const { sql, throttle, actorOf, configView } = ctx;
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
      settings: { ...configView },
      throttle: { ...throttle },
      sessionTtlSeconds: SESSION_TTL_SECONDS,
    }),
  });
}
