// Reveals (the holder of an active issue; core tier after a supervisor's approval), logged in the
// transaction that reads the vault, and supervisors' approvals.
import { ACTIVE_STATUSES } from '../../contract/issue.ts';
import { mayReveal } from '../../stewardship/roles.ts';
import * as S from '../api-schemas.ts';
import { recordApproval } from '../approvals.ts';
import { ApiError, ERRORS, type ConsoleApp, type RouteContext } from '../http.ts';

const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);

export function registerRevealRoutes(app: ConsoleApp, ctx: RouteContext): void {
  const { sql, desk, vault, actorOf, toActor, changed } = ctx;
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
      return recordApproval(sql, issue.issueId, issue.customerToken, actorOf(request), note);
    },
  });
}
