// Issue 8 §4 "Sign-in and roles" and §6: sessions in HttpOnly SameSite=Strict cookies, CSRF on
// every state change, throttled failed sign-ins (429 + Retry-After, per name and per address,
// across processes since they are counted in PostgreSQL), user administration by the admin only,
// 400 naming the field, OpenAPI from the same schemas. Against a real PostgreSQL server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateState } from '../../connectors/postgres/migrations.ts';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PgVaultReader } from '../../connectors/postgres/vault-store.ts';
import { hashPassword, verifyPassword } from '../../pipelines/console/auth/passwords.ts';
import { createConsoleDesk } from '../../pipelines/console/desk-wiring.ts';
import { createSession, findSession } from '../../pipelines/console/auth/sessions.ts';
import { createConsoleServer } from '../../pipelines/console/server.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { VaultCipher } from '../../pipelines/privacy/vault-crypto.ts';
import { createDatabase, describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';
import { addUsers, ApiClient, memoryLogger, PASSWORD, signedIn, TOKEN_KEY, VAULT_KEY } from './support.ts';

async function consoleOn(sql: SqlClient, throttle = { perUser: 5, perAddress: 20, windowSeconds: 900 }, uiDir?: string, secureCookies?: boolean): Promise<{ app: FastifyInstance; base: string; logs: () => string }> {
  const { logger, text } = memoryLogger();
  const cipher = new VaultCipher(Buffer.from(VAULT_KEY, 'hex'));
  const app = await createConsoleServer({
    sql,
    desk: createConsoleDesk(sql, { cipher, tokenizer: createTokenizer(Buffer.from(TOKEN_KEY, 'hex')) }),
    vault: (r) => new PgVaultReader(r, cipher),
    logger,
    throttle,
    ...(uiDir ? { uiDir } : {}),
    ...(secureCookies !== undefined ? { secureCookies } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs: text };
}

describe('passwords', () => {
  it('are scrypt hashes with a salt of their own, verified in constant time', async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(a.hash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });
});

describePostgres('console sign-in, sessions and CSRF', () => {
  const { url } = usePostgres();
  let stateUrl: string;
  let sql: SqlClient;
  let server: { app: FastifyInstance; base: string; logs: () => string };
  let users: Awaited<ReturnType<typeof addUsers>>;

  beforeAll(async () => {
    stateUrl = await createDatabase(url);
    sql = await createSqlClient({ kind: 'server', url: stateUrl });
    await migrateState(sql);
    users = await addUsers(sql);
    server = await consoleOn(sql, { perUser: 5, perAddress: 1000, windowSeconds: 900 });
  }, 60_000);
  afterAll(async () => {
    await server?.app.close();
    await sql?.close();
    if (stateUrl) await dropDatabase(stateUrl);
  });

  it('refuses every API route but sign-in and OpenAPI without a session: 401', async () => {
    const anon = new ApiClient(server.base);
    for (const [method, path] of [
      ['GET', '/api/session'],
      ['GET', '/api/me'],
      ['GET', '/api/issues'],
      ['GET', '/api/issues/x'],
      ['GET', '/api/breaches'],
      ['POST', '/api/issues/x/reveal'],
      ['GET', '/api/access-log'],
      ['GET', '/api/users'],
      ['POST', '/api/users'],
    ] as const) {
      const reply = await anon.request(method, path, method === 'POST' ? {} : undefined);
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.json).toMatchObject({ error: 'unauthorized' });
    }
    expect((await anon.get('/api/openapi.json')).status).toBe(200);
  });

  it('signs in with the right password only, into an HttpOnly SameSite=Strict cookie with Path=/ (not Secure over plain http)', async () => {
    const client = new ApiClient(server.base);
    const wrong = await client.signIn(users.steward, 'not the password');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const unknown = await client.signIn('nobody-here', PASSWORD);
    expect(unknown.status).toBe(401);
    expect(unknown.json.message).toBe(wrong.json.message);

    const ok = await client.signIn(users.steward);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^verity_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    expect(ok.json).toMatchObject({ username: users.steward, role: 'steward', permissions: ['issues:read', 'issues:act', 'issues:reveal'] });
    expect(ok.json.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The store keeps only the token's hash.
    const stored = await sql.query<{ token_hash: string }>(`SELECT token_hash FROM verity.sessions WHERE username = $1`, [users.steward]);
    expect(stored.map((r) => r.token_hash)).not.toContain(client.cookie.split('=')[1]);

    const session = await client.get('/api/session');
    expect(session.status).toBe(200);
    expect(session.json.csrfToken).toBe(ok.json.csrfToken);
    expect((await client.get('/api/me')).json).toMatchObject({ username: users.steward, role: 'steward' });
  });

  it('refuses a state change without the CSRF header, or with another session\'s: 403', async () => {
    const a = await signedIn(server.base, users.supervisor);
    const b = await signedIn(server.base, users.steward2);
    for (const csrf of [false, 'x'.repeat(43), b.csrf] as const) {
      const reply = await a.post('/api/issues/nope/reveal-approval', { note: 'ok' }, { csrf });
      expect(reply.status, String(csrf)).toBe(403);
      expect(reply.json).toMatchObject({ error: 'csrf' });
      const signOut = await a.request('DELETE', '/api/session', undefined, { csrf });
      expect(signOut.status).toBe(403);
    }
    // With its own token the same request gets through to the route (no such issue).
    expect((await a.post('/api/issues/nope/reveal-approval', { note: 'ok' })).status).toBe(404);
  });

  it('signs out: the session ends, the cookie is cleared', async () => {
    const client = await signedIn(server.base, users.analyst);
    const cookie = client.cookie;
    const out = await client.request('DELETE', '/api/session');
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/verity_session=;/);
    client.cookie = cookie;
    expect((await client.get('/api/me')).status).toBe(401);
  });

  it('answers bad input with 400 naming the field', async () => {
    const anon = new ApiClient(server.base);
    const missing = await anon.post('/api/session', { username: users.steward });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: 'bad-request', field: 'password' });
    const malformed = await anon.post('/api/session', undefined, { raw: '{"username":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: 'bad-request', field: 'body' });

    const admin = await signedIn(server.base, users.admin);
    const role = await admin.post('/api/users', { username: 'newbie', role: 'root' });
    expect(role.status).toBe(400);
    expect(role.json).toMatchObject({ field: 'role' });
    const name = await admin.post('/api/users', { username: 'Bad Name!', role: 'steward' });
    expect(name.json).toMatchObject({ field: 'username' });
    const extra = await admin.post('/api/users', { username: 'newbie', role: 'steward', password: 'chosen' });
    expect(extra.status).toBe(400);

    const steward = await signedIn(server.base, users.steward);
    const purpose = await steward.post('/api/issues/x/reveal', { purpose: '', fields: ['mobile'] });
    expect(purpose.json).toMatchObject({ error: 'bad-request', field: 'purpose' });
    const field = await steward.post('/api/issues/x/reveal', { purpose: 'call back to verify', fields: ['idNumber'] });
    expect(field.json).toMatchObject({ error: 'bad-request', field: 'fields.0' });
    const version = await steward.post('/api/issues/x/actions', { expectedVersion: 'one', action: { type: 'claim' } });
    expect(version.json).toMatchObject({ error: 'bad-request', field: 'expectedVersion' });
    const limit = await steward.get('/api/issues?limit=100000');
    expect(limit.json).toMatchObject({ error: 'bad-request', field: 'limit' });
  });

  it('lets only the admin manage users: add (one-time password), disable (sessions end), reset', async () => {
    const admin = await signedIn(server.base, users.admin);
    for (const other of [users.steward, users.supervisor, users.analyst, users.auditor]) {
      const c = await signedIn(server.base, other);
      expect((await c.get('/api/users')).status).toBe(403);
      expect((await c.post('/api/users', { username: 'intruder', role: 'admin' })).status).toBe(403);
      expect((await c.get('/api/config')).status).toBe(403);
    }
    const added = await admin.post('/api/users', { username: 'newsteward', role: 'steward' });
    expect(added.status, added.text).toBe(200);
    expect(added.json.oneTimePassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await admin.post('/api/users', { username: 'newsteward', role: 'steward' })).status).toBe(409);
    const newbie = new ApiClient(server.base);
    expect((await newbie.signIn('newsteward', added.json.oneTimePassword)).status).toBe(200);
    const list = await admin.get('/api/users');
    expect(list.json.users.map((u: { username: string }) => u.username)).toContain('newsteward');
    expect(list.text).not.toMatch(/hash|salt/i);

    expect((await admin.post('/api/users/newsteward/disable')).json).toMatchObject({ disabled: true });
    expect((await newbie.get('/api/me')).status).toBe(401);
    expect((await new ApiClient(server.base).signIn('newsteward', added.json.oneTimePassword)).status).toBe(401);
    const reset = await admin.post('/api/users/newsteward/reset');
    expect(reset.json.oneTimePassword).not.toBe(added.json.oneTimePassword);
    expect((await new ApiClient(server.base).signIn('newsteward', reset.json.oneTimePassword)).status).toBe(200);
    expect((await admin.post('/api/users/nobody-else/reset')).status).toBe(404);
    expect((await admin.post(`/api/users/${users.admin}/disable`)).status).toBe(409);
    const config = await admin.get('/api/config');
    expect(config.status).toBe(200);
    expect(config.text).not.toContain(VAULT_KEY);
  });

  it('lets a user replace their one-time password: the current one is needed, other sessions end', async () => {
    const admin = await signedIn(server.base, users.admin);
    const { oneTimePassword } = (await admin.post('/api/users', { username: 'changer', role: 'analyst' })).json as { oneTimePassword: string };
    const here = new ApiClient(server.base);
    const elsewhere = new ApiClient(server.base);
    expect((await here.signIn('changer', oneTimePassword)).status).toBe(200);
    expect((await elsewhere.signIn('changer', oneTimePassword)).status).toBe(200);
    expect((await here.post('/api/me/password', { currentPassword: 'wrong', newPassword: 'a new long password' })).status).toBe(403);
    const short = await here.post('/api/me/password', { currentPassword: oneTimePassword, newPassword: 'short' });
    expect(short.json).toMatchObject({ error: 'bad-request', field: 'newPassword' });
    expect((await here.post('/api/me/password', { currentPassword: oneTimePassword, newPassword: 'a new long password' })).status).toBe(200);
    expect((await here.get('/api/me')).status).toBe(200);
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await new ApiClient(server.base).signIn('changer', oneTimePassword)).status).toBe(401);
    expect((await new ApiClient(server.base).signIn('changer', 'a new long password')).status).toBe(200);
  });

  it('serves the UI folder: the index at /, its files, no dotfiles, nothing outside it', async () => {
    const ui = mkdtempSync(join(tmpdir(), 'verity-ui-'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Verity</title>');
    writeFileSync(join(ui, 'app.js'), 'export {};');
    writeFileSync(join(ui, '.env'), 'SECRET=1');
    const withUi = await consoleOn(sql, undefined, ui);
    try {
      const index = await fetch(`${withUi.base}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await index.text()).toContain('<title>Verity</title>');
      expect((await fetch(`${withUi.base}/app.js`)).status).toBe(200);
      expect((await fetch(`${withUi.base}/.env`)).status).toBe(404);
      const { status } = await new Promise<{ status: number }>((resolve, reject) => {
        const request = httpRequest(`${withUi.base}/..%2f..%2fpackage.json`, (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0 });
        });
        request.on('error', reject);
        request.end();
      });
      expect(status).toBeGreaterThanOrEqual(400);
    } finally {
      await withUi.app.close();
    }
  });

  it('marks the cookie Secure when told the console is behind TLS', async () => {
    const behindTls = await consoleOn(sql, undefined, undefined, true);
    try {
      const reply = await new ApiClient(behindTls.base).signIn(users.auditor);
      expect(reply.headers.get('set-cookie')).toMatch(/; Secure/i);
    } finally {
      await behindTls.app.close();
    }
  });

  it('ends a session at its expiry, and when its user is disabled or changes role', async () => {
    const short = await createSession(sql, users.analyst, 'analyst', 1);
    expect(await findSession(sql, short.token)).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await findSession(sql, short.token)).toBeUndefined();
    const stale = await createSession(sql, users.analyst, 'supervisor');
    expect(await findSession(sql, stale.token)).toBeUndefined();
    expect(await findSession(sql, 'not-a-token-of-anyone-at-all')).toBeUndefined();
  });

  it('publishes OpenAPI generated from the zod schemas', async () => {
    const doc = (await new ApiClient(server.base).get('/api/openapi.json')).json;
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/session', '/api/me/password', '/api/issues', '/api/issues/{id}', '/api/issues/{id}/actions', '/api/issues/assign', '/api/issues/{id}/reveal', '/api/issues/{id}/reveal-approval', '/api/breaches', '/api/access-log', '/api/access-log.csv', '/api/users', '/api/me']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const reveal = doc.paths['/api/issues/{id}/reveal'].post;
    expect(JSON.stringify(reveal.requestBody)).toContain('purpose');
    expect(Object.keys(reveal.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
  });

  it('sends no-store and defensive headers on the API', async () => {
    const reply = await (await signedIn(server.base, users.steward)).get('/api/me');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
  });

  it('never logs a password, a session token or a CSRF token', async () => {
    const logs = server.logs();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toMatch(/verity_session=/);
    expect(logs.length).toBeGreaterThan(0);
  });
});

describePostgres('throttled sign-ins', () => {
  const { url } = usePostgres();
  let stateUrl: string;
  let sql: SqlClient;
  const servers: FastifyInstance[] = [];

  beforeAll(async () => {
    stateUrl = await createDatabase(url);
    sql = await createSqlClient({ kind: 'server', url: stateUrl });
    await migrateState(sql);
    await addUsers(sql);
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await s.close();
    await sql?.close();
    if (stateUrl) await dropDatabase(stateUrl);
  });

  it('after 5 failures of one name in 15 minutes: 429 with Retry-After, even for the right password, on every console process', async () => {
    const one = await consoleOn(sql);
    const two = await consoleOn(sql);
    servers.push(one.app, two.app);
    for (let i = 0; i < 5; i++) {
      const base = i % 2 === 0 ? one.base : two.base;
      expect((await new ApiClient(base).signIn('steward1', `wrong ${i}`)).status).toBe(401);
    }
    for (const base of [one.base, two.base]) {
      const refused = await new ApiClient(base).signIn('steward1');
      expect(refused.status).toBe(429);
      expect(refused.json).toMatchObject({ error: 'throttled' });
      const retry = Number(refused.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(800);
      expect(retry).toBeLessThanOrEqual(900);
    }
    // Another name from the same address is not held back by this one's failures.
    expect((await new ApiClient(one.base).signIn('steward2')).status).toBe(200);
  });

  it('per client address: many names failing from one address are throttled together', async () => {
    await sql.query('DELETE FROM verity.sign_in_failures');
    const server = await consoleOn(sql, { perUser: 100, perAddress: 6, windowSeconds: 900 });
    servers.push(server.app);
    for (let i = 0; i < 6; i++) expect((await new ApiClient(server.base).signIn(`guess${i}`, 'nope')).status).toBe(401);
    const refused = await new ApiClient(server.base).signIn('auditor1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
