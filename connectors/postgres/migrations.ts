// The operational store's schema, in versioned migrations applied once each, in order, in a
// transaction that also records them; several processes starting at once take turns (an
// advisory lock), so exactly one applies each. Tables hold keyed tokens and masks, never values.
import { createSqlClient, stateOpenFailure, type SqlClient, type StateTarget } from './sql-client.ts';
import { vaultMigrationSql } from './vault-migration.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SCHEMA = 'verity';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'issue and pattern state, applied ids, scopes, pending outputs',
    sql: `
      -- One row per customer: its current facts as the pattern rules use them.
      CREATE TABLE ${SCHEMA}.customers (
        customer_token text PRIMARY KEY,
        deleted boolean NOT NULL DEFAULT false,
        mobile_token text, mobile_masked text,
        address_token text, address_masked text,
        accounts jsonb NOT NULL DEFAULT '[]',
        agent_token text NOT NULL DEFAULT '',
        source text NOT NULL DEFAULT '',
        channel text NOT NULL DEFAULT '',
        frequent_since text,
        updated_at text NOT NULL,
        last_event_id text NOT NULL
      );
      CREATE INDEX customers_by_agent ON ${SCHEMA}.customers (agent_token) WHERE NOT deleted AND agent_token <> '';
      -- Who holds each value now (mobile, own bank account), and since when.
      CREATE TABLE ${SCHEMA}.holders (
        value_key text NOT NULL,
        customer_token text NOT NULL,
        since text NOT NULL,
        PRIMARY KEY (value_key, customer_token)
      );
      CREATE TABLE ${SCHEMA}.mobile_changes (
        customer_token text NOT NULL,
        event_id text NOT NULL,
        changed_at text NOT NULL,
        PRIMARY KEY (customer_token, event_id)
      );
      -- Agents' contacts (their own and their relatives'), and the index from a contact to agents.
      CREATE TABLE ${SCHEMA}.agents (
        agent_token text PRIMARY KEY,
        deleted boolean NOT NULL DEFAULT false,
        mobiles jsonb NOT NULL DEFAULT '[]',
        addresses jsonb NOT NULL DEFAULT '[]',
        updated_at text NOT NULL
      );
      CREATE TABLE ${SCHEMA}.agent_contacts (
        value_key text NOT NULL,
        agent_token text NOT NULL,
        who text NOT NULL,
        PRIMARY KEY (value_key, agent_token, who)
      );
      -- Active findings of every rule, per customer.
      CREATE TABLE ${SCHEMA}.active_findings (
        rule_id text NOT NULL,
        customer_token text NOT NULL,
        since text NOT NULL,
        since_event_id text NOT NULL,
        group_token text NOT NULL DEFAULT '',
        group_size integer NOT NULL DEFAULT 1,
        evidence jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (rule_id, customer_token)
      );
      CREATE INDEX active_findings_by_customer ON ${SCHEMA}.active_findings (customer_token);
      -- Issues: the state in full, and at most one open per (rule, customer).
      CREATE TABLE ${SCHEMA}.issues (
        issue_id text PRIMARY KEY,
        rule_id text NOT NULL,
        customer_token text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL
      );
      CREATE UNIQUE INDEX issues_one_open ON ${SCHEMA}.issues (rule_id, customer_token) WHERE status = 'open';
      CREATE INDEX issues_open_by_customer ON ${SCHEMA}.issues (customer_token) WHERE status = 'open';
      -- Event and dead-letter ids applied: a batch replayed after a crash changes nothing twice.
      CREATE TABLE ${SCHEMA}.applied (
        id text PRIMARY KEY,
        scope text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
      -- Each scope's (Kafka partition's, file's) current tenure: older tenures' transactions are refused.
      CREATE TABLE ${SCHEMA}.scopes (
        scope text PRIMARY KEY,
        epoch bigint NOT NULL,
        batches bigint NOT NULL DEFAULT 0,
        last_batch_id text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- Outputs committed with their state but not yet confirmed in the analytics store.
      CREATE TABLE ${SCHEMA}.pending_outputs (
        id bigserial PRIMARY KEY,
        scope text NOT NULL,
        batch_id text NOT NULL,
        output jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pending_outputs_by_scope ON ${SCHEMA}.pending_outputs (scope);
      -- Takes the advisory locks of a batch in the order given (callers sort them), so that two
      -- batches that share keys wait for each other instead of deadlocking.
      CREATE FUNCTION ${SCHEMA}.lock_keys(keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE k bigint;
      BEGIN
        FOREACH k IN ARRAY keys LOOP PERFORM pg_advisory_xact_lock(k); END LOOP;
      END $$;
    `,
  },
  {
    version: 2,
    name: "scopes' source positions; versions of the active-findings mirror; pending outputs as text",
    sql: `
      -- Where each scope's last committed batch ends in its source (a file line, a partition offset).
      ALTER TABLE ${SCHEMA}.scopes ADD COLUMN position text NOT NULL DEFAULT '';
      -- Orders the analytics store's mirror of active findings. Drawn inside a batch's transaction
      -- after its locks are held, so two batches changing one finding draw in commit order.
      CREATE SEQUENCE ${SCHEMA}.finding_mirror_versions;
      -- A pending output is only kept and read back whole, never queried into: as text it costs
      -- PostgreSQL no parse into jsonb, which for a batch of thousands of rows was the single
      -- dearest statement of the batch transaction.
      ALTER TABLE ${SCHEMA}.pending_outputs ALTER COLUMN output TYPE text USING output::text;
    `,
  },
  {
    version: 3,
    name: 'issue lifecycle: active statuses, immutable history, outbox, corrections, suppressions',
    sql: `
      -- At most one ACTIVE issue (open, claimed, in verification) per (rule, customer): a claimed
      -- issue is still the one the pipeline updates, and no second one opens beside it.
      DROP INDEX ${SCHEMA}.issues_one_open;
      DROP INDEX ${SCHEMA}.issues_open_by_customer;
      CREATE UNIQUE INDEX issues_one_active ON ${SCHEMA}.issues (rule_id, customer_token) WHERE status IN ('open', 'claimed', 'in-verification');
      CREATE INDEX issues_active_by_customer ON ${SCHEMA}.issues (customer_token) WHERE status IN ('open', 'claimed', 'in-verification');
      CREATE INDEX issues_by_customer ON ${SCHEMA}.issues (customer_token);
      -- The customer's tier, for the priority of pattern issues raised by another customer's event.
      ALTER TABLE ${SCHEMA}.customers ADD COLUMN tier text;
      -- Every transition of every issue, as it happened: the audit trail. The current state
      -- (issues.state) is the fold of these rows (pipelines/stewardship/lifecycle.ts). seq equals
      -- the version the transition produced, so two writers of one version collide on the key.
      CREATE TABLE ${SCHEMA}.issue_history (
        issue_id text NOT NULL,
        seq integer NOT NULL,
        at text NOT NULL,
        actor text NOT NULL,
        actor_role text NOT NULL,
        action text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        note text NOT NULL DEFAULT '',
        evidence jsonb NOT NULL DEFAULT '{}',
        version_after integer NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issue_id, seq)
      );
      -- Append-only, whoever asks: the trigger refuses every UPDATE, DELETE and TRUNCATE.
      CREATE FUNCTION ${SCHEMA}.refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'verity.issue_history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER issue_history_append_only BEFORE UPDATE OR DELETE ON ${SCHEMA}.issue_history
        FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.refuse_history_change();
      CREATE TRIGGER issue_history_no_truncate BEFORE TRUNCATE ON ${SCHEMA}.issue_history
        FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_history_change();
      -- What stewards, the clock and the relay changed, for the mirrors (analytics store, issue
      -- topic) and upstream (corrections), written in the same transaction as the change and
      -- drained by the outbox relay. A correction's payload is sealed: it carries raw values.
      CREATE TABLE ${SCHEMA}.outbox (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        payload text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE INDEX outbox_unsent ON ${SCHEMA}.outbox (id) WHERE sent_at IS NULL;
      -- Corrected fields per issue, as keyed tokens, until the upstream system carries them.
      CREATE TABLE ${SCHEMA}.corrections (
        issue_id text NOT NULL,
        customer_token text NOT NULL,
        field text NOT NULL,
        value_token text NOT NULL,
        corrected_at text NOT NULL,
        sent_at timestamptz,
        confirmed_at text,
        confirmed_by_event_id text,
        PRIMARY KEY (issue_id, field)
      );
      CREATE INDEX corrections_pending ON ${SCHEMA}.corrections (customer_token) WHERE confirmed_at IS NULL;
      -- A pattern judged legitimate for a group (002 art. 12(3)): no issue opens for it while the
      -- group keeps the members it had (their fingerprint).
      CREATE TABLE ${SCHEMA}.suppressions (
        rule_id text NOT NULL,
        group_token text NOT NULL,
        membership text NOT NULL,
        issue_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rule_id, group_token)
      );
      -- Issues opened before this migration have no history: they start one at their current version.
    `,
  },
  {
    version: 4,
    name: 'the reveal vault: sealed raw contact data of customers with an active issue',
    sql: vaultMigrationSql(SCHEMA),
  },
  {
    version: 5,
    name: 'console: users, sessions, sign-in throttle, access log (immutable), reveal approvals',
    sql: `
      -- Console users. The password is kept as scrypt(password, salt) with its cost parameters, so
      -- that raising the cost later leaves existing hashes verifiable.
      CREATE TABLE ${SCHEMA}.users (
        username text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('steward','supervisor','analyst','auditor','admin')),
        password_hash text NOT NULL,
        password_salt text NOT NULL,
        password_params jsonb NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- Sessions by the SHA-256 of their token: a copy of this table opens no session.
      CREATE TABLE ${SCHEMA}.sessions (
        token_hash text PRIMARY KEY,
        username text NOT NULL REFERENCES ${SCHEMA}.users (username) ON DELETE CASCADE,
        role text NOT NULL,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_by_user ON ${SCHEMA}.sessions (username);
      -- Failed sign-ins, counted per user name and per client address across every console process.
      CREATE TABLE ${SCHEMA}.sign_in_failures (
        id bigserial PRIMARY KEY,
        username text NOT NULL,
        address text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sign_in_failures_by_user ON ${SCHEMA}.sign_in_failures (username, at);
      CREATE INDEX sign_in_failures_by_address ON ${SCHEMA}.sign_in_failures (address, at);
      -- Who saw whose raw data, when and why: appended in the transaction that reads the vault.
      CREATE TABLE ${SCHEMA}.access_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        username text NOT NULL,
        role text NOT NULL,
        action text NOT NULL,
        issue_id text NOT NULL DEFAULT '',
        customer_token text NOT NULL DEFAULT '',
        purpose text NOT NULL DEFAULT '',
        fields jsonb NOT NULL DEFAULT '[]'
      );
      CREATE INDEX access_log_by_at ON ${SCHEMA}.access_log (at);
      CREATE INDEX access_log_by_customer ON ${SCHEMA}.access_log (customer_token);
      CREATE INDEX access_log_by_issue ON ${SCHEMA}.access_log (issue_id);
      CREATE FUNCTION ${SCHEMA}.access_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'verity.access_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON ${SCHEMA}.access_log
        FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.access_log_immutable();
      CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON ${SCHEMA}.access_log
        FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.access_log_immutable();
      -- A supervisor's approval that comes before a reveal of a core-tier customer's data.
      CREATE TABLE ${SCHEMA}.reveal_approvals (
        id bigserial PRIMARY KEY,
        issue_id text NOT NULL,
        approved_by text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        note text NOT NULL DEFAULT ''
      );
      CREATE INDEX reveal_approvals_by_issue ON ${SCHEMA}.reveal_approvals (issue_id);
    `,
  },
  {
    version: 6,
    name: "SLA clock: the notices raised, one per issue, episode and kind",
    sql: `
      -- The SLA clock's notices. The key makes each (issue, kind) happen once, however many clocks
      -- (processes, restarts) decide it at once: the one whose insert wins raises it, in the same
      -- transaction as the issue's history entry, its new state and its outbox row. An issue that
      -- reopens starts a new episode (the seq of its opened/reopened history entry), whose
      -- deadline is watched afresh.
      CREATE TABLE ${SCHEMA}.sla_notices (
        issue_id text NOT NULL,
        episode integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('reminder-50', 'reminder-80', 'breached')),
        noticed_at timestamptz NOT NULL,
        issue_version integer NOT NULL,
        queue text NOT NULL,
        PRIMARY KEY (issue_id, episode, kind)
      );
    `,
  },
  {
    version: 7,
    name: 'pending outputs deflated by the pipeline, stored uncompressed by PostgreSQL',
    sql: `
      -- A batch's pending output is megabytes of JSON, written once, read back only after a
      -- crash, and deleted when the analytics store has it. PostgreSQL compressed it (pglz) inside
      -- the batch's transaction: in PGlite that was the dearest statement of the batch, on the
      -- pipeline's one thread. The pipeline now deflates it beforehand on libuv's thread pool, and
      -- the column keeps it as it comes (EXTERNAL: out of line, not compressed again). Base64 text
      -- rather than bytea: PGlite encodes a bytea parameter byte by byte in JavaScript, which cost
      -- more than the compression saved; Node encodes base64 natively. Rows written before stay in
      -- 'output' and are read from there.
      ALTER TABLE ${SCHEMA}.pending_outputs ALTER COLUMN output DROP NOT NULL;
      ALTER TABLE ${SCHEMA}.pending_outputs ADD COLUMN output_deflated text;
      ALTER TABLE ${SCHEMA}.pending_outputs ALTER COLUMN output_deflated SET STORAGE EXTERNAL;
      ALTER TABLE ${SCHEMA}.pending_outputs ADD CONSTRAINT pending_outputs_one_form CHECK ((output IS NULL) <> (output_deflated IS NULL));
    `,
  },
  {
    version: 8,
    name: 'pending outputs of write units spanning several scopes',
    sql: `
      -- A write unit takes the chunks of several partitions through one transaction: its output
      -- belongs to each of their scopes ('scope' holds the first, 'also_scopes' all of them), and
      -- whoever takes any of them over writes it again (idempotently: the unit's insert tokens).
      ALTER TABLE ${SCHEMA}.pending_outputs ADD COLUMN also_scopes text[] NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 9,
    name: 'stand-in mobiles are held by no one',
    sql: `
      -- A mobile the pack's placeholder-value rule flags (13800000000) is in no shared-mobile
      -- group (pipelines/quality/patterns/stand-ins.ts). The customer's facts say so, for the
      -- values it held to be known when it changes. Rows written before say false: their holders
      -- stay until the customer's next event.
      ALTER TABLE ${SCHEMA}.customers ADD COLUMN mobile_stand_in boolean NOT NULL DEFAULT false;
    `,
  },
  {
    version: 10,
    name: 'applied ids numbered, for a window of them; sent outbox rows found by when',
    sql: `
      -- The applied ids are a window, not a ledger: ids applied before the retention's cutoff, and
      -- all but the newest N, are forgotten (StateStore.housekeeping). seq numbers them as applied,
      -- so both bounds are a prefix of one index, found without counting or sorting the table.
      -- Rows applied before this migration are numbered in their physical order.
      ALTER TABLE ${SCHEMA}.applied ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
      CREATE INDEX applied_by_seq ON ${SCHEMA}.applied (seq);
      -- Housekeeping deletes the rows the relay sent a day ago or more.
      CREATE INDEX outbox_sent ON ${SCHEMA}.outbox (sent_at) WHERE sent_at IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'unsent outbox rows found by kind, in order',
    sql: `
      -- The relay drains each kind in id order. Over (id) alone, a drain of one kind walked past
      -- every unsent row of the others (a backlog of issue changes before each corrections' drain).
      DROP INDEX ${SCHEMA}.outbox_unsent;
      CREATE INDEX outbox_unsent_by_kind ON ${SCHEMA}.outbox (kind, id) WHERE sent_at IS NULL;
    `,
  },
  {
    version: 12,
    name: 'the issues the SLA clock still watches',
    sql: `
      -- The issues the SLA clock still watches: active, and not breached in their current episode
      -- (a breach is the last notice of an episode). A sweep walked every active issue, breached
      -- ones too, and a breached issue stays active until a steward closes it: over a backlog that
      -- was every one of them, every minute (README, Benchmarks). Kept by the issues' history, which
      -- every writer (the pipeline, the stewards' desk, the clock) appends to in the transaction
      -- that changes the issue, under the customer's lock: each issue's last deciding entry of a
      -- statement says whether it is watched (opened or reopened: yes; breached or closed: no).
      CREATE TABLE ${SCHEMA}.sla_watch (issue_id text PRIMARY KEY);
      CREATE FUNCTION ${SCHEMA}.follow_sla_watch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH decided AS (
          SELECT DISTINCT ON (issue_id) issue_id,
                 action IN ('opened', 'reopened') AND to_status IN ('open', 'claimed', 'in-verification') AS watched
            FROM added
           WHERE action IN ('opened', 'reopened', 'breached') OR to_status NOT IN ('open', 'claimed', 'in-verification')
           ORDER BY issue_id, seq DESC
        ), unwatched AS (
          DELETE FROM ${SCHEMA}.sla_watch w USING decided d WHERE w.issue_id = d.issue_id AND NOT d.watched
        )
        INSERT INTO ${SCHEMA}.sla_watch (issue_id) SELECT issue_id FROM decided WHERE watched ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
      -- Created before the rows are filled in: it takes the lock that holds every other writer's
      -- history back until this migration commits, so none is missed in between.
      CREATE TRIGGER issue_history_sla_watch AFTER INSERT ON ${SCHEMA}.issue_history
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.follow_sla_watch();
      -- An issue's episode is the seq of its last opened or reopened entry (1 for an issue opened
      -- before the history existed), as the clock counts it (sla-store.ts).
      INSERT INTO ${SCHEMA}.sla_watch (issue_id)
      SELECT i.issue_id FROM ${SCHEMA}.issues i
       CROSS JOIN LATERAL (SELECT coalesce(max(h.seq), 1) AS episode FROM ${SCHEMA}.issue_history h
                            WHERE h.issue_id = i.issue_id AND h.action IN ('opened', 'reopened')) e
       WHERE i.status IN ('open', 'claimed', 'in-verification')
         AND NOT EXISTS (SELECT 1 FROM ${SCHEMA}.sla_notices n WHERE n.issue_id = i.issue_id AND n.episode = e.episode AND n.kind = 'breached');
    `,
  },
  {
    version: 13,
    name: "pending outputs in V8's serialisation",
    sql: `
      -- A unit's pending output was JSON before it was deflated: JSON.stringify of a unit of 5,000
      -- events (about 6 MB, much of it Chinese text) took 50-60 ms on the pipeline's thread and the
      -- deflate of its text 55 ms on libuv's pool; V8's serialisation (node:v8, a format Node
      -- documents as safe to store) takes about 20 and 35 ms (README, Benchmarks). Deflated and
      -- base64 as before (migration 7), in a column of its own, so that what a store written
      -- before holds is still read as it was written.
      ALTER TABLE ${SCHEMA}.pending_outputs ADD COLUMN output_serialized text;
      ALTER TABLE ${SCHEMA}.pending_outputs ALTER COLUMN output_serialized SET STORAGE EXTERNAL;
      ALTER TABLE ${SCHEMA}.pending_outputs DROP CONSTRAINT pending_outputs_one_form;
      ALTER TABLE ${SCHEMA}.pending_outputs ADD CONSTRAINT pending_outputs_one_form
        CHECK (num_nonnulls(output, output_deflated, output_serialized) = 1);
    `,
  },
  {
    version: 14,
    name: 'outbox rows claimed for a while, not locked while they are sent',
    sql: `
      -- A relay held its page's rows locked, in a transaction, while it sent them (an analytics
      -- insert, a publish): the embedded store has one connection, so the pipeline's units waited
      -- for every page sent (about 2 s of a 50-s bench run). A relay now claims a page until
      -- claimed_until in a short transaction, sends it outside any, and marks it sent in another.
      ALTER TABLE ${SCHEMA}.outbox ADD COLUMN claimed_until timestamptz;
    `,
  },
];

/**
 * Creates the schema and applies the missing migrations; returns the versions applied now.
 * `through` stops after that version: a store as an older release left it, to test an upgrade on.
 */
export async function migrateState(client: SqlClient, { through = Infinity }: { through?: number } = {}): Promise<number[]> {
  return client.transaction(async (tx) => {
    // Serialises concurrent starts: the second sees the first's migrations as applied.
    await tx.query('SELECT pg_advisory_xact_lock(7406271935)');
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_migrations`)).map((r) => Number(r.version)));
    const now: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version) || migration.version > through) continue;
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      now.push(migration.version);
    }
    return now;
  });
}

/** A client of the operational store with its schema up to date; closed again if migrating fails. */
export async function openMigrated(target: StateTarget): Promise<{ client: SqlClient; migrations: number[] }> {
  const client = await createSqlClient(target);
  try {
    return { client, migrations: await migrateState(client) };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

/**
 * openMigrated for a command of its own (`verity console`, `verity users`): a store that cannot be
 * reached fails with what to fix (stateOpenFailure), as `verity run` says it.
 */
export async function openStateClient(target: StateTarget): Promise<SqlClient> {
  try {
    return (await openMigrated(target)).client;
  } catch (error) {
    throw stateOpenFailure(target, error);
  }
}
