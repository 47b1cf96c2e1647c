// `npm run bench -- --state`: what the issue and pattern state costs as it grows (issue 7 §3, §6):
// its PostgreSQL table sizes, the peak RSS of a `verity run` against it (target: RSS at 1M customers
// ≤ RSS at 10k + 100 MB, as a process holds no per-customer state beyond its batch), and the time
// a process takes to restart against it. For each size N (--state-sizes) and each state store
// (--state-stores: embedded PGlite, a PostgreSQL server):
//   1. build: the real `verity run --once` over the bench stream (C customers) into a fresh state;
//      then, in SQL, every row of every state table copied K = ⌈N / C⌉ times, each copy's tokens
//      (32 hex) and event ids rewritten to the same length and alphabet, and the originals removed:
//      K replicas of a real state, with the sharing (holders, agents, findings, issues) inside each
//      copy and none across them. Running the pipeline over a stream of 1M customers (≈ 2M events
//      at a few thousand events/s here, after generating them) would dwarf the measurement; the
//      copies give the tables the rows and shapes such a run would leave.
//   2. measure: the real `verity run --once` over the same stream again, restarted against that
//      state (same data dir); the stream's customers and event ids are new to the state (only
//      copies are left), so every size does the same work and only the state differs. Restart
//      time: spawn → /readyz 200 (stores opened and migrated, first batch taken) and spawn →
//      first batch committed (verity_events_consumed_total > 0).
// The server is VERITY_POSTGRES_URL, else the test support's (Docker or the local binaries).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { createSqlClient, type SqlClient, type StateTarget } from '../../connectors/postgres/sql-client.ts';
import { SCHEMA } from '../../connectors/postgres/migrations.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { acquirePostgres } from '../support/postgres/acquire.ts';
import { freePort } from '../support/postgres/server.ts';
import { childEnv, int, table } from './support.ts';
import type { UsageAtExit } from './usage-at-exit.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'pipelines', 'cli', 'main.ts');
const USAGE_AT_EXIT = join(import.meta.dirname, 'usage-at-exit.ts');
/** Issue 7 §6: RSS at 1M customers ≤ RSS at 10k + this. */
export const RSS_GROWTH_TARGET_MB = 100;
const POLL_MS = 20;

export const STATE_STORES = ['pglite', 'server'] as const;
export type StateStoreKind = (typeof STATE_STORES)[number];

/** The tables a run fills; scopes and pending outputs are left as the build run left them. */
const COPIED_TABLES = ['customers', 'holders', 'mobile_changes', 'agents', 'agent_contacts', 'active_findings', 'issues', 'sla_watch', 'applied'] as const;

export interface StateBenchOptions {
  readonly input: string;
  readonly sizes: readonly number[];
  readonly stores: readonly StateStoreKind[];
  readonly workDir: string;
}

export interface VerityRun {
  readonly report: RunReport;
  /** Spawn to exit. */
  readonly seconds: number;
  /** Spawn to the first /readyz 200; null when the endpoint was never seen ready. */
  readonly readySeconds: number | null;
  /** Spawn to the first batch written and committed (verity_events_consumed_total > 0). */
  readonly firstBatchSeconds: number | null;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
}

export interface StateSize {
  readonly store: StateStoreKind;
  /** Customers asked for, and in the state when measured (C × copies). */
  readonly requested: number;
  readonly customers: number;
  readonly copies: number;
  readonly buildSeconds: number;
  readonly tables: readonly { readonly table: string; readonly rows: number; readonly bytes: number }[];
  readonly databaseBytes: number;
  /** PGlite: the folder on disk. */
  readonly folderBytes: number | null;
  readonly run: VerityRun;
}

