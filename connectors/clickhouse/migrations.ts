// Versioned, idempotent schema migrations. Each statement is safe to run twice, so a crash between
// a statement and its bookkeeping row only means it runs again next start. Table and column names
// below are the analysts' contract (README "Analyst schema"): add columns in new migrations,
// never rename.
import type { ClickHouseClient } from '@clickhouse/client';
import { StoreError } from '../../pipelines/errors.ts';
import { storeError } from './store-errors.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (db: string) => string[];
}

// Lets `insert_deduplication_token` make a re-sent batch a no-op on non-replicated tables.
const DEDUP = 'non_replicated_deduplication_window = 1000';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'analyst schema: records, findings, issues, issue_events, dead_letters',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.records (
        event_id String,
        source LowCardinality(String),
        op Enum8('create' = 1, 'update' = 2, 'delete' = 3),
        occurred_at DateTime64(3, 'UTC'),
        ingested_at DateTime64(3, 'UTC'),
        source_ref String,
        entity Enum8('customer' = 1, 'agent' = 2),
        customer_token String,
        kind LowCardinality(String),
        tier LowCardinality(String),
        secrecy_level LowCardinality(String),
        protection_class LowCardinality(String),
        policy_role LowCardinality(String),
        policy_token String,
        agent_token String,
        channel LowCardinality(String),
        name_masked String,
        id_type LowCardinality(String),
        id_number_masked String,
        mobile_masked String,
        landline_masked String,
        email_masked String,
        address_masked String,
        uscc_masked String,
        legal_representative_masked String,
        bank_accounts_masked Array(String),
        mobile_token String,
        id_number_token String,
        bank_account_tokens Array(String),
        province LowCardinality(String),
        age_band LowCardinality(String),
        gender LowCardinality(String),
        has_health_data Bool,
        failed_rules Array(LowCardinality(String))
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(occurred_at)
      ORDER BY event_id
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.findings (
        finding_id String,
        rule_id LowCardinality(String),
        rule_version UInt32,
        severity Enum8('info' = 1, 'low' = 2, 'medium' = 3, 'high' = 4, 'critical' = 5),
        customer_token String,
        field String,
        reason LowCardinality(String),
        evidence String,
        event_id String,
        source LowCardinality(String),
        occurred_at DateTime64(3, 'UTC'),
        detected_at DateTime64(3, 'UTC'),
        issue_id String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(occurred_at)
      ORDER BY (rule_id, customer_token, finding_id)
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.issues (
        issue_id String,
        queue LowCardinality(String),
        rule_id LowCardinality(String),
        rule_version UInt32,
        customer_token String,
        status Enum8('open' = 1, 'resolved' = 2, 'withdrawn' = 3),
        resolution LowCardinality(String),
        priority LowCardinality(String),
        severity Enum8('info' = 1, 'low' = 2, 'medium' = 3, 'high' = 4, 'critical' = 5),
        opened_at DateTime64(3, 'UTC'),
        opened_by_event_id String,
        due_at DateTime64(3, 'Asia/Shanghai'),
        due_date Date,
        deadline_basis LowCardinality(String),
        deadline_provisional Bool,
        occurrences UInt32,
        last_event_id String,
        last_seen_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY issue_id
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.issue_events (
        issue_id String,
        version UInt64,
        change LowCardinality(String),
        status LowCardinality(String),
        queue LowCardinality(String),
        rule_id LowCardinality(String),
        customer_token String,
        priority LowCardinality(String),
        due_at DateTime64(3, 'Asia/Shanghai'),
        event_id String,
        occurred_at DateTime64(3, 'UTC'),
        recorded_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY (issue_id, version)
      SETTINGS ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS ${db}.dead_letters (
        dead_letter_id String,
        reason_code LowCardinality(String),
        reason String,
        error_path String,
        source_kind LowCardinality(String),
        source_ref String,
        file String,
        line UInt64,
        topic String,
        partition Int32,
        offset Int64,
        size_bytes UInt64,
        payload_sha256 String,
        first_seen_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY dead_letter_id
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 2,
    name: 'issue_events.issue_state: the full issue state after each change',
    // The issues table keeps only the newest version once parts merge; after a crash mid-batch,
    // the state before the interrupted change is restored from here (tokens and masked metadata only).
    statements: (db) => [`ALTER TABLE ${db}.issue_events ADD COLUMN IF NOT EXISTS issue_state String DEFAULT ''`],
  },
  {
    version: 3,
    name: 'batch_log: which batch writes started and finished, per source scope (internal)',
    // Not analyst-facing. A batch writes a `started` row before its first insert and a `done` row
    // after its last, so a process taking over a Kafka partition (or starting on a file) finds the
    // one batch a crashed writer left half-written, without scanning the analyst tables.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.batch_log (
        scope String,
        attempt String,
        state Enum8('started' = 1, 'done' = 2, 'repaired' = 3),
        batch_id String,
        event_ids Array(String),
        dead_letter_ids Array(String),
        logged_at DateTime64(3, 'UTC')
      ) ENGINE = MergeTree
      ORDER BY (scope, attempt, state)
      TTL toDateTime(logged_at) + INTERVAL 90 DAY`,
    ],
  },
  {
    version: 4,
    name: 'issue_sla_events: due-soon and breached notices, one per issue and kind',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.issue_sla_events (
        issue_id String,
        kind Enum8('due-soon' = 1, 'breached' = 2),
        noticed_at DateTime64(3, 'UTC'),
        issue_version UInt64,
        queue LowCardinality(String),
        rule_id LowCardinality(String),
        customer_token String,
        priority LowCardinality(String),
        due_at DateTime64(3, 'Asia/Shanghai'),
        due_date Date,
        opened_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY (issue_id, kind)
      SETTINGS ${DEDUP}`,
    ],
  },
  {
    version: 5,
    name: 'findings.violation_count: repeats of one reason on one field of several items, collapsed',
    // One record with thousands of failing accounts gives one finding carrying the count, not
    // thousands of rows; every earlier finding stood for exactly one violation.
    statements: (db) => [`ALTER TABLE ${db}.findings ADD COLUMN IF NOT EXISTS violation_count UInt32 DEFAULT 1`],
  },
  {
    version: 6,
    name: 'batch_log dropped: interrupted writes are redone from the state store',
    // The analytics store is a mirror now: a batch's rows are committed with its state in the
    // operational store and written again, unchanged, if a crash interrupted their write. Nothing
    // needs undoing, so the internal batch log has no use (it was never an analyst table).
    statements: (db) => [`DROP TABLE IF EXISTS ${db}.batch_log`],
  },
  {
    version: 7,
    name: 'active_findings: the operational store\'s active findings per (rule, customer), mirrored',
    // The operational store decides which findings are active (a pattern holds while its group
    // does); analysts see its current state here. Each change carries a version drawn in commit
    // order, so FINAL keeps the latest, and a cleared finding stays as a row with active = 0.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.active_findings (
        rule_id LowCardinality(String),
        customer_token String,
        active Bool,
        since DateTime64(3, 'UTC'),
        since_event_id String,
        group_token String,
        group_size UInt32,
        agent_token String,
        channel LowCardinality(String),
        source LowCardinality(String),
        evidence String,
        version UInt64,
        changed_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (rule_id, customer_token)
      SETTINGS ${DEDUP}`,
    ],
  },  {
    version: 9,
    name: 'issue_sla_events.kind: the reminders at 50 % and 80 % of the allowed time',
    // The clock now reminds at 50 % and 80 % of an issue's allowed PRC working time instead of
    // one `due-soon` notice. Adding enum values changes metadata only; `due-soon` stays for the
    // rows written before.
    statements: (db) => [
      `ALTER TABLE ${db}.issue_sla_events MODIFY COLUMN kind Enum8('due-soon' = 1, 'breached' = 2, 'reminder-50' = 3, 'reminder-80' = 4)`,
    ],
  },
  {
    version: 8,
    name: 'issues: lifecycle statuses (claimed, in-verification) and the stewards\' fields',
    // Stewards move issues through claimed and in-verification; the mirror keeps who holds each,
    // whether it is escalated, its tier (core first), pause, callbacks and outcome, and the
    // source/channel/agent the queues filter by. Instants a steward may leave unset are strings ('').
    statements: (db) => [
      `ALTER TABLE ${db}.issues MODIFY COLUMN status Enum8('open' = 1, 'resolved' = 2, 'withdrawn' = 3, 'claimed' = 4, 'in-verification' = 5)`,
      `ALTER TABLE ${db}.issues
        ADD COLUMN IF NOT EXISTS assignee String DEFAULT '',
        ADD COLUMN IF NOT EXISTS escalated Bool DEFAULT false,
        ADD COLUMN IF NOT EXISTS tier LowCardinality(String) DEFAULT 'general',
        ADD COLUMN IF NOT EXISTS paused_since String DEFAULT '',
        ADD COLUMN IF NOT EXISTS pause_reason String DEFAULT '',
        ADD COLUMN IF NOT EXISTS callback_attempts UInt32 DEFAULT 0,
        ADD COLUMN IF NOT EXISTS next_attempt_at String DEFAULT '',
        ADD COLUMN IF NOT EXISTS outcome LowCardinality(String) DEFAULT '',
        ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '',
        ADD COLUMN IF NOT EXISTS channel LowCardinality(String) DEFAULT '',
        ADD COLUMN IF NOT EXISTS agent_token String DEFAULT ''`,
    ],
  },
];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertDatabaseName(db: string): string {
  if (!IDENTIFIER.test(db)) throw new StoreError('MIGRATION_FAILED', `database name must match ${IDENTIFIER}`);
  return db;
}

/** Creates the database and applies missing migrations in order; returns the versions applied now. */
export async function migrate(client: ClickHouseClient, db: string): Promise<number[]> {
  assertDatabaseName(db);
  const run = async (query: string) => {
    try {
      await client.command({ query });
    } catch (cause) {
      throw storeError('schema migration', cause, 'MIGRATION_FAILED');
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await run(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC'))
     ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  let applied: Set<number>;
  try {
    applied = new Set(
      (await (await client.query({ query: `SELECT version FROM ${db}.schema_migrations FINAL`, format: 'JSONEachRow' })).json<{ version: number }>()).map((r) =>
        Number(r.version),
      ),
    );
  } catch (cause) {
    throw storeError('reading applied migrations', cause, 'MIGRATION_FAILED');
  }
  const now: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(db)) await run(statement);
    try {
      await client.insert({
        table: `${db}.schema_migrations`,
        values: [{ version: migration.version, name: migration.name, applied_at: new Date().toISOString() }],
        format: 'JSONEachRow',
      });
    } catch (cause) {
      throw storeError('recording a migration', cause, 'MIGRATION_FAILED');
    }
    now.push(migration.version);
  }
  return now;
}
