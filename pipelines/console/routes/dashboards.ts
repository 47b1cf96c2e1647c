// The analysts' dashboards in the console: one GET route per chart, each returning the rows of one
// SQL file of dashboards/sql/ (the same text the chDB tests, Grafana and `clickhouse client` run),
// read through the analytics store. Everything those files can touch is masked or tokenised, so
// no route here can carry a raw value; and no route reads an issue's details or a reveal, which
// analysts must not see (issue 8 §4). Chart.js is served from node_modules by this process: the
// console page loads no script from a CDN.
//
// Access: the console (server.ts, ConsoleOptions.dashboards) registers the `registerDashboardRoutes`
// plugin under /api in a scope whose hook lets only roles with `dashboards:read` (roles.ts:
// analyst, supervisor) through; mountDashboards does the same for any app given an `authorize` hook.
// The chart library is served inside that scope too: only the dashboards page loads it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AnalyticsStore } from '../../../connectors/clickhouse/analytics-store.ts';
import { createStoreClient } from '../../../connectors/clickhouse/store-client.ts';
import { DEFAULTS } from '../../config/defaults.ts';
import type { StoreTarget } from '../../config/targets.ts';
import { ErrorBody } from '../api-schemas.ts';
import { assertParameters, dueSoonParams, loadDashboardQueries, sqlFor, type DashboardQuery, type QueryParameterValues } from '../../../dashboards/queries.ts';

/** What the routes need of the analytics store (connectors/clickhouse/analytics-store.ts). */
export interface DashboardAnalytics {
  readonly database: string;
  queryRows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

export interface DashboardPluginOptions {
  /** The analytics store to read; or, instead, where it is: */
  readonly analytics?: DashboardAnalytics;
  /** The analytics store's target (config.store), opened on the first dashboard request, closed with the app. */
  readonly store?: StoreTarget;
  /** With `store`: the database (config.database). */
  readonly database?: string;
  /** The clock for default windows (tests). */
  readonly now?: () => Date;
}

export interface DashboardRouteOptions extends DashboardPluginOptions {
  /** onRequest hook that answers 401/403 unless the session's role may read dashboards (analyst, supervisor). */
  readonly authorize: onRequestHookHandler;
}

const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1);

/** Row shapes, column for column as the SQL files name them. */
const ROWS = {
  'pass-rate-daily': z.object({
    day: z.iso.date(),
    source_name: z.string(),
    record_versions: count,
    passed: count,
    failed: count,
    pass_rate: rate,
  }),
  'findings-by-rule-severity': z.object({ rule_id: z.string(), severity: z.string(), customers: count, findings: count, customers_with_issue: count }),
  'findings-by-province-rule': z.object({ province_name: z.string(), rule_id: z.string(), customers: count }),
  'findings-by-source': z.object({ source: z.string(), rule_id: z.string(), customers: count, findings: count }),
  'findings-by-channel': z.object({ channel_name: z.string(), rule_id: z.string(), customers: count }),
  'issue-backlog-age': z.object({ queue: z.string(), priority: z.string(), age_bucket: z.string(), open_issues: count, overdue: count, customers: count }),
  'sla-attainment': z.object({
    queue_name: z.string(),
    closed_on_time: count,
    closed_late: count,
    open_overdue: count,
    open_not_yet_due: count,
    judged: count,
    attainment: rate.nullable(),
    provisional_deadlines: count,
  }),
  'pattern-groups-by-size': z.object({ rule_id: z.string(), group_size: count, groups: count, customers: count }),
  'issues-due-soon': z.object({ due_date: z.iso.date(), queue: z.string(), priority: z.string(), issues: count, customers: count, provisional_deadlines: count }),
} as const;
type QueryName = keyof typeof ROWS;

export interface DashboardSpec {
  /** URL segment: GET /api/dashboards/<id>. */
  readonly id: string;
  readonly query: QueryName;
  /** English + Chinese, as the console labels are. */
  readonly title: string;
  readonly titleZh: string;
  /** 'window': takes from/to (event or due time); 'now': current state; 'due-soon': PRC working days. */
  readonly kind: 'window' | 'now' | 'due-soon';
}

