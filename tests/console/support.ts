// Shared by the console's tests: a database the real pipeline filled from a generated stream (so
// there are real issues and a real vault), console users of every role, an HTTP client that keeps
// the session cookie and CSRF token like a browser, and a log sink to scan for raw values.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect } from 'vitest';
import { migrateState } from '../../connectors/postgres/migrations.ts';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { addUser } from '../../pipelines/console/auth/users.ts';
import type { Role } from '../../pipelines/stewardship/roles.ts';
import type { Logger } from '../../pipelines/runtime/logger.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { verity } from '../e2e/support.ts';

export const TOKEN_KEY = '5c'.repeat(32);
export const VAULT_KEY = 'a7'.repeat(32);
export const KEYS_ENV = { VERITY_TOKEN_KEY: TOKEN_KEY, VERITY_VAULT_KEY: VAULT_KEY };

export interface PipelineDatabase {
  readonly dir: string;
  readonly stateUrl: string;
  readonly sql: SqlClient;
  readonly truth: GroundTruth;
  /** Raw values by field, for scanForRawValues. */
  readonly rawValues: Record<string, string[]>;
}

/** Generates a stream, runs `verity run` on it into a fresh database of the server at `serverUrl`. */
export async function pipelineDatabase(serverUrl: string, customers = 400, seed = 8408): Promise<PipelineDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'verity-console-'));
  const stream = join(dir, 'stream.jsonl');
  const generated = verity(['generate', '--customers', String(customers), '--seed', String(seed), '--out', stream]);
  expect(generated.status, generated.stderr).toBe(0);
  const truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
  const stateUrl = await createDatabase(serverUrl);
  const run = verity(['run', '--input', stream, '--once', '--no-progress', '--data-dir', join(dir, 'data'), '--state', stateUrl, '--log-level', 'warn'], KEYS_ENV);
  expect(run.status, run.stderr.slice(-3000)).toBe(0);
  const sql = await createSqlClient({ kind: 'server', url: stateUrl });
  await migrateState(sql);
  return { dir, stateUrl, sql, truth, rawValues: truth.rawValues as unknown as Record<string, string[]> };
}

export const PASSWORD = 'correct horse battery staple';

/** One user per role (two stewards), all with PASSWORD. */
export async function addUsers(sql: SqlClient): Promise<Record<'steward' | 'steward2' | Exclude<Role, 'steward'>, string>> {
  const users = { steward: 'steward1', steward2: 'steward2', supervisor: 'super1', analyst: 'analyst1', auditor: 'auditor1', admin: 'admin1' } as const;
  for (const [key, username] of Object.entries(users)) {
    await addUser(sql, username, (key === 'steward2' ? 'steward' : key) as Role, PASSWORD);
  }
  return users;
}

/** JSON logs into memory, as the console's would go to stderr. */
export function memoryLogger(level = 'info'): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level, base: { service: 'verity' } }, sink) as unknown as Logger, text: () => lines.join('') };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A browser-like client: keeps the session cookie, sends the CSRF token on state changes. */
export class ApiClient {
  cookie = '';
  csrf = '';
  /** Every response body, for the raw-value scan (reveals are kept apart). */
  static readonly bodies: string[] = [];
  static readonly reveals: string[] = [];
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, body?: unknown, options: { csrf?: boolean | string; raw?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers['cookie'] = this.cookie;
    if (body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const csrf = options.csrf ?? true;
    if (csrf !== false && method !== 'GET' && this.csrf) headers['x-csrf-token'] = typeof csrf === 'string' ? csrf : this.csrf;
    const response = await fetch(`${this.base}${path}`, { method, headers, ...(options.raw !== undefined ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    (path.endsWith('/reveal') && response.status === 200 ? ApiClient.reveals : ApiClient.bodies).push(text);
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const value = /verity_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
      this.cookie = value ? `verity_session=${value}` : '';
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown, options?: { csrf?: boolean | string; raw?: string }) => this.request('POST', path, body ?? {}, options);

  async signIn(username: string, password = PASSWORD): Promise<Reply> {
    const reply = await this.request('POST', '/api/session', { username, password });
    if (reply.status === 200) this.csrf = reply.json.csrfToken as string;
    return reply;
  }
}

export async function signedIn(base: string, username: string): Promise<ApiClient> {
  const client = new ApiClient(base);
  const reply = await client.signIn(username);
  expect(reply.status, reply.text).toBe(200);
  return client;
}
