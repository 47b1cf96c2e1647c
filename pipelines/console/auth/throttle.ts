// Throttling of failed sign-ins, per user name and per client address, counted in PostgreSQL so
// that it holds across console processes. Past the limit, every attempt (even a right password)
// gets 429 with Retry-After until the oldest failure in the window ages out.
import type { SqlRunner } from '../../../connectors/postgres/sql-client.ts';

export interface ThrottlePolicy {
  /** Failures of one user name within the window before sign-ins of that name are refused. */
  readonly perUser: number;
  /** Failures from one address within the window (several names) before that address is refused. */
  readonly perAddress: number;
  readonly windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { perUser: 5, perAddress: 20, windowSeconds: 15 * 60 };

/** Seconds until a sign-in of `username` from `address` is allowed again; 0 when it is now. */
export async function throttledFor(sql: SqlRunner, username: string, address: string, policy: ThrottlePolicy = DEFAULT_THROTTLE): Promise<number> {
  const [row] = await sql.query<{ user_wait: number | null; address_wait: number | null }>(
    `WITH u AS (SELECT at FROM verity.sign_in_failures WHERE username = $1 AND at > now() - make_interval(secs => $3) ORDER BY at DESC LIMIT $4),
          a AS (SELECT at FROM verity.sign_in_failures WHERE address = $2 AND at > now() - make_interval(secs => $3) ORDER BY at DESC LIMIT $5)
     SELECT CASE WHEN (SELECT count(*) FROM u) >= $4 THEN ceil(extract(epoch FROM (SELECT min(at) FROM u) + make_interval(secs => $3) - now())) END AS user_wait,
            CASE WHEN (SELECT count(*) FROM a) >= $5 THEN ceil(extract(epoch FROM (SELECT min(at) FROM a) + make_interval(secs => $3) - now())) END AS address_wait`,
    [username, address, policy.windowSeconds, policy.perUser, policy.perAddress],
  );
  const wait = Math.max(Number(row?.user_wait ?? 0), Number(row?.address_wait ?? 0));
  return wait > 0 ? Math.ceil(wait) : 0;
}

export async function recordFailure(sql: SqlRunner, username: string, address: string, policy: ThrottlePolicy = DEFAULT_THROTTLE): Promise<void> {
  await sql.query(`INSERT INTO verity.sign_in_failures (username, address) VALUES ($1, $2)`, [username, address]);
  await sql.query(`DELETE FROM verity.sign_in_failures WHERE at < now() - make_interval(secs => $1)`, [policy.windowSeconds * 2]);
}

/** A right password clears the name's failures (not the address's: a guesser may hold one account). */
export async function clearFailures(sql: SqlRunner, username: string): Promise<void> {
  await sql.query(`DELETE FROM verity.sign_in_failures WHERE username = $1`, [username]);
}
