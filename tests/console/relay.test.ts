// `verity console` runs the outbox relay (without Kafka): a steward's change reaches the analytics
// store's issue tables while the console serves, and a correction lands in the file outbox,
// unsealed only there. The console as `verity console` opens it (openConsole), on the stores the
// real pipeline wrote.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { CORRECTIONS_FILE } from '../../connectors/file/correction-outbox.ts';
import { openConsole, type OpenConsole } from '../../pipelines/console/open-console.ts';
import { resolveRunConfig } from '../../pipelines/config/run-config.ts';
import { describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';
import { addUsers, ApiClient, KEYS_ENV, memoryLogger, pipelineDatabase, signedIn, type PipelineDatabase } from './support.ts';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describePostgres('the outbox relay in verity console', () => {
  const { url } = usePostgres();
  let db: PipelineDatabase;
  let opened: OpenConsole;
  let steward: ApiClient;
  let supervisor: ApiClient;
  let dataDir: string;

  beforeAll(async () => {
    db = await pipelineDatabase(url, 300, 5150);
    const users = await addUsers(db.sql);
    dataDir = join(db.dir, 'data');
    const config = await resolveRunConfig({ flags: { state: db.stateUrl, dataDir }, env: { ...KEYS_ENV }, cwd: db.dir });
    opened = await openConsole({ config, host: '127.0.0.1', port: 0, secureCookies: 'auto', logger: memoryLogger().logger });
    steward = await signedIn(opened.url, users.steward);
    supervisor = await signedIn(opened.url, users.supervisor);
  }, 300_000);
  afterAll(async () => {
    await opened?.close();
    await db?.sql.close();
    if (db) await dropDatabase(db.stateUrl);
  });

  it('mirrors a steward\'s changes to the analytics store and sends a correction to the file outbox', async () => {
    const queue = await steward.get('/api/issues?status=open&limit=50');
    const issue = (queue.json.issues as { issueId: string; version: number; tier: string }[]).find((i) => i.tier !== 'core')!;
    let v = issue.version;
    const path = `/api/issues/${encodeURIComponent(issue.issueId)}/actions`;
    // Months-old generated events: the SLA clock escalated it; a supervisor returns it to the queue.
    if ((issue as { escalated?: boolean }).escalated) {
      const returned = await supervisor.post(path, { expectedVersion: v, action: { type: 'return', note: 'back to the queue' } });
      expect(returned.status, returned.text).toBe(200);
      v = returned.json.issue.version as number;
    }
    for (const action of [
      { type: 'claim' },
      { type: 'start-verification' },
      { type: 'record-callback', channel: 'phone', result: 'reached', note: '' },
      { type: 'resolve', outcome: 'corrected', note: 'confirmed on the phone', corrected: { landline: '010-66668888' } },
    ]) {
      const reply = await steward.post(path, { expectedVersion: v, action });
      expect(reply.status, reply.text).toBe(200);
      v = reply.json.issue.version as number;
    }
    const sent = await until('the outbox drained', async () => {
      const rows = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM verity.outbox WHERE sent_at IS NULL`);
      return rows[0]!.n === 0 ? true : undefined;
    });
    expect(sent).toBe(true);
    // The console is still open (and holds the embedded store): read it through the same path.
    await opened.close();
    const client = createStoreClient({ kind: 'embedded', path: join(dataDir, 'chdb') });
    try {
      const result = await client.query({ query: `SELECT status, assignee, outcome FROM verity.issues FINAL WHERE issue_id = {id:String}`, query_params: { id: issue.issueId }, format: 'JSONEachRow' });
      expect(await result.json()).toEqual([{ status: 'resolved', assignee: 'steward1', outcome: 'corrected' }]);
    } finally {
      await client.close();
    }
    const file = join(dataDir, CORRECTIONS_FILE);
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { issueId: string });
    expect(lines.map((l) => l.issueId)).toContain(issue.issueId);
    expect(readFileSync(file, 'utf8')).toContain('010-66668888');
    const history = await db.sql.query<{ action: string }>(`SELECT action FROM verity.issue_history WHERE issue_id = $1 ORDER BY seq`, [issue.issueId]);
    expect(history.map((h) => h.action)).toContain('correction-sent');
  });
});