/** The analyst pages, in the order the UI shows them. */
export const DASHBOARDS: readonly DashboardSpec[] = [
  { id: 'pass-rate', query: 'pass-rate-daily', title: 'Pass rate over time', titleZh: '通过率趋势', kind: 'window' },
  { id: 'findings-by-rule', query: 'findings-by-rule-severity', title: 'Findings by rule', titleZh: '按规则的发现', kind: 'window' },
  { id: 'findings-by-province', query: 'findings-by-province-rule', title: 'Findings by province', titleZh: '按省份的发现', kind: 'window' },
  { id: 'findings-by-source', query: 'findings-by-source', title: 'Findings by source', titleZh: '按来源系统的发现', kind: 'window' },
  { id: 'findings-by-channel', query: 'findings-by-channel', title: 'Findings by channel', titleZh: '按渠道的发现', kind: 'window' },
  { id: 'backlog-age', query: 'issue-backlog-age', title: 'Backlog age', titleZh: '待办时长', kind: 'now' },
  { id: 'sla-attainment', query: 'sla-attainment', title: 'SLA attainment', titleZh: '时限达成率', kind: 'window' },
  { id: 'due-soon', query: 'issues-due-soon', title: 'Due in the next 3 working days', titleZh: '三个工作日内到期', kind: 'due-soon' },
  { id: 'pattern-groups', query: 'pattern-groups-by-size', title: 'Pattern groups by size', titleZh: '共用号码/账户分组', kind: 'now' },
];

const MAX_WINDOW_DAYS = 400;
const DAY_MS = 86_400_000;

/** An instant (with offset) or a Shanghai calendar day (its midnight there). */
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => (s.length === 10 ? new Date(`${s}T00:00:00+08:00`) : new Date(s)));

export const WindowQuery = z
  .strictObject({
    from: instant.optional().describe('start, inclusive: ISO instant with offset, or YYYY-MM-DD (Shanghai midnight); default 30 days ago'),
    to: instant.optional().describe('end, exclusive; default now (for sla-attainment: 30 days ahead, as it windows on due time)'),
  })
  .describe('the half-open window [from, to)');

const Meta = z.object({
  id: z.string(),
  title: z.string(),
  titleZh: z.string(),
  answers: z.string(),
  panel: z.string(),
  kind: z.enum(['window', 'now', 'due-soon']),
  sqlFile: z.string().describe('the file under dashboards/sql/ this dashboard runs'),
});

function responseSchema(query: QueryName) {
  return z.object({
    dashboard: Meta,
    from: z.string().nullable(),
    to: z.string().nullable(),
    dueBy: z.iso.date().nullable().describe('issues-due-soon: the last due date included (PRC working days)'),
    provisional: z.boolean().describe('the due-soon horizon was counted without a published holiday schedule'),
    rows: z.array(ROWS[query]),
  });
}


function chartJsFile(): string {
  // chart.js exports no subpath for the UMD bundle; it sits beside the package's main entry.
  const main = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(main), 'chart.umd.min.js');
}

/** Where the UI loads Chart.js from (under /api: only roles that may read dashboards get it). */
export const CHART_JS_PATH = '/api/dashboards/chart.umd.min.js';

/**
 * GET /dashboards, GET /dashboards/<id> (one per DASHBOARDS entry) and the chart library, relative
 * to the prefix it is registered with (/api). Access is the registering scope's business.
 */
