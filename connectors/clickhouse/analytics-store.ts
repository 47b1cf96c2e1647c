// Writes what the pipeline derives into the analyst schema, idempotently: every insert carries a
// deduplication token derived from the batch id, and every table is a ReplacingMergeTree keyed by
// a deterministic id. A batch's rows come from the output committed with its state (see
// pipelines/runtime/state-store.ts), so a write interrupted by a crash is done again with the same
// rows under the same tokens, and what had arrived is not doubled. The analytics store is a
// mirror: nothing is read back from it to decide anything, except by the SLA clock.
import type { ClickHouseClient } from '@clickhouse/client';
import pLimit from 'p-limit';
import { storeError } from './store-errors.ts';
import type { Failpoint } from '../../pipelines/runtime/failpoints.ts';
import { sha256Hex } from '../../pipelines/contract/ids.ts';
import type { DeadLetter, Finding, IssueChange, RecordRow } from '../../pipelines/quality/model.ts';
import type { FindingMirrorChange } from '../../pipelines/quality/patterns/pattern-state.ts';
import { slaNoticeOfChange, type SlaNotice } from '../../pipelines/quality/sla.ts';
import { formatCoordinates } from '../../pipelines/runtime/source.ts';
import { camelCase } from './columns.ts';
import { assertDatabaseName } from './migrations.ts';

/** Which source batch a write belongs to: its deterministic id and its scope (see SourceBatch). */
export interface BatchRef {
  readonly id: string;
  readonly scope: string;
}

export interface BatchOutput {
  readonly records: readonly RecordRow[];
  readonly findings: readonly Finding[];
  readonly issueChanges: readonly IssueChange[];
  readonly deadLetters: readonly DeadLetter[];
  /** Active findings changed by the batch (absent: none). */
  readonly findingMirror?: readonly FindingMirrorChange[];
}

/** How one write of a batch is tried. */
export interface WriteOptions {
  /** Aborted when this process lost the batch's scope: no insert starts after that. */
  readonly signal?: AbortSignal | undefined;
}

/** The dead-letter row in the pipeline's camelCase (columns.ts maps it to the table's columns). */
function deadLetterRow(d: DeadLetter): Record<string, unknown> {
  const c = d.coordinates;
  return {
    deadLetterId: d.deadLetterId,
    reasonCode: d.reasonCode,
    reason: d.reason,
    errorPath: d.errorPath,
    sourceKind: c.kind,
    sourceRef: formatCoordinates(c),
    file: c.kind === 'file' ? c.file : '',
    line: c.kind === 'file' ? c.line : 0,
    topic: c.kind === 'kafka' ? c.topic : '',
    partition: c.kind === 'kafka' ? c.partition : -1,
    offset: c.kind === 'kafka' ? c.offset : -1,
    sizeBytes: d.sizeBytes,
    payloadSha256: d.payloadSha256,
    firstSeenAt: d.firstSeenAt,
  };
}

function issueEventRow(c: IssueChange, recordedAt: string): Record<string, unknown> {
  const i = c.issue;
  return {
    issueId: i.issueId,
    version: i.version,
    change: c.change,
    status: i.status,
    queue: i.queue,
    ruleId: i.ruleId,
    customerToken: i.customerToken,
    priority: i.priority,
    dueAt: i.dueAt,
    eventId: c.eventId,
    occurredAt: c.occurredAt,
    recordedAt,
    issueState: JSON.stringify(i),
  };
}

export class AnalyticsStore {
  readonly #client: ClickHouseClient;
  readonly #db: string;
  readonly #limit: ReturnType<typeof pLimit>;
  readonly #columns = new Map<string, Promise<readonly string[]>>();

  readonly #failpoint: Failpoint;

  constructor(client: ClickHouseClient, database: string, concurrency: number, failpoint: Failpoint = () => {}) {
    this.#client = client;
    this.#failpoint = failpoint;
    this.#db = assertDatabaseName(database);
    this.#limit = pLimit(concurrency);
  }

