// The analyst dashboard routes on the real analyst schema (embedded chDB, real migrations), behind
// a stand-in for the console's role check: every dashboard answers with the rows of its SQL file,
// validated by the route's zod schema; a bad window is a 400 naming the field; the chart library is
// served from node_modules. The SQL itself is tested in dashboards/queries.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsStore } from '../../../connectors/clickhouse/analytics-store.ts';
import { migrate } from '../../../connectors/clickhouse/migrations.ts';
import { createStoreClient } from '../../../connectors/clickhouse/store-client.ts';
import { can, type Role } from '../../stewardship/roles.ts';
import { CHART_JS_PATH, DASHBOARDS, mountDashboards } from './dashboards.ts';

const DB = 'verity';
const NOW = new Date('2026-03-04T04:00:00Z');
let dir: string;
let client: ClickHouseClient;
let app: FastifyInstance;

async function insert(table: string, values: Record<string, unknown>[]): Promise<void> {
  await client.insert({ table: `${DB}.${table}`, values, format: 'JSONEachRow' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-dashboard-routes-'));
  client = createStoreClient({ kind: 'embedded', path: dir });
  await migrate(client, DB);
  const base = { entity: 'customer', op: 'create', kind: 'person', channel: 'bancassurance', province: '北京市', ingested_at: '2026-03-04T00:00:00Z' };
  await insert('records', [
    { ...base, event_id: 'ev-1', source: 'core-banking', customer_token: 'ct_A', occurred_at: '2026-03-02T01:00:00Z', failed_rules: [] },
    { ...base, event_id: 'ev-2', source: 'core-banking', customer_token: 'ct_B', occurred_at: '2026-03-02T02:00:00Z', failed_rules: ['mobile-format'], channel: 'agency' },
  ]);
  await insert('findings', [
    { finding_id: 'fd-1', rule_id: 'mobile-format', rule_version: 1, severity: 'medium', customer_token: 'ct_B', field: 'customer.mobile', reason: 'format', evidence: '138****0000', event_id: 'ev-2', source: 'core-banking', occurred_at: '2026-03-02T02:00:00Z', detected_at: '2026-03-02T02:00:01Z', issue_id: 'i1' },
  ]);
  await insert('issues', [
    { issue_id: 'i1', queue: 'contact-verification', rule_id: 'mobile-format', rule_version: 1, customer_token: 'ct_B', status: 'open', resolution: '', priority: 'P2', severity: 'medium', opened_at: '2026-03-02T02:00:01Z', due_at: '2026-03-05T23:59:59.999+08:00', due_date: '2026-03-05', deadline_basis: 'working-days:3', updated_at: '2026-03-02T02:00:01Z', version: 1 },
  ]);
  await insert('active_findings', [
    { rule_id: 'shared-mobile', customer_token: 'ct_A', active: true, group_token: 'mt_1', group_size: 2, version: 1 },
    { rule_id: 'shared-mobile', customer_token: 'ct_B', active: true, group_token: 'mt_1', group_size: 2, version: 2 },
  ]);

  app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // As the console's (server.ts): a schema violation is a 400 naming the field.
  app.setErrorHandler((error, _request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const field = error.validation[0]!.instancePath.replace(/^\//, '') || 'querystring';
      return reply.code(400).send({ error: 'bad-request', field, message: `${field}: ${error.validation[0]!.message}` });
    }
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  await mountDashboards(app, {
    analytics: new AnalyticsStore(client, DB, 2),
    now: () => NOW,
    // Stand-in for the console's session and role check.
    authorize: async (request, reply) => {
      const role = request.headers['x-test-role'];
      if (!role) return reply.code(401).send({ error: 'unauthorized', message: 'sign in first' });
      if (!can(role as Role, 'dashboards:read')) return reply.code(403).send({ error: 'forbidden', message: `${String(role)} may not read dashboards` });
    },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await client?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const asAnalyst = { 'x-test-role': 'analyst' };

describe('dashboard routes', () => {
  it('list every dashboard with its SQL file, for analysts and supervisors only', async () => {
    expect((await app.inject({ url: '/api/dashboards' })).statusCode).toBe(401);
    for (const role of ['steward', 'auditor', 'admin']) {
      expect((await app.inject({ url: '/api/dashboards/pass-rate', headers: { 'x-test-role': role } })).statusCode, role).toBe(403);
    }
    const response = await app.inject({ url: '/api/dashboards', headers: { 'x-test-role': 'supervisor' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().dashboards.map((d: { id: string }) => d.id)).toEqual(DASHBOARDS.map((d) => d.id));
  });

  it('answer every dashboard with rows of its SQL file over the default window', async () => {
    for (const spec of DASHBOARDS) {
      const response = await app.inject({ url: `/api/dashboards/${spec.id}`, headers: asAnalyst });
      expect(response.statusCode, `${spec.id}: ${response.body}`).toBe(200);
      expect(response.json().dashboard.sqlFile).toBe(`dashboards/sql/${spec.query}.sql`);
    }
    const passRate = (await app.inject({ url: '/api/dashboards/pass-rate', headers: asAnalyst })).json();
    expect(passRate.from).toBe('2026-02-02T04:00:00.000Z');
    expect(passRate.rows).toContainEqual({ day: '2026-03-02', source_name: '(all sources)', record_versions: 2, passed: 1, failed: 1, pass_rate: 0.5 });
    const byChannel = (await app.inject({ url: '/api/dashboards/findings-by-channel', headers: asAnalyst })).json();
    expect(byChannel.rows).toEqual([{ channel_name: 'agency', rule_id: 'mobile-format', customers: 1 }]);
    const groups = (await app.inject({ url: '/api/dashboards/pattern-groups', headers: asAnalyst })).json();
    expect(groups.rows).toEqual([{ rule_id: 'shared-mobile', group_size: 2, groups: 1, customers: 2 }]);
    const dueSoon = (await app.inject({ url: '/api/dashboards/due-soon', headers: asAnalyst })).json();
    expect(dueSoon.dueBy).toBe('2026-03-09');
    // The horizon follows the route's clock; the SQL's "not yet due" is the server's now(), by which
    // i1 (due 2026-03-05) is overdue, so it is in backlog-age instead.
    expect(dueSoon.rows).toEqual([]);
    const backlog = (await app.inject({ url: '/api/dashboards/backlog-age', headers: asAnalyst })).json();
    expect(backlog.rows).toMatchObject([{ queue: 'contact-verification', priority: 'P2', open_issues: 1, overdue: 1, customers: 1 }]);
  });

  it('take a window as instants or Shanghai days, and refuse a bad one naming the field', async () => {
    const day = await app.inject({ url: '/api/dashboards/findings-by-source?from=2026-03-02&to=2026-03-03', headers: asAnalyst });
    expect(day.json()).toMatchObject({ from: '2026-03-01T16:00:00.000Z', to: '2026-03-02T16:00:00.000Z', rows: [{ source: 'core-banking', rule_id: 'mobile-format', customers: 1, findings: 1 }] });
    const empty = await app.inject({ url: '/api/dashboards/findings-by-source?from=2026-03-03T00:00:00%2B08:00&to=2026-03-04T00:00:00Z', headers: asAnalyst });
    expect(empty.json().rows).toEqual([]);
    const bad = await app.inject({ url: '/api/dashboards/pass-rate?from=yesterday', headers: asAnalyst });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('from');
    const reversed = await app.inject({ url: '/api/dashboards/pass-rate?from=2026-03-03&to=2026-03-02', headers: asAnalyst });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ error: 'bad-request', field: 'from' });
    const unknown = await app.inject({ url: '/api/dashboards/pass-rate?form=2026-03-03', headers: asAnalyst });
    expect(unknown.statusCode).toBe(400);
    const noWindow = await app.inject({ url: '/api/dashboards/backlog-age?from=2026-03-03', headers: asAnalyst });
    expect(noWindow.statusCode).toBe(400);
  });

  it('serve chart.js from node_modules, not a CDN, to the roles that read dashboards', async () => {
    expect((await app.inject({ url: CHART_JS_PATH })).statusCode).toBe(401);
    expect((await app.inject({ url: CHART_JS_PATH, headers: { 'x-test-role': 'steward' } })).statusCode).toBe(403);
    const response = await app.inject({ url: CHART_JS_PATH, headers: asAnalyst });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    const expected = readFileSync(join(import.meta.dirname, '../../../node_modules/chart.js/dist/chart.umd.min.js'), 'utf8');
    expect(response.body).toBe(expected);
    expect(response.body).toMatch(/Chart\.js v4\./);
  });
});
