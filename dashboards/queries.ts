// The analyst dashboard queries, one .sql file each under dashboards/sql/. The files are the source
// of truth: analysts paste them into `clickhouse client` or Grafana, and the tests run exactly the
// same text against the real schema, so a panel cannot silently drift from the tables.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { assertDatabaseName } from '../connectors/clickhouse/migrations.ts';
import type { CalendarDate } from '../pipelines/calendar/calendar-date.ts';
import { prcCalendar } from '../pipelines/calendar/prc-calendar.ts';
import type { WorkingDayCalendar } from '../pipelines/calendar/prc-calendar.ts';
import { shanghaiDate } from '../pipelines/calendar/shanghai-time.ts';
import { addWorkingDays } from '../pipelines/calendar/working-days.ts';
import { DEFAULTS } from '../pipelines/config/defaults.ts';

export const SQL_DIR = fileURLToPath(new URL('./sql/', import.meta.url));

/** The analyst tables (connectors/clickhouse/migrations.ts); dashboards read nothing else. */
export const ANALYST_TABLES = ['records', 'findings', 'issues', 'issue_events', 'dead_letters', 'active_findings'] as const;

export interface QueryParameter {
  readonly name: string;
  /** ClickHouse type as written in the placeholder, e.g. `DateTime64(3)`, `Date`. */
  readonly type: string;
}

export interface DashboardQuery {
  /** File name without `.sql`, e.g. `pass-rate-daily`. */
  readonly name: string;
  readonly title: string;
  readonly answers: string;
  readonly panel: string;
  /** The file's text, qualified with the default database `verity`. */
  readonly sql: string;
  readonly parameters: readonly QueryParameter[];
  readonly file: string;
}

const HEADER_KEYS = ['title', 'answers', 'panel'] as const;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;
// Files name their tables `verity.<table>` so they run as pasted against the default database.
const QUALIFIED_TABLE = new RegExp(`\\b${DEFAULTS.database}\\.(${ANALYST_TABLES.join('|')})\\b`, 'g');

function headerValue(text: string, key: string, file: string): string {
  const match = new RegExp(`^-- ${key}:[ \\t]*(.+)$`, 'm').exec(text);
  const value = match?.[1]?.trim();
  if (!value) throw new Error(`${file}: header comment lacks "-- ${key}: …"`);
  return value;
}

function parametersOf(sql: string, file: string): QueryParameter[] {
  const byName = new Map<string, string>();
  for (const [, name, type] of sql.matchAll(PLACEHOLDER)) {
    if (name === undefined || type === undefined) continue;
    const seen = byName.get(name);
    // ClickHouse binds one value per name; two types for it would make one of them fail at run time.
    if (seen !== undefined && seen !== type) throw new Error(`${file}: parameter ${name} is both ${seen} and ${type}`);
    byName.set(name, type);
  }
  return [...byName].map(([name, type]) => ({ name, type }));
}

export function parseDashboardQuery(file: string, text: string): DashboardQuery {
  const [title, answers, panel] = HEADER_KEYS.map((key) => headerValue(text, key, file)) as [string, string, string];
  const sql = text.trim().replace(/;\s*$/, '');
  return { name: basename(file, '.sql'), title, answers, panel, sql, parameters: parametersOf(sql, file), file };
}

/** Every dashboard query, by name, in file-name order. */
export function loadDashboardQueries(dir: string = SQL_DIR): ReadonlyMap<string, DashboardQuery> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return new Map(
    files.map((f) => {
      const query = parseDashboardQuery(f, readFileSync(join(dir, f), 'utf8'));
      return [query.name, query] as const;
    }),
  );
}

/** The query's SQL against `database` (VERITY_DATABASE may name another one than `verity`). */
export function sqlFor(query: DashboardQuery, database: string = DEFAULTS.database): string {
  assertDatabaseName(database);
  return query.sql.replace(QUALIFIED_TABLE, (_match, table: string) => `${database}.${table}`);
}

export type QueryParameterValues = Readonly<Record<string, Date | string | number | boolean>>;

/** Throws unless `params` has exactly the query's parameters: a typo must not turn into an empty panel. */
export function assertParameters(query: DashboardQuery, params: QueryParameterValues): void {
  const expected = new Set(query.parameters.map((p) => p.name));
  const missing = [...expected].filter((name) => !(name in params));
  const unknown = Object.keys(params).filter((name) => !expected.has(name));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown ${unknown.join(', ')}` : '',
    ].filter(Boolean);
    throw new Error(`dashboard query ${query.name}: ${parts.join('; ')} (expects ${[...expected].join(', ') || 'none'})`);
  }
}

/**
 * Runs a dashboard query and returns its rows. Pass instants as `Date` (sent as Unix time, so no
 * time-zone guessing) and `Date` parameters as `YYYY-MM-DD`. Missing or unknown parameters fail
 * before the query is sent: a typo must not quietly turn into an empty panel.
 */
export async function runDashboardQuery<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: DashboardQuery,
  params: QueryParameterValues = {},
  options: { readonly database?: string } = {},
): Promise<T[]> {
  assertParameters(query, params);
  const result = await client.query({
    query: sqlFor(query, options.database),
    query_params: params,
    format: 'JSONEachRow',
    // Counts fit easily in a double; numbers beat quoted strings for panels and assertions.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return result.json<T>();
}

export interface DueSoonWindow {
  /** The last due date included: the Nth working day after today in Asia/Shanghai. */
  readonly due_by: CalendarDate;
  /** True when the horizon was counted over days without a published holiday schedule. */
  readonly provisional: boolean;
}

/**
 * `due_by` for issues-due-soon.sql. Working days come from the PRC calendar data, which the
 * database does not hold, so the horizon is computed here the same way deadlines are.
 */
export function dueSoonParams(
  options: { readonly now?: Date; readonly workingDays?: number; readonly calendar?: WorkingDayCalendar } = {},
): DueSoonWindow {
  const today = shanghaiDate((options.now ?? new Date()).toISOString());
  const { date, provisional } = addWorkingDays(today, options.workingDays ?? 3, options.calendar ?? prcCalendar);
  return { due_by: date, provisional };
}
