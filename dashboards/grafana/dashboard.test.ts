// The provisioned Grafana dashboard is generated from dashboards/sql: it must be up to date, name
// the provisioned data source on every panel, and its SQL (macros expanded the way the ClickHouse
// plugin does) must run against the real analyst schema.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrate } from '../../connectors/clickhouse/migrations.ts';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { loadDashboardQueries } from '../queries.ts';
import {
  CLICKHOUSE_DATASOURCE_TYPE,
  CLICKHOUSE_DATASOURCE_UID,
  DASHBOARD_FILE,
  PANELS,
  grafanaSql,
  renderDashboard,
} from './build-dashboard.ts';

interface Target {
  datasource: { type: string; uid: string };
  rawSql: string;
}
interface Panel {
  title: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { uid: string; panels: Panel[] };
const provisioned = parse(readFileSync(here('./provisioning/datasources/clickhouse.yaml'), 'utf8')) as {
  datasources: { uid: string; type: string; jsonData: Record<string, unknown> }[];
};

describe('Grafana dashboard verity-quality.json', () => {
  it('is up to date with dashboards/sql (run: node dashboards/grafana/build-dashboard.ts)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard());
  });

  it('uses the provisioned ClickHouse data source, by its fixed uid, on every panel and query', () => {
    expect(provisioned.datasources).toHaveLength(1);
    const ds = provisioned.datasources[0]!;
    expect(ds.uid).toBe(CLICKHOUSE_DATASOURCE_UID);
    expect(ds.type).toBe(CLICKHOUSE_DATASOURCE_TYPE);
    expect(dashboard.panels.length).toBe(PANELS.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource, panel.title).toEqual({ type: ds.type, uid: ds.uid });
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.datasource, panel.title).toEqual({ type: ds.type, uid: ds.uid });
    }
  });

  it('covers pass rate, findings by rule, backlog, overdue, provisional deadlines and dead letters', () => {
    expect(PANELS.map((p) => p.query)).toEqual(
      expect.arrayContaining([
        'pass-rate-daily',
        'findings-by-rule-severity',
        'issue-backlog-age',
        'issues-overdue',
        'deadline-provisional',
        'dead-letters-daily',
      ]),
    );
  });

  it('carries each SQL file verbatim except for the time-range macros', () => {
    const queries = loadDashboardQueries();
    PANELS.forEach((spec, i) => {
      const sql = dashboard.panels[i]!.targets[0]!.rawSql;
      expect(sql).toBe(grafanaSql(queries.get(spec.query)!));
      expect(sql).not.toMatch(/\{[A-Za-z_]\w*:[^{}]+\}/);
    });
    expect(() => grafanaSql(queries.get('issues-due-soon')!)).toThrow(/due_by/);
  });
});

describe('dashboard SQL with Grafana macros expanded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-grafana-'));
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = createStoreClient({ kind: 'embedded', path: join(dir, 'chdb') });
    await migrate(client, 'verity');
  });
  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every panel query against the real schema', async () => {
    // What the plugin sends for $__fromTime_ms / $__toTime_ms.
    const from = Date.parse('2026-03-01T00:00:00+08:00');
    const to = Date.parse('2026-04-01T00:00:00+08:00');
    for (const panel of dashboard.panels) {
      const sql = panel.targets[0]!.rawSql
        .replaceAll('$__fromTime_ms', `fromUnixTimestamp64Milli(toInt64(${from}))`)
        .replaceAll('$__toTime_ms', `fromUnixTimestamp64Milli(toInt64(${to}))`);
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      expect(Array.isArray(await result.json()), panel.title).toBe(true);
    }
  });
});
