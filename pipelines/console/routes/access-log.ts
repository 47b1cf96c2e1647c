// The access log for auditors: filtered, and as CSV.
import { z } from 'zod';
import { toCsv } from '../access-log.ts';
import * as S from '../api-schemas.ts';
import { ERRORS, type ConsoleApp, type RouteContext } from '../http.ts';

export function registerAccessLogRoutes(app: ConsoleApp, ctx: RouteContext): void {
  const { sql } = ctx;
  async function accessLog(q: S.AccessLogQuery): Promise<{ entries: S.AccessLogEntry[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sqlText: string, value: unknown) => {
      params.push(value);
      where.push(sqlText.replace('?', `$${params.length}`));
    };
    if (q.person) add('username = ?', q.person);
    if (q.customerToken) add('customer_token = ?', q.customerToken);
    if (q.issueId) add('issue_id = ?', q.issueId);
    if (q.from) add('at >= ?', q.from);
    if (q.to) add('at < ?', q.to);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [count] = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM verity.access_log ${clause}`, params);
    const rows = await sql.query<{ id: string | number; at: Date | string; username: string; role: string; action: string; issue_id: string; customer_token: string; purpose: string; fields: unknown }>(
      `SELECT * FROM verity.access_log ${clause} ORDER BY at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    return {
      total: Number(count!.n),
      entries: rows.map((r) => ({
        id: String(r.id),
        at: new Date(r.at).toISOString(),
        username: r.username,
        role: r.role,
        action: r.action,
        issueId: r.issue_id,
        customerToken: r.customer_token,
        purpose: r.purpose,
        fields: (typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields) as string[],
      })),
    };
  }
  app.get('/api/access-log', {
    config: { permission: 'access-log:read' },
    schema: { summary: 'Who revealed whose data, when and why (auditor)', tags: ['access log'], querystring: S.AccessLogQuery, response: { 200: S.AccessLogList, ...ERRORS } },
    handler: async (request) => accessLog(request.query),
  });
  app.get('/api/access-log.csv', {
    config: { permission: 'access-log:read' },
    schema: { summary: 'The access log as CSV (auditor)', tags: ['access log'], querystring: S.AccessLogQuery, response: { 200: z.string().describe('text/csv'), ...ERRORS } },
    handler: async (request, reply) => {
      const { entries } = await accessLog(request.query);
      reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="access-log.csv"');
      // The CSV goes out as it is, not as a JSON string.
      reply.serializer((payload: unknown) => String(payload));
      return toCsv(entries);
    },
  });
}
