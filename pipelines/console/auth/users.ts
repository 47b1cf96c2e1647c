// Console users in PostgreSQL (verity.users): shared by `verity users …` and the admin routes.
import type { SqlRunner } from '../../../connectors/postgres/sql-client.ts';
import type { Role } from '../../stewardship/roles.ts';
import { generatePassword, hashPassword, ScryptParams, type PasswordHash } from './passwords.ts';

export interface UserRow {
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface DbUser {
  username: string;
  role: Role;
  disabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  password_hash: string;
  password_salt: string;
  password_params: unknown;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

function toRow(u: DbUser): UserRow {
  return { username: u.username, role: u.role, disabled: u.disabled, createdAt: iso(u.created_at), updatedAt: iso(u.updated_at) };
}

export class UserExistsError extends Error {
  constructor(username: string) {
    super(`user ${username} exists already`);
    this.name = 'UserExistsError';
  }
}
export class UnknownUserError extends Error {
  constructor(username: string) {
    super(`no user ${username}`);
    this.name = 'UnknownUserError';
  }
}

/** Adds a user; the password is generated unless one is given. Returns the password, to be shown once. */
export async function addUser(sql: SqlRunner, username: string, role: Role, password = generatePassword()): Promise<{ user: UserRow; password: string }> {
  const h = await hashPassword(password);
  const rows = await sql.query<DbUser>(
    `INSERT INTO verity.users (username, role, password_hash, password_salt, password_params) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (username) DO NOTHING RETURNING *`,
    [username, role, h.hash, h.salt, JSON.stringify(h.params)],
  );
  if (rows.length === 0) throw new UserExistsError(username);
  return { user: toRow(rows[0]!), password };
}

/** Disables a user and ends their sessions. */
export async function disableUser(sql: SqlRunner, username: string): Promise<UserRow> {
  const rows = await sql.query<DbUser>(`UPDATE verity.users SET disabled = true, updated_at = now() WHERE username = $1 RETURNING *`, [username]);
  if (rows.length === 0) throw new UnknownUserError(username);
  await sql.query(`DELETE FROM verity.sessions WHERE username = $1`, [username]);
  return toRow(rows[0]!);
}

/** Sets a new (generated or given) password, re-enables the user, ends their sessions. */
export async function resetPassword(sql: SqlRunner, username: string, password = generatePassword()): Promise<{ user: UserRow; password: string }> {
  const h = await hashPassword(password);
  const rows = await sql.query<DbUser>(
    `UPDATE verity.users SET password_hash = $2, password_salt = $3, password_params = $4, disabled = false, updated_at = now() WHERE username = $1 RETURNING *`,
    [username, h.hash, h.salt, JSON.stringify(h.params)],
  );
  if (rows.length === 0) throw new UnknownUserError(username);
  await sql.query(`DELETE FROM verity.sessions WHERE username = $1`, [username]);
  return { user: toRow(rows[0]!), password };
}

/** A user's own new password: their sessions end but the one (by token hash) they changed it in. */
export async function setPassword(sql: SqlRunner, username: string, password: string, keepSession: string): Promise<void> {
  const h = await hashPassword(password);
  await sql.query(`UPDATE verity.users SET password_hash = $2, password_salt = $3, password_params = $4, updated_at = now() WHERE username = $1`, [
    username,
    h.hash,
    h.salt,
    JSON.stringify(h.params),
  ]);
  await sql.query(`DELETE FROM verity.sessions WHERE username = $1 AND token_hash <> $2`, [username, keepSession]);
}

export async function listUsers(sql: SqlRunner): Promise<UserRow[]> {
  return (await sql.query<DbUser>(`SELECT * FROM verity.users ORDER BY username`)).map(toRow);
}

/** The user and their stored hash, for a sign-in; undefined when unknown. */
export async function findCredentials(sql: SqlRunner, username: string): Promise<{ user: UserRow; hash: PasswordHash } | undefined> {
  const [u] = await sql.query<DbUser>(`SELECT * FROM verity.users WHERE username = $1`, [username]);
  if (!u) return undefined;
  const params = ScryptParams.parse(typeof u.password_params === 'string' ? JSON.parse(u.password_params) : u.password_params);
  return { user: toRow(u), hash: { hash: u.password_hash, salt: u.password_salt, params } };
}
