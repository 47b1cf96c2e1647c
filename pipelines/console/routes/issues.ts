// The queues, an issue's detail, actions at the version the client saw, bulk assignment, the breach board.
import { can, mayAct } from '../../stewardship/roles.ts';
import * as S from '../api-schemas.ts';
import { hasApproval, recordApproval } from '../approvals.ts';
import { ApiError, ERRORS, type ConsoleApp, type RouteContext } from '../http.ts';

export function registerIssueRoutes(app: ConsoleApp, ctx: RouteContext): void {
  const { sql, desk, vault, actorOf, toActor, changed } = ctx;
  app.get('/api/issues', {
    config: { permission: 'issues:read' },
    schema: { summary: 'The queue, filtered; priority (severity, core tier first), then due time', tags: ['issues'], querystring: S.IssueListQuery, response: { 200: S.IssueList, ...ERRORS } },
    handler: async (request) => desk.list(request.query),
  });
  app.get('/api/breaches', {
    config: { permission: 'breaches:read' },
    schema: { summary: 'The breach board: breached issues still active', tags: ['issues'], response: { 200: S.BreachList, ...ERRORS } },
    handler: async () => ({ issues: await desk.breaches() }),
  });
  app.get('/api/issues/:id', {
    config: { permission: 'issues:read' },
    schema: { summary: "An issue, its history, the customer's masked record and the finding's evidence", tags: ['issues'], params: S.IssueIdParams, response: { 200: S.IssueDetail, ...ERRORS } },
    handler: async (request) => {
      const found = await desk.get(request.params.id);
      if (!found) throw new ApiError(404, 'not-found', 'no such issue');
      const record = await vault(sql).masked(found.issue.customerToken);
      const masked = record ? { ...record.masked } : null;
      return { issue: found.issue, history: [...found.history], evidence: (found.evidence ?? null) as S.IssueDetail["evidence"], masked, revealApproved: await hasApproval(sql, request.params.id) };
    },
  });
  app.post('/api/issues/assign', {
    config: { permission: 'issues:assign' },
    schema: { summary: 'Assign issues to a steward (supervisor)', tags: ['issues'], body: S.AssignBody, response: { 200: S.AssignResult, ...ERRORS } },
    handler: async (request) => {
      const { issueIds, assignee } = request.body;
      const [user] = await sql.query<{ role: string; disabled: boolean }>(`SELECT role, disabled FROM verity.users WHERE username = $1`, [assignee]);
      if (!user || user.disabled || !can(user.role as never, 'issues:act')) throw new ApiError(400, 'bad-request', 'assignee: no enabled steward of that name', 'assignee');
      const result = await desk.assign(issueIds, assignee, toActor(actorOf(request)));
      if (result.assigned.length > 0) changed();
      return { assigned: [...result.assigned], refused: [...result.refused] };
    },
  });
  app.post('/api/issues/:id/actions', {
    schema: { summary: 'Take an action on an issue at the version the client saw', tags: ['issues'], params: S.IssueIdParams, body: S.ActionBody, response: { 200: S.ActionResult, ...ERRORS } },
    handler: async (request) => {
      const actor = actorOf(request);
      const { expectedVersion, action } = request.body;
      if (!can(actor.role, 'issues:act') && !can(actor.role, 'issues:assign')) throw new ApiError(403, 'forbidden', `the ${actor.role} role may not act on issues`);
      const found = await desk.get(request.params.id);
      if (!found) throw new ApiError(404, 'not-found', 'no such issue');
      if (!mayAct(actor, action.type, found.issue.assignee)) {
        throw new ApiError(403, 'forbidden', `${action.type}: only the steward holding the issue, or a supervisor, may do this`);
      }
      const issue = await desk.act(request.params.id, expectedVersion, toActor(actor), action);
      if (action.type === 'approve-reveal') await recordApproval(sql, issue.issueId, issue.customerToken, actor, action.note ?? '');
      changed();
      return { issue };
    },
  });
}
