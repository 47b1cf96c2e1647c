// The runtime's StateStore over PostgreSQL (a server through `pg`, or PGlite embedded): issue state,
// pattern state and applied ids, one transaction per batch.
//
// Concurrency. Several members of a consumer group change shared holder sets at the same time. A
// batch's transaction first locks its scope's row (a member that lost the scope is refused: its
// tenure's epoch is no longer current), then takes advisory locks on every key it can touch —
// its customers, every value they hold before or after, every agent they name — in one global
// order (sorted numeric keys), and only then reads what those keys reach. Two batches that share
// a value wait for each other rather than read around each other, and the fixed order means
// they never deadlock. Every row a batch writes is reachable only through keys it holds.
import { createHash } from 'node:crypto';
import { ACTIVE_STATUSES, isActive, withLifecycle, type IssueChange, type IssueState } from '../../pipelines/contract/issue.ts';
import { PIPELINE_ACTOR, systemEntry, type HistoryEntry } from '../../pipelines/stewardship/lifecycle.ts';
import { REOPENABLE_OUTCOMES } from '../../pipelines/quality/issue-tracker.ts';
import { ScopeLostError } from '../../pipelines/errors.ts';
import { heldValues, mobileOf, type AgentContact, type AgentFacts, type CustomerFacts, type MobileChange, type Valued } from '../../pipelines/quality/patterns/facts.ts';
import { emptySnapshot, findingKey, suppressionKey, type ActiveFinding, type CorrectableField, type BatchLoadRequest, type PatternSnapshot, type StateChanges } from '../../pipelines/quality/patterns/pattern-state.ts';
import type { AnalyticsOutput, HousekeepingDone, HousekeepingPlan, PendingOutput, StateStore, StateTransaction } from '../../pipelines/runtime/state-store.ts';
import { openMigrated, SCHEMA } from './migrations.ts';
import { applyVaultChanges } from './vault-store.ts';
import { selectRows } from './json-rows.ts';
import { packOutput, unpackOutput, type StoredOutput } from './pending-output.ts';
import { pipelined, type PipelinedSql } from './pipelined-sql.ts';
import { describeStateTarget, retryOnConflict, type SqlClient, type SqlRunner, type StateTarget } from './sql-client.ts';

const S = SCHEMA;

/**
 * Times a transaction that lost to a concurrent one is run again before its failure counts (then
 * as a retriable outage, retried within the run's budget), and the most it waits per attempt.
 */
const CONFLICT_ATTEMPTS = 8;
const CONFLICT_BACKOFF_MS = 25;