export interface StateBenchResult {
  readonly serverSource: string | null;
  readonly serverUnavailable: string | null;
  readonly sizes: readonly StateSize[];
}

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Runs `verity run --once` over `input` as a child; with `metricsPort`, polls /readyz and /metrics until both have answered. */
async function runVerity(input: string, dataDir: string, state: string | undefined, metricsPort?: number): Promise<VerityRun> {
  const usageFile = join(dataDir, `usage-${randomBytes(4).toString('hex')}.json`);
  const reportFile = join(dataDir, `report-${randomBytes(4).toString('hex')}.json`);
  const args = [
    ...process.execArgv,
    '--import', USAGE_AT_EXIT,
    CLI, 'run',
    '--input', input,
    '--once',
    '--data-dir', dataDir,
    ...(state ? ['--state', state] : []),
    ...(metricsPort ? ['--metrics-port', String(metricsPort)] : []),
    '--report', reportFile,
    '--log-level', 'warn',
    '--no-progress',
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: childEnv({ VERITY_BENCH_USAGE_FILE: usageFile }) });
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise({ code, signal }));
  });
  let running = true;
  let readySeconds: number | null = null;
  let firstBatchSeconds: number | null = null;
  const since = () => (performance.now() - started) / 1000;
  const poller = (async () => {
    if (!metricsPort) return;
    const url = `http://127.0.0.1:${metricsPort}`;
    while (running && (readySeconds === null || firstBatchSeconds === null)) {
      if (readySeconds === null) {
        const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(500) }).then((r) => r.ok, () => false);
        if (ok) readySeconds = since();
      }
      if (firstBatchSeconds === null) {
        const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(500) }).then((r) => r.text(), () => '');
        const consumed = /^verity_events_consumed_total (\S+)$/m.exec(text)?.[1];
        if (consumed !== undefined && Number(consumed) > 0) firstBatchSeconds = since();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  const { code, signal } = await exited.finally(() => (running = false));
  const seconds = since();
  await poller;
  if (code !== 0) throw new Error(`verity run failed (${signal ?? `exit ${code}`}):\n${stderrTail}`);
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as RunReport;
  const { peakRssMb, cpuSeconds } = JSON.parse(await readFile(usageFile, 'utf8')) as UsageAtExit;
  return { report, seconds, readySeconds, firstBatchSeconds, peakRssMb, cpuSeconds };
}

/**
 * A copy's row: every 32-hex token keeps its first 26 characters and ends in the copy number (6 hex
 * digits); every event id `<source>-0000nnnnn` becomes `<source>-<copy, 4 digits>nnnnn`. As JSON
 * text, so one expression serves every table and the tokens inside jsonb columns too.
 */
const COPY_ROW = String.raw`regexp_replace(
  regexp_replace(to_jsonb(o)::text, '\m([0-9a-f]{26})[0-9a-f]{6}\M', '\1' || lpad(to_hex(g), 6, '0'), 'g'),
  '-0000([0-9]{5})"', '-' || lpad(g::text, 4, '0') || '\1"', 'g')::jsonb`;

/** Replaces every state table's rows by `copies` rewritten copies of them (see the top of this file). */
async function replicate(sql: SqlClient, copies: number): Promise<void> {
  if (copies > 9999) throw new Error(`${copies} copies: the event-id rewrite has room for 9,999`);
  // The rewrite keeps event ids unique only while each source's counter stays below 100,000.
  const [tooLong] = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.applied WHERE id ~ '-[0-9]{9}$' AND id !~ '-0000[0-9]{5}$'`);
  if (Number(tooLong!.n) > 0) throw new Error('the bench stream is too long for the event-id rewrite (≥ 100,000 events of one source): use fewer --customers');
  for (const name of COPIED_TABLES) {
    const t = `${SCHEMA}.${name}`;
    await sql.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE original ON COMMIT DROP AS SELECT * FROM ${t}`);
      await tx.query(`TRUNCATE ${t}`);
      await tx.query(
        `INSERT INTO ${t} SELECT r.* FROM original o CROSS JOIN generate_series(1, ${copies}) AS g,
         LATERAL jsonb_populate_record(NULL::${t}, ${COPY_ROW}) AS r`,
      );
    });
  }
  // As a long-running database would be: statistics current, dead rows (the truncated originals) gone.
  await sql.exec('VACUUM ANALYZE');
}

