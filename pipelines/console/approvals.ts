// Supervisors' approvals of reveals (verity.reveal_approvals), which a core-tier reveal needs. The
// approval itself is an `approve-reveal` action in the issue's history (the desk records it); this
// row is what the reveal checks, written with its access-log line.
import type { SqlClient, SqlRunner } from '../../connectors/postgres/sql-client.ts';
import type { Session } from './auth/sessions.ts';

export async function hasApproval(sql: SqlRunner, issueId: string): Promise<boolean> {
  const rows = await sql.query(`SELECT 1 FROM verity.reveal_approvals WHERE issue_id = $1 LIMIT 1`, [issueId]);
  return rows.length > 0;
}

/** After the desk recorded an approve-reveal: the approval row the reveal checks, and its access-log line. */
export async function recordApproval(
  sql: SqlClient,
  issueId: string,
  customerToken: string,
  actor: Pick<Session, 'username' | 'role'>,
  note: string,
): Promise<{ issueId: string; approvedBy: string; at: string; note: string }> {
  return sql.transaction(async (tx) => {
    const [approval] = await tx.query<{ at: Date | string }>(`INSERT INTO verity.reveal_approvals (issue_id, approved_by, note) VALUES ($1, $2, $3) RETURNING at`, [
      issueId,
      actor.username,
      note,
    ]);
    await tx.query(
      `INSERT INTO verity.access_log (username, role, action, issue_id, customer_token, purpose) VALUES ($1, $2, 'approve-reveal', $3, $4, $5)`,
      [actor.username, actor.role, issueId, customerToken, note],
    );
    return { issueId, approvedBy: actor.username, at: new Date(approval!.at).toISOString(), note };
  });
}