/** A 64-bit advisory-lock key for a string, the same in every process. */
export function lockKey(name: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`));
}

/** The distinct keys of `names` in the one global order every transaction takes its locks in. */
export function lockKeysInOrder(names: Iterable<string>): bigint[] {
  return [...new Set([...names].map(lockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Advisory locks live in PostgreSQL's shared lock table, which holds about
 * max_locks_per_transaction × max_connections entries for every session together (6,400 on a
 * default server). A batch of thousands of customers reaches more keys than that, and its
 * transaction failed with SQLSTATE 53200. So a transaction takes at most this many key locks; one
 * that would need more takes the whole store instead (STORE_LOCK exclusively, where every other
 * transaction holds it shared): big batches then run one at a time, small ones side by side.
 */
export const MAX_KEY_LOCKS = 1000;
export const STORE_LOCK = lockKey('verity:store');

/** A transaction reached more keys than MAX_KEY_LOCKS: it is run again holding the store alone. */
class TooManyKeys extends Error {}

/** How a batch's transaction keeps other processes' batches away from what it changes. */
type Locking = 'keys' | 'store';

interface CustomerRow {
  customer_token: string;
  deleted: boolean;
  mobile_token: string | null;
  mobile_masked: string | null;
  mobile_stand_in: boolean;
  address_token: string | null;
  address_masked: string | null;
  accounts: Valued[];
  agent_token: string;
  source: string;
  channel: string;
  tier: string | null;
  frequent_since: string | null;
  updated_at: string;
  last_event_id: string;
}

const valued = (token: string | null, masked: string | null): Valued | undefined => (token ? { token, masked: masked ?? '' } : undefined);

function customerOf(row: CustomerRow): CustomerFacts {
  return {
    customerToken: row.customer_token,
    deleted: row.deleted,
    mobile: mobileOf(valued(row.mobile_token, row.mobile_masked), row.mobile_stand_in),
    address: valued(row.address_token, row.address_masked),
    accounts: row.accounts,
    agentToken: row.agent_token,
    source: row.source,
    channel: row.channel,
    ...(row.tier ? { tier: row.tier as CustomerFacts['tier'] } : {}),
    updatedAt: row.updated_at,
    lastEventId: row.last_event_id,
    frequentSince: row.frequent_since ?? undefined,
  };
}

function rowOf(c: CustomerFacts): CustomerRow {
  return {
    customer_token: c.customerToken,
    deleted: c.deleted,
    mobile_token: c.mobile?.token ?? null,
    mobile_masked: c.mobile?.masked ?? null,
    mobile_stand_in: c.mobile?.standIn === true,
    address_token: c.address?.token ?? null,
    address_masked: c.address?.masked ?? null,
    accounts: [...c.accounts],
    agent_token: c.agentToken,
    source: c.source,
    channel: c.channel,
    tier: c.tier ?? null,
    frequent_since: c.frequentSince ?? null,
    updated_at: c.updatedAt,
    last_event_id: c.lastEventId,
  };
}

interface AgentRow {
  agent_token: string;
  deleted: boolean;
  mobiles: AgentContact[];
  addresses: AgentContact[];
  updated_at: string;
}

interface FindingRow {
  rule_id: string;
  customer_token: string;
  since: string;
  since_event_id: string;
  group_token: string;
  group_size: number;
  evidence: ActiveFinding['evidence'];
}

const findingOf = (r: FindingRow): ActiveFinding => ({
  ruleId: r.rule_id,
  customerToken: r.customer_token,
  since: r.since,
  sinceEventId: r.since_event_id,
  groupToken: r.group_token,
  groupSize: Number(r.group_size),
  evidence: r.evidence,
});

const json = (value: unknown) => JSON.stringify(value);

/** The active statuses as an SQL list (constants, not input). */
export const ACTIVE_SQL = `(${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** A history entry as a row of verity.issue_history. */
export function historyRow(e: HistoryEntry) {
  return {
    issue_id: e.issueId,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    actor_role: e.actorRole,
    action: e.action,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    note: e.note,
    evidence: e.evidence,
    version_after: e.versionAfter,
  };
}

class PostgresTransaction implements StateTransaction {
  readonly #sql: SqlRunner;
  readonly #scope: string;
  /** Advisory locks held (until the transaction ends). */
  readonly #locked = new Set<bigint>();
  /** Keys reached while holding the store alone: counted, never locked. */
  readonly #reached = new Set<string>();
  readonly #locking: Locking;
  /** Each issue the batch loaded, as loaded: what its first change of the batch follows in history. */
  readonly #issuesBefore = new Map<string, IssueState>();

  constructor(sql: SqlRunner, scope: string, locking: Locking) {
    this.#sql = sql;
    this.#scope = scope;
    this.#locking = locking;
  }

  /** Whether the keys this transaction reached would have fit in key locks. */
  get fitsKeyLocks(): boolean {
    return Math.max(this.#locked.size, this.#reached.size) <= MAX_KEY_LOCKS;
  }

  async applied(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await selectRows<{ id: string }>(this.#sql, `SELECT id FROM ${S}.applied WHERE id = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async load(request: BatchLoadRequest): Promise<PatternSnapshot> {
    const snapshot = emptySnapshot();
    const sql = this.#sql;
    // The batch's own customers as they stand: their old values and agents must be locked too.
    // They are read before their locks, so they are read again under them: a customer a batch of
    // another scope changed meanwhile (an unkeyed message) may name more keys, which are locked
    // in turn. Those come out of order; PostgreSQL then reports a deadlock (retriable), never a hang.
    const values = new Set(request.values);
    const agents = new Set(request.agents.filter((a) => a !== ''));
    let own: CustomerFacts[] = [];
    for (;;) {
      own = await this.#customers(request.customers);
      for (const c of own) {
        for (const key of heldValues(c)) values.add(key);
        if (c.agentToken) agents.add(c.agentToken);
      }
      const keys = [...request.customers.map((c) => `c:${c}`), ...[...values].map((v) => `v:${v}`), ...[...agents].map((a) => `a:${a}`)];
      if (!(await this.#lock(keys))) break;
    }

    // Everything the keys reach, read under the locks. Reads that need no reply from each other
    // are sent together, as the writes are (pipelined-sql.ts).
    const groups = [...[...values].map((key) => key.slice(key.indexOf(':') + 1)), ...agents];
    const [holders, agentRows, suppressions] = await Promise.all([
      values.size === 0 ? [] : selectRows<{ value_key: string; customer_token: string; since: string }>(sql, `SELECT value_key, customer_token, since FROM ${S}.holders WHERE value_key = ANY($1::text[])`, [[...values]]),
      agents.size === 0 ? [] : selectRows<AgentRow>(sql, `SELECT * FROM ${S}.agents WHERE agent_token = ANY($1::text[])`, [[...agents]]),
      // Legitimate patterns, for every group the batch may open an issue in: a shared value's
      // token, or an agent's. Few rows, and only where a steward judged one.
      groups.length === 0 ? [] : sql.query<{ rule_id: string; group_token: string; membership: string }>(`SELECT rule_id, group_token, membership FROM ${S}.suppressions WHERE group_token = ANY($1::text[])`, [groups]),
    ]);
    for (const key of values) snapshot.holders.set(key, new Map());
    for (const h of holders) snapshot.holders.get(h.value_key)!.set(h.customer_token, h.since);
    for (const a of agentRows) {
      const facts: AgentFacts = { agentToken: a.agent_token, deleted: a.deleted, mobiles: a.mobiles, addresses: a.addresses, updatedAt: a.updated_at };
      snapshot.agents.set(a.agent_token, facts);
    }
    const suppressedGroups = new Set<string>();
    for (const s of suppressions) {
      snapshot.suppressions.set(suppressionKey(s.rule_id, s.group_token), s.membership);
      suppressedGroups.add(s.group_token);
    }
    // Whole customer lists only of the agents an agent event changes, and of agents a steward
    // suppressed a pattern for (the suppression holds while the list stays the same). Reading
    // every named agent's list made each batch read nearly every customer of the store.
    const listed = new Set([...request.agentsChanged, ...[...agents].filter((a) => suppressedGroups.has(a))]);
    for (const agent of listed) snapshot.agentCustomers.set(agent, new Set());
    if (listed.size > 0) {
      const linked = await selectRows<{ agent_token: string; customer_token: string }>(
        sql,
        `SELECT agent_token, customer_token FROM ${S}.customers WHERE agent_token = ANY($1::text[]) AND NOT deleted`,
        [[...listed]],
      );
      for (const l of linked) snapshot.agentCustomers.get(l.agent_token)!.add(l.customer_token);
    }
    const related = new Set<string>(request.customers);
    for (const h of holders) related.add(h.customer_token);
    for (const set of snapshot.agentCustomers.values()) for (const c of set) related.add(c);
    // A customer reached through a value or an agent may have its findings and issues changed by
    // this batch; another batch may reach it through another value. Its key serialises the two.
    await this.#lock([...related].map((t) => `c:${t}`));
    const ownTokens = new Set(own.map((c) => c.customerToken));
    const tokens = [...related];
    const none = Promise.resolve([]);
    const [others, findings, issues, pending, mobileChanges] = await Promise.all([
      this.#customers(tokens.filter((t) => !ownTokens.has(t))),
      tokens.length === 0 ? none : selectRows<FindingRow>(sql, `SELECT * FROM ${S}.active_findings WHERE customer_token = ANY($1::text[])`, [tokens]),
      // Per (rule, customer): its active issue (at most one, by issues_one_active), or else its
      // last issue, which new evidence reopens if a steward closed it as correct or corrected.
      // One pass over these customers' issues. Asked as "the last issue of a pair with no active
      // one", PostgreSQL anti-joined them against every active issue of the store, and the
      // statement grew with the store (16 to 425 ms per unit over a 300,000-customer run).
      tokens.length === 0
        ? none
        : selectRows<{ active: boolean; state: IssueState }>(
            sql,
            `SELECT DISTINCT ON (rule_id, customer_token) status IN ${ACTIVE_SQL} AS active, state FROM ${S}.issues
             WHERE customer_token = ANY($1::text[])
             ORDER BY rule_id, customer_token, active DESC, version DESC, (state->>'updatedAt')::timestamptz DESC`,
            [tokens],
          ),
      // Corrections the batch's customers are waiting to see upstream, with their (closed) issues.
      request.customers.length === 0
        ? none
        : selectRows<{ issue_id: string; customer_token: string; field: CorrectableField; value_token: string; state: IssueState }>(
            sql,
            `SELECT c.issue_id, c.customer_token, c.field, c.value_token, i.state FROM ${S}.corrections c JOIN ${S}.issues i USING (issue_id)
             WHERE c.customer_token = ANY($1::text[]) AND c.confirmed_at IS NULL`,
            [request.customers],
            'x.issue_id, x.field',
          ),
      request.customers.length === 0
        ? none
        : selectRows<{ customer_token: string; event_id: string; changed_at: string }>(
            sql,
            `SELECT customer_token, event_id, changed_at FROM ${S}.mobile_changes WHERE customer_token = ANY($1::text[])`,
            [request.customers],
            'x.changed_at, x.event_id',
          ),
    ]);
    for (const c of own) snapshot.customers.set(c.customerToken, c);
    for (const c of others) snapshot.customers.set(c.customerToken, c);
    for (const f of findings) snapshot.findings.set(findingKey(f.rule_id, f.customer_token), findingOf(f));
    for (const row of issues) {
      if (!row.active) continue;
      const state = withLifecycle(row.state);
      let byRule = snapshot.openIssues.get(state.customerToken);
      if (!byRule) snapshot.openIssues.set(state.customerToken, (byRule = new Map()));
      byRule.set(state.ruleId, state);
      this.#issuesBefore.set(state.issueId, state);
    }
    const candidates = issues.filter((r) => !r.active).map((r) => withLifecycle(r.state)).filter((s) => s.status === 'resolved' && REOPENABLE_OUTCOMES.includes(s.outcome));
    const unconfirmed = candidates.length === 0 ? new Set<string>() : new Set(
      (await sql.query<{ issue_id: string }>(`SELECT DISTINCT issue_id FROM ${S}.corrections WHERE issue_id = ANY($1::text[]) AND confirmed_at IS NULL`, [candidates.map((c) => c.issueId)])).map((r) => r.issue_id),
    );
    for (const state of candidates) {
      if (unconfirmed.has(state.issueId)) continue;
      let byRule = snapshot.reopenable.get(state.customerToken);
      if (!byRule) snapshot.reopenable.set(state.customerToken, (byRule = new Map()));
      byRule.set(state.ruleId, state);
      this.#issuesBefore.set(state.issueId, state);
    }
    for (const p of pending) {
      let list = snapshot.pendingCorrections.get(p.customer_token);
      if (!list) snapshot.pendingCorrections.set(p.customer_token, (list = []));
      list.push({ issueId: p.issue_id, field: p.field, valueToken: p.value_token });
      const state = withLifecycle(p.state);
      snapshot.correctionIssues.set(p.issue_id, state);
      this.#issuesBefore.set(p.issue_id, state);
    }
    for (const c of mobileChanges) {
      let list = snapshot.mobileChanges.get(c.customer_token);
      if (!list) snapshot.mobileChanges.set(c.customer_token, (list = []));
      list.push({ at: c.changed_at, eventId: c.event_id } satisfies MobileChange);
    }
    return snapshot;
  }

  /** Takes the advisory locks of `names` this transaction does not hold yet, in key order; whether there were any. */
  async #lock(names: readonly string[]): Promise<boolean> {
    if (this.#locking === 'store') {
      // Holding the store alone, nothing another process does can change what this one reads;
      // the keys are only counted (not hashed), to tell whether the scope's next batch may lock them.
      for (const name of names) this.#reached.add(name);
      return false;
    }
    const missing = lockKeysInOrder(names).filter((k) => !this.#locked.has(k));
    if (missing.length === 0) return false;
    if (this.#locked.size + missing.length > MAX_KEY_LOCKS) throw new TooManyKeys();
    await this.#sql.query(`SELECT ${S}.lock_keys($1::bigint[])`, [missing.map(String)]);
    for (const k of missing) this.#locked.add(k);
    return true;
  }

  async #customers(tokens: readonly string[]): Promise<CustomerFacts[]> {
    if (tokens.length === 0) return [];
    return (await selectRows<CustomerRow>(this.#sql, `SELECT * FROM ${S}.customers WHERE customer_token = ANY($1::text[])`, [tokens])).map(customerOf);
  }

  async apply(changes: StateChanges, applied: readonly string[], derived: AnalyticsOutput): Promise<PendingOutput> {
    // Every statement is sent at once, without waiting for the one before: the store runs them in
    // order, and no write depends on another's reply. Sent one reply at a time, each waited for the
    // event loop (busy preparing the next unit) to see the last one come back.
    const sql = pipelined(this.#sql);
    const versioned = this.#versioned(derived);
    sql.sent(versioned); // awaited below, after the writes are sent
    if (changes.customers.size > 0) {
      sql.send(
        `INSERT INTO ${S}.customers
         SELECT * FROM jsonb_populate_recordset(NULL::${S}.customers, $1::jsonb)
         ON CONFLICT (customer_token) DO UPDATE SET
           deleted = excluded.deleted, mobile_token = excluded.mobile_token, mobile_masked = excluded.mobile_masked,
           mobile_stand_in = excluded.mobile_stand_in, address_token = excluded.address_token, address_masked = excluded.address_masked, accounts = excluded.accounts,
           agent_token = excluded.agent_token, source = excluded.source, channel = excluded.channel, tier = excluded.tier,
           frequent_since = excluded.frequent_since, updated_at = excluded.updated_at, last_event_id = excluded.last_event_id`,
        [json([...changes.customers.values()].map(rowOf))],
      );
    }
    const removed = [...changes.holdersRemoved].flatMap(([value_key, set]) => [...set].map((customer_token) => ({ value_key, customer_token })));
    if (removed.length > 0) {
      sql.send(
        `DELETE FROM ${S}.holders h USING jsonb_to_recordset($1::jsonb) AS x(value_key text, customer_token text)
         WHERE h.value_key = x.value_key AND h.customer_token = x.customer_token`,
        [json(removed)],
      );
    }
    const added = [...changes.holdersAdded].flatMap(([value_key, map]) => [...map].map(([customer_token, since]) => ({ value_key, customer_token, since })));
    if (added.length > 0) {
      sql.send(
        `INSERT INTO ${S}.holders SELECT * FROM jsonb_populate_recordset(NULL::${S}.holders, $1::jsonb)
         ON CONFLICT (value_key, customer_token) DO UPDATE SET since = excluded.since`,
        [json(added)],
      );
    }
    if (changes.mobileChanges.length > 0) {
      const rows = changes.mobileChanges.map(({ customerToken, change }) => ({ customer_token: customerToken, event_id: change.eventId, changed_at: change.at }));
      sql.send(`INSERT INTO ${S}.mobile_changes SELECT * FROM jsonb_populate_recordset(NULL::${S}.mobile_changes, $1::jsonb) ON CONFLICT DO NOTHING`, [json(rows)]);
    }
    if (changes.agents.size > 0) {
      const agents = [...changes.agents.values()];
      sql.send(
        `INSERT INTO ${S}.agents SELECT * FROM jsonb_populate_recordset(NULL::${S}.agents, $1::jsonb)
         ON CONFLICT (agent_token) DO UPDATE SET deleted = excluded.deleted, mobiles = excluded.mobiles, addresses = excluded.addresses, updated_at = excluded.updated_at`,
        [json(agents.map((a) => ({ agent_token: a.agentToken, deleted: a.deleted, mobiles: a.mobiles, addresses: a.addresses, updated_at: a.updatedAt })))],
      );
      sql.send(`DELETE FROM ${S}.agent_contacts WHERE agent_token = ANY($1::text[])`, [agents.map((a) => a.agentToken)]);
      const contacts = agents.flatMap((a) => [
        ...a.mobiles.map((m) => ({ value_key: `mobile:${m.token}`, agent_token: a.agentToken, who: m.who })),
        ...a.addresses.map((m) => ({ value_key: `address:${m.token}`, agent_token: a.agentToken, who: m.who })),
      ]);
      if (contacts.length > 0) {
        sql.send(`INSERT INTO ${S}.agent_contacts SELECT * FROM jsonb_populate_recordset(NULL::${S}.agent_contacts, $1::jsonb) ON CONFLICT DO NOTHING`, [json(contacts)]);
      }
    }
    if (changes.findingsDeleted.size > 0) {
      const rows = [...changes.findingsDeleted].map((key) => {
        const [rule_id, customer_token] = key.split('\u0000');
        return { rule_id, customer_token };
      });
      sql.send(
        `DELETE FROM ${S}.active_findings f USING jsonb_to_recordset($1::jsonb) AS x(rule_id text, customer_token text)
         WHERE f.rule_id = x.rule_id AND f.customer_token = x.customer_token`,
        [json(rows)],
      );
    }
    if (changes.findingsUpserted.size > 0) {
      const rows = [...changes.findingsUpserted.values()].map((f) => ({
        rule_id: f.ruleId,
        customer_token: f.customerToken,
        since: f.since,
        since_event_id: f.sinceEventId,
        group_token: f.groupToken,
        group_size: f.groupSize,
        evidence: f.evidence,
      }));
      sql.send(
        `INSERT INTO ${S}.active_findings SELECT * FROM jsonb_populate_recordset(NULL::${S}.active_findings, $1::jsonb)
         ON CONFLICT (rule_id, customer_token) DO UPDATE SET since = excluded.since, since_event_id = excluded.since_event_id,
           group_token = excluded.group_token, group_size = excluded.group_size, evidence = excluded.evidence`,
        [json(rows)],
      );
    }
    if (changes.issues.size > 0) {
      const rows = [...changes.issues.values()].map((i) => ({ issue_id: i.issueId, rule_id: i.ruleId, customer_token: i.customerToken, status: i.status, version: i.version, state: i }));
      // Closed issues first: an issue re-opened in the same batch must not meet its closed
      // predecessor still active under the one-active-issue index. A row a steward changed since
      // (a newer version) is never overwritten.
      for (const group of [rows.filter((r) => !isActive(r.status)), rows.filter((r) => isActive(r.status))]) {
        if (group.length === 0) continue;
        sql.send(
          `INSERT INTO ${S}.issues AS i SELECT * FROM jsonb_populate_recordset(NULL::${S}.issues, $1::jsonb)
           ON CONFLICT (issue_id) DO UPDATE SET status = excluded.status, version = excluded.version, state = excluded.state
           WHERE i.version < excluded.version`,
          [json(group)],
        );
      }
    }
    this.#history(sql, derived.issueChanges, changes.correctionsConfirmed);
    if (changes.correctionsConfirmed.length > 0) {
      sql.send(
        `UPDATE ${S}.corrections c SET confirmed_at = x.at, confirmed_by_event_id = x.event_id
         FROM jsonb_to_recordset($1::jsonb) AS x(issue_id text, field text, event_id text, at text)
         WHERE c.issue_id = x.issue_id AND c.field = x.field AND c.confirmed_at IS NULL`,
        [json(changes.correctionsConfirmed.map((c) => ({ issue_id: c.issueId, field: c.field, event_id: c.eventId, at: c.at })))],
      );
    }
    // After the issues: a customer whose last active issue closed in this batch leaves the vault.
    if (changes.vault) sql.sent(applyVaultChanges(this.#sql, changes.vault));
    if (applied.length > 0) {
      sql.send(`INSERT INTO ${S}.applied (id, scope) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING`, [applied, this.#scope]);
    }
    const positions = derived.batches ?? [{ scope: derived.scope, batchId: derived.batchId, position: derived.position }];
    sql.send(
      `UPDATE ${S}.scopes s SET batches = s.batches + 1, last_batch_id = x.batch_id, position = x.position, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS x(scope, batch_id, position) WHERE s.scope = x.scope`,
      [positions.map((p) => p.scope), positions.map((p) => p.batchId), positions.map((p) => p.position)],
    );
    // Serialised and deflated while the store runs the statements above.
    const output = await versioned;
    const packed = await packOutput(output);
    const inserted = sql.send<{ id: string }>(`INSERT INTO ${S}.pending_outputs (scope, batch_id, output_serialized, also_scopes) VALUES ($1, $2, $3, $4) RETURNING id`, [
      this.#scope,
      output.batchId,
      packed,
      (output.batches ?? []).map((p) => p.scope),
    ]);
    await sql.all();
    const [row] = await inserted;
    return { id: String(row!.id), output };
  }

  /** The output with its finding-mirror rows numbered (the mirror keeps each row's last version). */
  async #versioned(derived: AnalyticsOutput): Promise<AnalyticsOutput> {
    if (derived.findingMirror.length === 0) return derived;
    const versions = await this.#sql.query<{ v: string }>(`SELECT nextval('${S}.finding_mirror_versions') AS v FROM generate_series(1, $1::int)`, [derived.findingMirror.length]);
    return { ...derived, findingMirror: derived.findingMirror.map((row, i) => ({ ...row, version: Number(versions[i]!.v) })) };
  }

  /**
   * One history row per issue change of the batch, in order (each follows the issue's previous
   * state: as loaded, or as the batch's previous change left it), in one statement.
   */
  #history(sql: PipelinedSql, issueChanges: readonly IssueChange[], confirmed: StateChanges['correctionsConfirmed']): void {
    if (issueChanges.length === 0) return;
    const last = this.#issuesBefore;
    const rows = issueChanges.map((change) => {
      const note =
        change.change === 'correction-confirmed'
          ? `confirmed upstream: ${confirmed.filter((c) => c.issueId === change.issue.issueId && c.eventId === change.eventId).map((c) => c.field).join(', ')}`
          : '';
      const before = last.get(change.issue.issueId);
      last.set(change.issue.issueId, change.issue);
      // An issue opened before the history existed starts its history here, with its whole state.
      if (before && before.version + 1 !== change.issue.version) return { ...systemEntry(undefined, { ...change, issue: { ...change.issue, version: 1 } }, PIPELINE_ACTOR, note), seq: change.issue.version, fromStatus: before.status, versionAfter: change.issue.version };
      return systemEntry(before, change, PIPELINE_ACTOR, note);
    });
    sql.send(
      `INSERT INTO ${S}.issue_history (issue_id, seq, at, actor, actor_role, action, from_status, to_status, note, evidence, version_after)
       SELECT issue_id, seq, at, actor, actor_role, action, from_status, to_status, note, evidence, version_after
       FROM jsonb_populate_recordset(NULL::${S}.issue_history, $1::jsonb) ON CONFLICT DO NOTHING`,
      [json(rows.map(historyRow))],
    );
  }

  async holdsPending(outputId: string): Promise<boolean> {
    const rows = await this.#sql.query(`SELECT 1 FROM ${S}.pending_outputs WHERE id = $1::bigint AND scope = $2`, [outputId, this.#scope]);
    return rows.length > 0;
  }
}

export class PostgresStateStore implements StateStore {
  readonly description: string;
  readonly #client: SqlClient;
  /** This process's tenure over each scope it took over. */
  readonly #epochs = new Map<string, number>();
  /** Scopes whose last unit reached more keys than a transaction locks one by one. */
  readonly #wideScopes = new Set<string>();

  private constructor(client: SqlClient, description: string) {
    this.#client = client;
    this.description = description;
  }

  /** Opens the store and brings its schema up to date; `migrations` says which versions it applied now. */
  static async open(target: StateTarget): Promise<{ store: PostgresStateStore; migrations: number[] }> {
    const { client, migrations } = await openMigrated(target);
    return { store: new PostgresStateStore(client, describeStateTarget(target)), migrations };
  }

  async takeOver(scope: string | 'all'): Promise<PendingOutput[]> {
    if (scope !== 'all') {
      const [row] = await this.#client.query<{ epoch: string }>(
        `INSERT INTO ${S}.scopes AS s (scope, epoch) VALUES ($1, 1)
         ON CONFLICT (scope) DO UPDATE SET epoch = s.epoch + 1, updated_at = now() RETURNING epoch`,
        [scope],
      );
      this.#epochs.set(scope, Number(row!.epoch));
    }
    const rows = await this.#client.query<{ id: string } & StoredOutput>(
      `SELECT id, output, output_deflated, output_serialized FROM ${S}.pending_outputs ${scope === 'all' ? '' : 'WHERE scope = $1 OR $1 = ANY(also_scopes)'} ORDER BY id`,
      scope === 'all' ? [] : [scope],
    );
    const pending: PendingOutput[] = [];
    for (const r of rows) pending.push({ id: String(r.id), output: await unpackOutput(r) });
    return pending;
  }

  transaction<T>(scopes: string | readonly string[], work: (tx: StateTransaction) => Promise<T>): Promise<T> {
    const unit = typeof scopes === 'string' ? [scopes] : [...new Set(scopes)];
    if (unit.length === 0) throw new RangeError('a transaction needs at least one scope');
    // Locks met out of order (see load) end in a deadlock PostgreSQL breaks: not an outage.
    return retryOnConflict(() => this.#attempt(unit, work), CONFLICT_ATTEMPTS, CONFLICT_BACKOFF_MS);
  }

  /** One try: with key locks, or holding the store alone when the scopes' units reach too many keys. */
  async #attempt<T>(scopes: readonly string[], work: (tx: StateTransaction) => Promise<T>): Promise<T> {
    // A scope whose last unit needed the whole store starts its next one that way: finding out
    // again would cost an aborted attempt per unit (a file read in big batches, every time).
    if (scopes.some((s) => this.#wideScopes.has(s))) return this.#run(scopes, work, 'store');
    try {
      return await this.#run(scopes, work, 'keys');
    } catch (error) {
      if (!(error instanceof TooManyKeys)) throw error;
      for (const s of scopes) this.#wideScopes.add(s);
      return this.#run(scopes, work, 'store');
    }
  }

  #run<T>(scopes: readonly string[], work: (tx: StateTransaction) => Promise<T>, locking: Locking): Promise<T> {
    return this.#client.transaction(async (sql) => {
      // The scopes' rows serialise their batches across processes, and say whose tenure it is;
      // locked in one order, so that two units sharing scopes wait rather than deadlock.
      // The store lock is sent with them (pipelined-sql.ts): a lost scope rolls both back.
      const [rows] = await Promise.all([
        sql.query<{ scope: string; epoch: string }>(`SELECT scope, epoch FROM ${S}.scopes WHERE scope = ANY($1::text[]) ORDER BY scope FOR UPDATE`, [scopes]),
        sql.query(locking === 'keys' ? 'SELECT pg_advisory_xact_lock_shared($1)' : 'SELECT pg_advisory_xact_lock($1)', [STORE_LOCK.toString()]),
      ]);
      const epochs = new Map(rows.map((r) => [r.scope, Number(r.epoch)]));
      for (const scope of scopes) {
        const mine = this.#epochs.get(scope);
        if (mine === undefined || epochs.get(scope) !== mine) throw new ScopeLostError(scope, 'another process took it over in the state store');
      }
      const tx = new PostgresTransaction(sql, scopes[0]!, locking);
      const result = await work(tx);
      for (const s of scopes) {
        if (tx.fitsKeyLocks) this.#wideScopes.delete(s);
        else this.#wideScopes.add(s);
      }
      return result;
    });
  }

  /** The store's connections, for the stewards' desk and the outbox relay in the same process. */
  get client(): SqlClient {
    return this.#client;
  }

  async confirm(outputId: string): Promise<void> {
    await this.#client.query(`DELETE FROM ${S}.pending_outputs WHERE id = $1`, [outputId]);
  }

  async activeFindingCounts(): Promise<Record<string, number>> {
    const rows = await this.#client.query<{ rule_id: string; n: string }>(`SELECT rule_id, count(*) AS n FROM ${S}.active_findings GROUP BY rule_id`);
    return Object.fromEntries(rows.map((r) => [r.rule_id, Number(r.n)]));
  }

  async openIssueCount(): Promise<number> {
    const [row] = await this.#client.query<{ n: string }>(`SELECT count(*) AS n FROM ${S}.issues WHERE status IN ${ACTIVE_SQL}`);
    return Number(row?.n ?? 0);
  }

  async housekeeping(plan: HousekeepingPlan, stop?: AbortSignal): Promise<HousekeepingDone> {
    const appliedIdsForgotten = await this.#forgetApplied(plan, stop);
    const outboxRowsDeleted = stop?.aborted
      ? 0
      : await chunkedDelete(this.#client, `SELECT id FROM ${S}.outbox WHERE sent_at < $1 ORDER BY sent_at LIMIT $2`, 'outbox', 'id', plan.sentBefore, stop);
    if (!this.#client.vacuumsItself && !stop?.aborted) {
      // Confirmed pending outputs are megabytes each, deleted a unit later: without a vacuum their
      // pages were never reused (198 MB after 621,949 events, all of it dead rows).
      await this.#client.exec(`VACUUM ${S}.pending_outputs`);
      if (appliedIdsForgotten > 0) await this.#client.exec(`VACUUM ${S}.applied`);
      if (outboxRowsDeleted > 0) await this.#client.exec(`VACUUM ${S}.outbox`);
    }
    return { appliedIdsForgotten, outboxRowsDeleted };
  }

  /**
   * Ids are numbered as applied (seq), so the window is a prefix of seq: everything up to the
   * newest id applied before the cutoff, or past the newest `keepApplied`.
   */
  async #forgetApplied(plan: HousekeepingPlan, stop: AbortSignal | undefined): Promise<number> {
    const [bounds] = await this.#client.query<{ newest: string | null; first_kept: string | null }>(
      `SELECT (SELECT max(seq) FROM ${S}.applied) AS newest,
              (SELECT seq FROM ${S}.applied WHERE applied_at >= $1 ORDER BY seq LIMIT 1) AS first_kept`,
      [plan.appliedBefore],
    );
    if (bounds?.newest == null) return 0;
    const newest = BigInt(bounds.newest);
    const byAge = bounds.first_kept == null ? newest : BigInt(bounds.first_kept) - 1n;
    const byCount = newest - BigInt(plan.keepApplied);
    const last = byAge > byCount ? byAge : byCount;
    return chunkedDelete(this.#client, `SELECT seq FROM ${S}.applied WHERE seq <= $1 ORDER BY seq LIMIT $2`, 'applied', 'seq', last.toString(), stop);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** Rows deleted per statement: a few tens of milliseconds of the store's time each. */
const DELETE_CHUNK = 10_000;

/**
 * Deletes the rows of `table` whose `key` the `select` returns (its $1 is `bound`, its $2 the
 * chunk size), chunk by chunk, each its own statement, so that the batches' transactions
 * interleave with a long one; until a chunk comes back short or `stop` is aborted.
 */
async function chunkedDelete(client: SqlClient, select: string, table: string, key: string, bound: string, stop: AbortSignal | undefined): Promise<number> {
  let deleted = 0;
  for (;;) {
    const [row] = await client.query<{ n: string }>(
      `WITH gone AS (DELETE FROM ${S}.${table} WHERE ${key} IN (${select}) RETURNING 1) SELECT count(*) AS n FROM gone`,
      [bound, DELETE_CHUNK],
    );
    const n = Number(row?.n ?? 0);
    deleted += n;
    if (n < DELETE_CHUNK || stop?.aborted) return deleted;
  }
}