async function sizes(sql: SqlClient): Promise<Pick<StateSize, 'tables' | 'databaseBytes'>> {
  const names = await sql.query<{ table: string }>(`SELECT tablename AS table FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [SCHEMA]);
  const tables = [];
  for (const { table: name } of names) {
    const [row] = await sql.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM ${SCHEMA}.${name}) AS rows, pg_total_relation_size('${SCHEMA}.${name}') AS bytes`,
    );
    tables.push({ table: name, rows: Number(row!.rows), bytes: Number(row!.bytes) });
  }
  const [db] = await sql.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
  return { tables, databaseBytes: Number(db!.bytes) };
}

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Runs one statement on the server of `url` (the test role may create and drop databases). */
async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const databaseUrl = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

async function measureSize(input: string, store: StateStoreKind, requested: number, workDir: string, serverUrl: string | undefined): Promise<StateSize> {
  if (store === 'pglite') return measureSizeIn(input, store, requested, workDir, undefined);
  // A database per size, dropped after: an external server (VERITY_POSTGRES_URL) keeps running.
  const name = `verity_bench_${requested}_${randomBytes(3).toString('hex')}`;
  await onServer(serverUrl!, `CREATE DATABASE ${name}`);
  try {
    return await measureSizeIn(input, store, requested, workDir, databaseUrl(serverUrl!, name));
  } finally {
    await onServer(serverUrl!, `DROP DATABASE ${name}`).catch((error: unknown) => log(`[state] could not drop ${name}: ${(error as Error).message}`));
  }
}

