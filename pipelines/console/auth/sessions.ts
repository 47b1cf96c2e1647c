// Sessions: a random 256-bit token in an HttpOnly cookie; PostgreSQL keeps only its SHA-256, with
// the user's role and the session's CSRF token, so every console process sees every session.
import { createHash, randomBytes } from 'node:crypto';
import type { SqlRunner } from '../../../connectors/postgres/sql-client.ts';
import type { Role } from '../../stewardship/roles.ts';

export const SESSION_COOKIE = 'verity_session';
/** A working day and a bit: a session ends by the next morning even if nobody signs out. */
export const SESSION_TTL_SECONDS = 10 * 3600;

export interface Session {
  readonly username: string;
  readonly role: Role;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(sql: SqlRunner, username: string, role: Role, ttlSeconds = SESSION_TTL_SECONDS): Promise<Session & { token: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const [row] = await sql.query<{ expires_at: Date | string }>(
    `INSERT INTO verity.sessions (token_hash, username, role, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
    [tokenHash(token), username, role, csrfToken, ttlSeconds],
  );
  // Expired sessions are dropped as new ones are made: the table stays the size of who is signed in.
  await sql.query(`DELETE FROM verity.sessions WHERE expires_at < now()`);
  return { token, username, role, csrfToken, expiresAt: new Date(row!.expires_at).toISOString() };
}

/** The live session of a cookie's token: unexpired, and its user still enabled with the same role. */
export async function findSession(sql: SqlRunner, token: string): Promise<Session | undefined> {
  if (token.length < 16 || token.length > 128) return undefined;
  const [row] = await sql.query<{ username: string; role: Role; csrf_token: string; expires_at: Date | string }>(
    `SELECT s.username, s.role, s.csrf_token, s.expires_at FROM verity.sessions s JOIN verity.users u USING (username)
     WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled AND u.role = s.role`,
    [tokenHash(token)],
  );
  return row ? { username: row.username, role: row.role, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at).toISOString() } : undefined;
}

export async function deleteSession(sql: SqlRunner, token: string): Promise<void> {
  await sql.query(`DELETE FROM verity.sessions WHERE token_hash = $1`, [tokenHash(token)]);
}