export const registerDashboardRoutes: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const queries = loadDashboardQueries();
  const analytics = analyticsOf(app, options);
  const now = options.now ?? (() => new Date());
  const api = app.withTypeProvider<ZodTypeProvider>();
  const metas = DASHBOARDS.map((spec) => {
    const query = queries.get(spec.query);
    if (!query) throw new Error(`dashboard ${spec.id}: no dashboards/sql/${spec.query}.sql`);
    return { spec, query, meta: metaOf(spec, query) };
  });

  api.get(
    '/dashboards',
    {
      schema: {
        tags: ['dashboards'],
        summary: 'The analyst dashboards (analyst, supervisor)',
        response: { 200: z.object({ dashboards: z.array(Meta) }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => ({ dashboards: metas.map((m) => m.meta) }),
  );

  for (const { spec, query, meta } of metas) {
    api.get(
      `/dashboards/${spec.id}`,
      {
        schema: {
          tags: ['dashboards'],
          summary: `${spec.title} (${spec.titleZh}): rows of dashboards/sql/${spec.query}.sql`,
          description: query.answers,
          querystring: WindowQuery,
          response: { 200: responseSchema(spec.query), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request, reply) => {
        const at = now();
        let params: QueryParameterValues = {};
        let from: Date | null = null;
        let to: Date | null = null;
        let dueBy: string | null = null;
        let provisional = false;
        if (spec.kind === 'window') {
          // SLA attainment windows on due time: by default the month behind and the month ahead.
          const ahead = spec.query === 'sla-attainment' ? 30 * DAY_MS : 0;
          to = request.query.to ?? new Date(at.getTime() + ahead);
          from = request.query.from ?? new Date(at.getTime() - 30 * DAY_MS);
          const problem = windowProblem(from, to);
          if (problem) return reply.code(400).send({ error: 'bad-request', field: problem.field, message: `${problem.field}: ${problem.message}` });
          params = { from, to };
        } else if (request.query.from || request.query.to) {
          const field = request.query.from ? 'from' : 'to';
          return reply.code(400).send({ error: 'bad-request', field, message: `${field}: ${spec.id} shows the current state and takes no window` });
        } else if (spec.kind === 'due-soon') {
          const window = dueSoonParams({ now: at });
          dueBy = window.due_by;
          provisional = window.provisional;
          params = { due_by: window.due_by };
        }
        assertParameters(query, params);
        const store = await analytics();
        const rows = await store.queryRows(sqlFor(query, store.database), params);
        return {
          dashboard: meta,
          from: from?.toISOString() ?? null,
          to: to?.toISOString() ?? null,
          dueBy,
          provisional,
          // Validated (and stripped to the declared columns) by the response schema.
          rows: rows as z.infer<(typeof ROWS)[typeof spec.query]>[],
        };
      },
    );
  }

  let chartJs: Buffer | undefined;
  app.get('/dashboards/chart.umd.min.js', { schema: { hide: true } }, async (_request, reply) => {
    chartJs ??= readFileSync(chartJsFile());
    return reply.type('text/javascript; charset=utf-8').send(chartJs);
  });
};

/**
 * The store to read: the one given, or one opened on first use from `store` (not at start: a
 * console that no analyst opens never touches ClickHouse, and an embedded chDB folder is opened
 * only while someone looks at dashboards' data), closed when the app closes.
 */
function analyticsOf(app: FastifyInstance, options: DashboardPluginOptions): () => Promise<DashboardAnalytics> {
  if (options.analytics) {
    const given = options.analytics;
    return async () => given;
  }
  const target = options.store;
  if (!target) throw new Error('dashboards: give `analytics` or `store`');
  let opened: { client: ReturnType<typeof createStoreClient>; store: AnalyticsStore } | undefined;
  app.addHook('onClose', async () => {
    await opened?.client.close();
  });
  return async () => {
    if (!opened) {
      const client = createStoreClient(target);
      opened = { client, store: new AnalyticsStore(client, options.database ?? DEFAULTS.database, 2) };
    }
    return opened.store;
  };
}

/** Registers the dashboard routes under /api on any app, every request first through `authorize`. */
export async function mountDashboards(app: FastifyInstance, options: DashboardRouteOptions): Promise<void> {
  const { authorize, ...pluginOptions } = options;
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', authorize);
      await scope.register(registerDashboardRoutes, pluginOptions);
    },
    { prefix: '/api' },
  );
}

function metaOf(spec: DashboardSpec, query: DashboardQuery): z.infer<typeof Meta> {
  return { id: spec.id, title: spec.title, titleZh: spec.titleZh, answers: query.answers, panel: query.panel, kind: spec.kind, sqlFile: `dashboards/sql/${spec.query}.sql` };
}

function windowProblem(from: Date, to: Date): { field: string; message: string } | undefined {
  if (!(from.getTime() < to.getTime())) return { field: 'from', message: 'must be before to' };
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) return { field: 'to', message: `the window may span at most ${MAX_WINDOW_DAYS} days` };
  return undefined;
}