  /** The table's insertable columns in table order, asked once per table. */
  #columnsOf(table: string): Promise<readonly string[]> {
    let columns = this.#columns.get(table);
    if (!columns) {
      columns = this.#select<{ name: string; default_type: string }>(`DESCRIBE TABLE ${this.#db}.${table}`).then((rows) =>
        rows.filter((r) => r.default_type !== 'MATERIALIZED' && r.default_type !== 'ALIAS').map((r) => r.name),
      );
      columns.catch(() => this.#columns.delete(table)); // ask again next time
      this.#columns.set(table, columns);
    }
    return columns;
  }

  /**
   * Inserts rows given in the pipeline's camelCase fields. They go as JSONCompactEachRow (one JSON
   * array per row, in the table's column order) rather than JSONEachRow: column names are sent once
   * per insert instead of once per row, which halves what both sides serialise and parse. A field
   * a row lacks is sent as null, which ClickHouse stores as the column default, exactly as it
   * treats a key missing from a JSONEachRow object.
   */
  async #insert(table: string, batchId: string, rows: readonly object[], signal?: AbortSignal): Promise<void> {
    if (rows.length === 0) return;
    const columns = await this.#columnsOf(table);
    // Asked again after the columns: a slow store may have taken the scope away meanwhile.
    signal?.throwIfAborted();
    const fields = columns.map(camelCase);
    const values = rows.map((row) => fields.map((field) => (row as Record<string, unknown>)[field]));
    try {
      await this.#client.insert({
        table: `${this.#db}.${table}`,
        columns: columns as [string, ...string[]],
        values,
        format: 'JSONCompactEachRow',
        clickhouse_settings: {
          insert_deduplication_token: `${batchId}/${table}`,
          // records and findings are partitioned by month, and one batch may span any number of
          // months (a replay of history). ClickHouse refuses a block over more than 100 partitions
          // by default, which failed the batch for good. The months are in the data whatever the
          // batching; the limit only guards against a bad PARTITION BY, which these are not.
          max_partitions_per_insert_block: '0',
        },
      });
    } catch (cause) {
      throw storeError(`insert into ${table}`, cause);
    }
  }

  /**
   * Everything derived from one batch; resolves once all of it is durably written. Records go in
   * after everything else, so a stored record means its findings and issue changes are stored.
   */
  async write(batch: BatchRef, out: BatchOutput, recordedAt: string, options: WriteOptions = {}): Promise<void> {
    if (out.records.length === 0 && out.deadLetters.length === 0 && out.issueChanges.length === 0 && !out.findingMirror?.length) return;
    // Every insert first asks whether the scope is still this process's: a process that lost it
    // (a rebalance during a slow write) must not write into what its new owner is writing.
    const { signal } = options;
    await Promise.all(
      [
        () => this.#insert('findings', batch.id, out.findings, signal),
        () => this.#insert('issues', batch.id, out.issueChanges.map((c) => c.issue), signal),
        () => this.#insert('issue_events', batch.id, out.issueChanges.map((c) => issueEventRow(c, recordedAt)), signal),
        () => this.#insert('dead_letters', batch.id, out.deadLetters.map(deadLetterRow), signal),
        () => this.#insert('active_findings', batch.id, (out.findingMirror ?? []).map((f) => ({ ...f, changedAt: recordedAt })), signal),
      ].map((task) => this.#limit(task)),
    );
    this.#failpoint('store.write.before-records');
    await this.#insert('records', batch.id, out.records, signal);
  }

  async #select<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    try {
      const result = await this.#client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { date_time_output_format: 'iso' },
      });
      return await result.json<T>();
    } catch (cause) {
      throw storeError('query', cause, 'STORE_UNAVAILABLE');
    }
  }

  /** The database the store writes to (dashboard SQL is qualified with it, dashboards/queries.ts sqlFor). */
  get database(): string {
    return this.#db;
  }

  /**
   * Rows of a read-only analyst query: the console's dashboards (pipelines/console/routes/
   * dashboards.ts) run the SQL files of dashboards/sql through here, over masked and tokenised
   * columns only. Counts come back as numbers, not quoted 64-bit strings, as in runDashboardQuery.
   */
  async queryRows<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    try {
      const result = await this.#client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0, readonly: '2' },
      });
      return await result.json<T>();
    } catch (cause) {
      throw storeError('query', cause, 'STORE_UNAVAILABLE');
    }
  }

  /** Current issue states (FINAL) matching `where`, a condition on the issues table aliased `i`. */
  /**
   * Issue changes relayed from the operational store's outbox (stewards', the SLA clock's): to
   * `issues` and `issue_events`, and the clock's reminders and breaches to `issue_sla_events` too.
   * A re-sent page (same `batchId`, same notices) is recognised and written once.
   */
  async mirrorIssueChanges(batchId: string, issueChanges: readonly IssueChange[]): Promise<void> {
    await this.write({ id: batchId, scope: 'outbox' }, { records: [], findings: [], issueChanges: [...issueChanges], deadLetters: [] }, new Date().toISOString());
    const notices = issueChanges.flatMap((change) => slaNoticeOfChange(change) ?? []);
    if (notices.length > 0) await this.writeSlaNotices(notices);
  }

  /** The SLA clock's notices, mirrored (the outbox relay writes them; one row per issue and kind). */
  async writeSlaNotices(notices: readonly SlaNotice[]): Promise<void> {
    const rows = notices.map(({ kind, issue, at }) => ({
      issueId: issue.issueId,
      kind,
      noticedAt: at,
      issueVersion: issue.version,
      queue: issue.queue,
      ruleId: issue.ruleId,
      customerToken: issue.customerToken,
      priority: issue.priority,
      dueAt: issue.dueAt,
      dueDate: issue.dueDate,
      openedAt: issue.openedAt,
    }));
    const id = sha256Hex(Buffer.from(notices.map((n) => `${n.issue.issueId}/${n.kind}`).join('\n'))).slice(0, 32);
    await this.#insert('issue_sla_events', `sla:${id}`, rows);
  }
}