async function measureSizeIn(input: string, store: StateStoreKind, requested: number, workDir: string, stateUrl: string | undefined): Promise<StateSize> {
  const dataDir = join(workDir, `state-${store}-${requested}`);
  const target: StateTarget = stateUrl ? { kind: 'server', url: stateUrl } : { kind: 'embedded', path: join(dataDir, 'pg') };

  log(`[state] ${store}, ${int.format(requested)} customers: building (a run over the stream, then copies in SQL) …`);
  const building = performance.now();
  await runVerity(input, dataDir, stateUrl);
  const sql = await createSqlClient(target);
  let copies: number;
  let measured: Pick<StateSize, 'tables' | 'databaseBytes'>;
  try {
    const [row] = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.customers`);
    copies = Math.ceil(requested / Number(row!.n));
    await replicate(sql, copies);
    measured = await sizes(sql);
  } finally {
    await sql.close();
  }
  const buildSeconds = (performance.now() - building) / 1000;
  const customers = measured.tables.find((t) => t.table === 'customers')!.rows;
  log(`[state] ${store}: ${int.format(customers)} customers in ${buildSeconds.toFixed(1)} s; measuring a run against them …`);
  // A restart: the build's data dir (token key, analytics store) and state. The copies replaced the
  // stream's own customers and event ids, so the stream is new to the state.
  const run = await runVerity(input, dataDir, stateUrl, await freePort());
  return {
    store,
    requested,
    customers,
    copies,
    buildSeconds,
    ...measured,
    folderBytes: target.kind === 'embedded' ? await folderBytes(target.path) : null,
    run,
  };
}

export async function runStateBench(opts: StateBenchOptions): Promise<StateBenchResult> {
  const results: StateSize[] = [];
  let serverSource: string | null = null;
  let serverUnavailable: string | null = null;
  for (const store of opts.stores) {
    let serverUrl: string | undefined;
    let stop = async () => {};
    if (store === 'server') {
      const server = await acquirePostgres((m) => log(`[postgres] ${m}`));
      if (!server.available) {
        serverUnavailable = server.reason;
        log(`[state] no PostgreSQL server, skipping it: ${server.reason}`);
        continue;
      }
      serverSource = server.source;
      serverUrl = server.url;
      stop = () => server.stop();
    }
    try {
      for (const size of opts.sizes) results.push(await measureSize(opts.input, store, size, opts.workDir, serverUrl));
    } finally {
      await stop();
    }
  }
  return { serverSource, serverUnavailable, sizes: results };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const secs = (s: number | null) => (s === null ? '—' : `${s.toFixed(2)} s`);

export function formatStateResult(r: StateBenchResult): { text: string; summary: object } {
  let text = '';
  const growth: Record<string, number> = {};
  for (const store of STATE_STORES) {
    const rows = r.sizes.filter((s) => s.store === store);
    if (rows.length === 0) continue;
    const heading = store === 'pglite' ? 'embedded PGlite (in the process: its RSS includes the database)' : `PostgreSQL server (${r.serverSource}; the RSS is verity's process alone)`;
    const tableNames = rows[0]!.tables.map((t) => t.table);
    const sizeRows = [
      ['table', ...rows.map((s) => `rows @${int.format(s.customers)}`), ...rows.map((s) => `size @${int.format(s.customers)}`)],
      ...tableNames.map((name) => [
        name,
        ...rows.map((s) => int.format(s.tables.find((t) => t.table === name)?.rows ?? 0)),
        ...rows.map((s) => mb(s.tables.find((t) => t.table === name)?.bytes ?? 0)),
      ]),
      ['database', ...rows.map(() => ''), ...rows.map((s) => mb(s.databaseBytes))],
      ...(store === 'pglite' ? [['folder on disk', ...rows.map(() => ''), ...rows.map((s) => mb(s.folderBytes ?? 0))]] : []),
    ];
    const runRows = [
      ['customers in state', 'copies', 'build', 'run', 'events/s', 'CPU s', 'peak RSS', 'ready', 'first batch'],
      ...rows.map((s) => [
        int.format(s.customers),
        String(s.copies),
        `${s.buildSeconds.toFixed(1)} s`,
        secs(s.run.seconds),
        int.format(s.run.report.events / (s.run.report.durationMs / 1000)),
        s.run.cpuSeconds.toFixed(1),
        `${int.format(s.run.peakRssMb)} MB`,
        secs(s.run.readySeconds),
        secs(s.run.firstBatchSeconds),
      ]),
    ];
    text += `\n${heading}\n\n${table(sizeRows)}\n\n${table(runRows)}\n`;
    if (rows.length >= 2) {
      const [small, large] = [rows[0]!, rows[rows.length - 1]!];
      const delta = large.run.peakRssMb - small.run.peakRssMb;
      growth[store] = delta;
      text += `peak RSS @${int.format(large.customers)} − @${int.format(small.customers)}: ${delta >= 0 ? '+' : ''}${int.format(delta)} MB (target ≤ ${RSS_GROWTH_TARGET_MB} MB) ${delta <= RSS_GROWTH_TARGET_MB ? 'PASS' : 'ABOVE TARGET'}\n`;
    }
  }
  if (r.serverUnavailable) text += `\nPostgreSQL server: not measured: ${r.serverUnavailable}\n`;
  text +=
    `\nstate: built by a real run over the stream, then each table's rows copied in SQL (tokens and event ids rewritten per copy) to the size asked for.\n` +
    `run: \`verity run --once\` over the same stream, restarted against that state (whose copies left the stream's customers and events new to it); ready = spawn → /readyz 200 ` +
    `(state opened and migrated, first batch taken); first batch = spawn → first batch committed (— : the run ended before a poll saw it); peak RSS and CPU from the child at exit.\n`;
  return { text, summary: { rssGrowthMb: growth, rssGrowthTargetMb: RSS_GROWTH_TARGET_MB } };
}
