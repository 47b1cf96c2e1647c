// Issue 8 §4 "Reveal": the pipeline fills the encrypted vault for customers with an active issue
// and only for them, from the customer's latest event, sealed so that only the vault key opens it;
// nothing raw is anywhere else in the operational store; a customer whose last issue closes (here:
// deleted upstream) leaves the vault. Real processes: the CLI on a generated stream, and a
// PostgreSQL server of the run's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { ACTIVE_STATUSES } from '../../pipelines/contract/issue.ts';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { VaultCipher } from '../../pipelines/privacy/vault-crypto.ts';
import { planScan, scanForRawValues } from '../support/pii-scan.ts';
import { createDatabase, describePostgres, usePostgres } from '../support/postgres/use-postgres.ts';
import { verity } from './support.ts';

const TOKEN_KEY = '5c'.repeat(32);
const VAULT_KEY = 'a7'.repeat(32);
const ENV = { VERITY_TOKEN_KEY: TOKEN_KEY, VERITY_VAULT_KEY: VAULT_KEY };

interface Line {
  eventId: string;
  op: string;
  occurredAt: string;
  source: string;
  customerId?: string;
  customer?: { name?: string; mobile?: string; landline?: string; address?: string; tier?: string };
}

describePostgres('the reveal vault filled by verity run', () => {
  const { url } = usePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'verity-vault-'));
  const stream = join(dir, 'stream.jsonl');
  let truth: GroundTruth;
  let state: string;
  let sql: SqlClient;
  const tokenizer = createTokenizer(Buffer.from(TOKEN_KEY, 'hex'));
  const cipher = new VaultCipher(Buffer.from(VAULT_KEY, 'hex'));
  const lastEvent = new Map<string, Line>();
  const run = (input: string) => {
    const r = verity(['run', '--input', input, '--once', '--no-progress', '--data-dir', join(dir, 'data'), '--state', state, '--log-level', 'warn'], ENV);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
  };
  const vaultRows = () => sql.query<{ customer_token: string; tier: string; sealed: string; masked: Record<string, string>; event_id: string }>('SELECT * FROM verity.vault');
  const activeByCustomer = async () => {
    const rows = await sql.query<{ customer_token: string; rule_id: string }>(`SELECT customer_token, rule_id FROM verity.issues WHERE status = ANY($1::text[])`, [[...ACTIVE_STATUSES]]);
    const by = new Map<string, string[]>();
    for (const r of rows) by.set(r.customer_token, [...(by.get(r.customer_token) ?? []), r.rule_id]);
    return by;
  };

  beforeAll(async () => {
    const generated = verity(['generate', '--customers', '400', '--seed', '8408', '--out', stream]);
    expect(generated.status, generated.stderr).toBe(0);
    truth = JSON.parse(readFileSync(`${stream}.truth.json`, 'utf8')) as GroundTruth;
    for (const text of readFileSync(stream, 'utf8').split('\n')) {
      if (!text.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // the generator's deliberately bad lines
      }
      if (typeof line.customerId === 'string') lastEvent.set(tokenizer.token('customer', line.customerId), line);
    }
    state = await createDatabase(url);
    sql = await createSqlClient({ kind: 'server', url: state });
    run(stream);
  }, 300_000);

  it('holds exactly the customers with an active issue whose own events the run read, sealed from their latest event', async () => {
    const rows = await vaultRows();
    const active = await activeByCustomer();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(active.has(row.customer_token)).toBe(true);
      const last = lastEvent.get(row.customer_token);
      expect(last, 'a vault row for a customer the stream never named').toBeDefined();
      const raw = cipher.open(row.sealed, row.customer_token);
      expect(raw.customerId).toBe(last!.customerId);
      expect(raw.mobile).toBe(last!.customer?.mobile ?? '');
      expect(raw.address).toBe(last!.customer?.address ?? '');
      expect(row.event_id).toBe(last!.eventId);
      expect(row.tier).toBe(last!.customer?.tier ?? 'general');
      // The sealed value opens for its own customer only.
      expect(() => cipher.open(row.sealed, `${row.customer_token}0`)).toThrow(/authentication failed/);
    }
    // Every customer with an active issue whose latest event was a live record is there: an issue
    // only a pattern rule raised through another customer's event may be waiting for its own.
    const inVault = new Set(rows.map((r) => r.customer_token));
    for (const [token] of active) {
      const last = lastEvent.get(token);
      if (last && last.op !== 'delete' && last.customer) expect(inVault.has(token), 'an active issue whose customer the vault lacks').toBe(true);
    }
  });

  it('keeps nothing raw anywhere else in the operational store', async () => {
    const tables = await sql.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'verity'`);
    const texts: string[] = [];
    for (const { table_name } of tables) {
      const rows = await sql.query<Record<string, unknown>>(`SELECT * FROM verity.${table_name}`);
      texts.push(JSON.stringify(rows.map((r) => (table_name === 'vault' ? { ...r, sealed: '' } : r))));
    }
    expect(texts.join('').length).toBeGreaterThan(1000);
    const hits = scanForRawValues(texts.join('\n'), planScan(truth.rawValues), { machineMade: [dir] });
    expect(hits).toEqual([]);
  });

  it('drops a customer once its last active issue closes, in the same transaction', async () => {
    const rows = await vaultRows();
    const victims = rows.slice(0, 5).map((r) => lastEvent.get(r.customer_token)!);
    const deletes = join(dir, 'deletes.jsonl');
    writeFileSync(
      deletes,
      victims.map((v, i) => JSON.stringify({ schema: 'customer-change/v1', eventId: `vault-delete-${i}`, source: v.source, op: 'delete', occurredAt: '2026-11-30T10:00:00+08:00', customerId: v.customerId })).join('\n') + '\n',
    );
    run(deletes);
    const after = new Set((await vaultRows()).map((r) => r.customer_token));
    const active = await activeByCustomer();
    for (const v of victims) {
      const token = tokenizer.token('customer', v.customerId!);
      expect(active.has(token)).toBe(false);
      expect(after.has(token)).toBe(false);
    }
    expect(after.size).toBe(rows.length - victims.length);
  }, 120_000);
});
