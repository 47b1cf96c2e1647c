// Builds the provisioned Grafana dashboard (dashboards/grafana/dashboards/verity-quality.json) from
// the analyst SQL in dashboards/sql/, so a panel cannot drift from the tested query files.
// `node dashboards/grafana/build-dashboard.ts` rewrites the JSON; a test fails when it is stale.
//
// The .sql files bind the window as ClickHouse query parameters ({from:DateTime64(3)},
// {to:DateTime64(3)}); Grafana's ClickHouse plugin fills the dashboard time range through its
// macros $__fromTime_ms / $__toTime_ms (DateTime64(3) from Unix milliseconds) instead. Queries with
// any other parameter (issues-due-soon's due_by: PRC working days, which Grafana cannot count)
// are refused here rather than shipped half-bound.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDashboardQueries, type DashboardQuery } from '../queries.ts';

/** Fixed, so the dashboard JSON and anything linking to it can name the data source. */
export const CLICKHOUSE_DATASOURCE_UID = 'verity-clickhouse';
export const CLICKHOUSE_DATASOURCE_TYPE = 'grafana-clickhouse-datasource';
export const DASHBOARD_UID = 'verity-quality';
export const DASHBOARD_FILE = fileURLToPath(new URL('./dashboards/verity-quality.json', import.meta.url));

/** Query parameter → Grafana ClickHouse macro. */
export const GRAFANA_MACROS: Readonly<Record<string, string>> = {
  'from:DateTime64(3)': '$__fromTime_ms',
  'to:DateTime64(3)': '$__toTime_ms',
};

// The plugin's query formats (clickhouse-datasource Format enum).
const FORMAT_TIME_SERIES = 0;
const FORMAT_TABLE = 1;

interface PanelSpec {
  readonly query: string;
  readonly type: 'timeseries' | 'table' | 'stat' | 'barchart';
  readonly w: number;
  readonly h: number;
  readonly format?: 'timeseries' | 'table';
  readonly fieldConfig?: unknown;
  readonly options?: unknown;
  readonly transformations?: readonly unknown[];
}

const RED_ABOVE_ZERO = {
  mode: 'absolute',
  steps: [
    { color: 'green', value: null },
    { color: 'red', value: 1 },
  ],
};

/** The panels, in reading order: quality first, then the stewards' backlog, then the warnings, then patterns. */
export const PANELS: readonly PanelSpec[] = [
  {
    query: 'pass-rate-daily',
    type: 'timeseries',
    format: 'timeseries',
    w: 16,
    h: 9,
    fieldConfig: { defaults: { unit: 'percentunit', min: 0, max: 1 }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'right' }, tooltip: { mode: 'multi' } },
    // The query also returns the counts behind each rate; plot only the rate, one line per source.
    transformations: [{ id: 'filterFieldsByName', options: { include: { pattern: '^(day|.*pass_rate.*)$' } } }],
  },
  {
    query: 'deadline-provisional',
    type: 'stat',
    w: 8,
    h: 9,
    fieldConfig: { defaults: { thresholds: RED_ABOVE_ZERO, color: { mode: 'thresholds' } }, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '/^open_provisional$/', values: false },
      colorMode: 'background',
      textMode: 'value_and_name',
    },
  },
  { query: 'findings-by-rule-severity', type: 'table', w: 12, h: 10 },
  { query: 'issue-backlog-age', type: 'table', w: 12, h: 10 },
  {
    query: 'issues-overdue',
    type: 'table',
    w: 12,
    h: 9,
    fieldConfig: {
      defaults: {},
      overrides: [
        {
          matcher: { id: 'byName', options: 'overdue_issues' },
          properties: [
            { id: 'thresholds', value: RED_ABOVE_ZERO },
            { id: 'custom.cellOptions', value: { type: 'color-background' } },
          ],
        },
      ],
    },
  },
  { query: 'dead-letters-daily', type: 'table', w: 12, h: 9 },
  // Cross-customer patterns, as they stand now (the operational store's active findings, mirrored).
  { query: 'pattern-groups-by-size', type: 'table', w: 8, h: 9 },
  { query: 'pattern-findings-by-agent', type: 'table', w: 8, h: 9 },
  { query: 'pattern-findings-by-channel', type: 'table', w: 8, h: 9 },
];

/** The query text with its window parameters turned into Grafana macros. */
export function grafanaSql(query: DashboardQuery): string {
  const unsupported = query.parameters.filter((p) => GRAFANA_MACROS[`${p.name}:${p.type}`] === undefined);
  if (unsupported.length > 0) {
    throw new Error(`${query.file}: no Grafana macro for ${unsupported.map((p) => `{${p.name}:${p.type}}`).join(', ')}`);
  }
  return query.sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g, (_m, name: string, type: string) => GRAFANA_MACROS[`${name}:${type}`]!);
}

export function buildDashboard(queries: ReadonlyMap<string, DashboardQuery> = loadDashboardQueries()): Record<string, unknown> {
  const datasource = { type: CLICKHOUSE_DATASOURCE_TYPE, uid: CLICKHOUSE_DATASOURCE_UID };
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = PANELS.map((spec, i) => {
    const query = queries.get(spec.query);
    if (!query) throw new Error(`dashboards/sql/${spec.query}.sql does not exist`);
    if (x + spec.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h: spec.h, w: spec.w, x, y };
    x += spec.w;
    rowHeight = Math.max(rowHeight, spec.h);
    const timeSeries = spec.format === 'timeseries';
    return {
      id: i + 1,
      type: spec.type,
      title: query.title,
      description: `${query.answers}\n\nSource: dashboards/sql/${query.file}`,
      datasource,
      gridPos,
      ...(spec.fieldConfig ? { fieldConfig: spec.fieldConfig } : { fieldConfig: { defaults: {}, overrides: [] } }),
      ...(spec.options ? { options: spec.options } : {}),
      ...(spec.transformations ? { transformations: spec.transformations } : {}),
      targets: [
        {
          refId: 'A',
          datasource,
          editorType: 'sql',
          queryType: timeSeries ? 'timeseries' : 'table',
          format: timeSeries ? FORMAT_TIME_SERIES : FORMAT_TABLE,
          rawSql: grafanaSql(query),
        },
      ],
    };
  });
  return {
    uid: DASHBOARD_UID,
    title: 'Verity data quality',
    description:
      'Generated from dashboards/sql by dashboards/grafana/build-dashboard.ts; edit the SQL files, not this JSON. Masked and tokenised data only.',
    tags: ['verity', 'data-quality'],
    timezone: 'Asia/Shanghai',
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-30d', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(DASHBOARD_FILE, renderDashboard());
  process.stdout.write(`wrote ${DASHBOARD_FILE}\n`);
}
