// Issue 8 §4 and §7 "API tests": the console over real issues (the real pipeline ran over a
// generated stream into a real PostgreSQL server first) and the real steward desk and vault. The
// whole authorization matrix; the steward's work (claim, stale versions, conflicts); reveals only
// by the holder, core tier only after a supervisor's approval, each one in the access log;
// immutable history and access log; random bodies never a 500; no raw value in any response but
// the reveal, nor in the logs.
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgVaultReader } from '../../connectors/postgres/vault-store.ts';
import { createConsoleDesk } from '../../pipelines/console/desk-wiring.ts';
import { createConsoleServer } from '../../pipelines/console/server.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import type { IssueState } from '../../pipelines/contract/issue.ts';
import { VaultCipher } from '../../pipelines/privacy/vault-crypto.ts';
import { planScan, scanForRawValues } from '../support/pii-scan.ts';
import { describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';
import { addUsers, ApiClient, memoryLogger, pipelineDatabase, signedIn, TOKEN_KEY, VAULT_KEY, type PipelineDatabase, type Reply } from './support.ts';

describePostgres('the console over real issues', () => {
  const { url } = usePostgres();
  let db: PipelineDatabase;
  let app: FastifyInstance;
  let base: string;
  let logs: () => string;
  let users: Awaited<ReturnType<typeof addUsers>>;
  const as: Record<string, ApiClient> = {};
  /** Issues handed out to tests, so that no two tests work the same one. */
  const taken = new Set<string>();

  /**
   * An active, unheld issue whose customer is in the vault, of the tier asked for, in the stewards'
   * queue. The generated events lie months back, so the run's SLA clock has breached and escalated
   * every issue: a supervisor returns it to the queue first, as one would.
   */
  async function freshIssue(tier: 'core' | 'not-core'): Promise<IssueState> {
    const rows = await db.sql.query<{ state: IssueState }>(
      `SELECT i.state FROM verity.issues i JOIN verity.vault v USING (customer_token)
       WHERE i.status = 'open' AND (i.state->>'tier' = 'core') = $1 ORDER BY i.issue_id`,
      [tier === 'core'],
    );
    const row = rows.find((r) => !taken.has(r.state.issueId));
    if (!row) throw new Error(`no ${tier} issue left in the generated data`);
    taken.add(row.state.issueId);
    if (!row.state.escalated) return row.state;
    const returned = await act(as.supervisor!, row.state.issueId, row.state.version, { type: 'return', note: 'back to the queue' });
    expect(returned.status, returned.text).toBe(200);
    return returned.json.issue as IssueState;
  }
  const detail = async (client: ApiClient, issueId: string): Promise<Reply> => client.get(`/api/issues/${encodeURIComponent(issueId)}`);
  const act = (client: ApiClient, issueId: string, expectedVersion: number, action: Record<string, unknown>) =>
    client.post(`/api/issues/${encodeURIComponent(issueId)}/actions`, { expectedVersion, action });
  const reveal = (client: ApiClient, issueId: string, fields = ['name', 'mobile', 'landline', 'address']) =>
    client.post(`/api/issues/${encodeURIComponent(issueId)}/reveal`, { purpose: 'call back to verify the mobile number', fields });

  beforeAll(async () => {
    db = await pipelineDatabase(url);
    users = await addUsers(db.sql);
    const memory = memoryLogger();
    logs = memory.text;
    const cipher = new VaultCipher(Buffer.from(VAULT_KEY, 'hex'));
    app = await createConsoleServer({ sql: db.sql, desk: createConsoleDesk(db.sql, { cipher, tokenizer: createTokenizer(Buffer.from(TOKEN_KEY, 'hex')) }), vault: (r) => new PgVaultReader(r, cipher), logger: memory.logger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const [key, username] of Object.entries(users)) as[key] = await signedIn(base, username);
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await db?.sql.close();
    if (db) await dropDatabase(db.stateUrl);
  });

  it('has real issues to work: the pipeline ran, the vault holds their customers', async () => {
    const n = (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM verity.issues i JOIN verity.vault USING (customer_token) WHERE i.status = 'open'`))[0]!.n;
    expect(n).toBeGreaterThan(20);
  });

  it('enforces the whole authorization matrix', async () => {
    const issue = await freshIssue('not-core');
    const id = encodeURIComponent(issue.issueId);
    type Status = number | 'ok';
    // Per route, the status for each role: 'ok' = let through (2xx, or the route's own 4xx about the issue).
    const matrix: [string, string, unknown, Record<string, Status>][] = [
      ['GET', '/api/me', undefined, { steward: 200, supervisor: 200, analyst: 200, auditor: 200, admin: 200 }],
      ['GET', '/api/issues', undefined, { steward: 200, supervisor: 200, analyst: 403, auditor: 403, admin: 403 }],
      ['GET', `/api/issues/${id}`, undefined, { steward: 200, supervisor: 200, analyst: 403, auditor: 403, admin: 403 }],
      ['GET', '/api/breaches', undefined, { steward: 403, supervisor: 200, analyst: 403, auditor: 403, admin: 403 }],
      ['POST', `/api/issues/${id}/reveal`, { purpose: 'call back to verify', fields: ['mobile'] }, { steward: 403, supervisor: 403, analyst: 403, auditor: 403, admin: 403 }],
      ['POST', `/api/issues/${id}/reveal-approval`, { note: 'ok' }, { steward: 403, supervisor: 409, analyst: 403, auditor: 403, admin: 403 }],
      ['POST', `/api/issues/${id}/actions`, { expectedVersion: 1, action: { type: 'escalate', note: 'x' } }, { steward: 403, analyst: 403, auditor: 403, admin: 403 }],
      ['POST', '/api/issues/assign', { issueIds: [issue.issueId], assignee: users.steward2 }, { steward: 403, analyst: 403, auditor: 403, admin: 403 }],
      ['GET', '/api/access-log', undefined, { steward: 403, supervisor: 403, analyst: 403, auditor: 200, admin: 403 }],
      ['GET', '/api/access-log.csv', undefined, { steward: 403, supervisor: 403, analyst: 403, auditor: 200, admin: 403 }],
      ['GET', '/api/users', undefined, { steward: 403, supervisor: 403, analyst: 403, auditor: 403, admin: 200 }],
      ['POST', '/api/users', { username: 'x-new', role: 'admin' }, { steward: 403, supervisor: 403, analyst: 403, auditor: 403 }],
      ['GET', '/api/config', undefined, { steward: 403, supervisor: 403, analyst: 403, auditor: 403, admin: 200 }],
    ];
    const seen: string[] = [];
    for (const [method, path, body, expected] of matrix) {
      for (const [role, status] of Object.entries(expected)) {
        const reply = await as[role]!.request(method, path, body);
        seen.push(`${role} ${method} ${path} → ${reply.status}`);
        expect(reply.status, `${role} ${method} ${path}: ${reply.text.slice(0, 200)}`).toBe(status);
        if (reply.status === 403) expect(reply.json).toMatchObject({ error: 'forbidden' });
      }
    }
    // The admin and the analyst saw no customer token, masked record or issue anywhere.
    expect(seen.length).toBeGreaterThan(50);
  });

  it('lets a steward claim an issue once: a second claim is a 409, a stale version a 409, a missing issue a 404', async () => {
    const issue = await freshIssue('not-core');
    const first = await detail(as.steward!, issue.issueId);
    expect(first.status).toBe(200);
    expect(first.json.masked).not.toBeNull();
    expect(first.json.history.length).toBeGreaterThan(0);
    const v = first.json.issue.version as number;
    const claimed = await act(as.steward!, issue.issueId, v, { type: 'claim' });
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.json.issue).toMatchObject({ status: 'claimed', assignee: users.steward, version: v + 1 });

    const stale = await act(as.steward2!, issue.issueId, v, { type: 'claim' });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ error: 'stale-version' });
    const conflict = await act(as.steward2!, issue.issueId, v + 1, { type: 'claim' });
    expect(conflict.status).toBe(409);
    // A steward works only the issues they hold.
    const notHers = await act(as.steward2!, issue.issueId, v + 1, { type: 'start-verification' });
    expect(notHers.status).toBe(403);
    const missing = await act(as.steward!, 'no-such-issue', 1, { type: 'claim' });
    expect(missing.status).toBe(404);
    expect((await detail(as.steward!, 'no-such-issue')).status).toBe(404);

    const after = await detail(as.supervisor!, issue.issueId);
    expect(after.json.history.at(-1)).toMatchObject({ action: 'claim', actor: users.steward, toStatus: 'claimed' });
  });

  it('reveals only to the steward holding the issue, with no-store, and logs every reveal with person, role, purpose, fields and issue', async () => {
    const issue = await freshIssue('not-core');
    expect((await reveal(as.steward!, issue.issueId)).status).toBe(403); // not claimed yet
    const v = (await detail(as.steward!, issue.issueId)).json.issue.version as number;
    expect((await act(as.steward!, issue.issueId, v, { type: 'claim' })).status).toBe(200);
    expect((await reveal(as.steward2!, issue.issueId)).status).toBe(403);
    expect((await reveal(as.supervisor!, issue.issueId)).status).toBe(403);

    const shown = await reveal(as.steward!, issue.issueId, ['name', 'mobile']);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(shown.json.values).sort()).toEqual(['mobile', 'name']);
    expect(shown.json.customerToken).toBe(issue.customerToken);
    expect(scanForRawValues(shown.text, db.rawValues).length, 'the reveal carries the raw values').toBeGreaterThan(0);

    const log = await as.auditor!.get(`/api/access-log?issueId=${encodeURIComponent(issue.issueId)}`);
    expect(log.status).toBe(200);
    expect(log.json.entries).toEqual([
      expect.objectContaining({ username: users.steward, role: 'steward', action: 'reveal', issueId: issue.issueId, customerToken: issue.customerToken, purpose: 'call back to verify the mobile number', fields: ['name', 'mobile'] }),
    ]);
    const byPerson = await as.auditor!.get(`/api/access-log?person=${users.steward}&customerToken=${encodeURIComponent(issue.customerToken)}`);
    expect(byPerson.json.total).toBe(1);
    const future = await as.auditor!.get(`/api/access-log?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.json.total).toBe(0);
    const csv = await as.auditor!.get(`/api/access-log.csv?issueId=${encodeURIComponent(issue.issueId)}`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('at,username,role,action,issueId,customerToken,purpose,fields');
    expect(csv.text).toContain(`,${users.steward},steward,reveal,${issue.issueId},${issue.customerToken},call back to verify the mobile number,name mobile`);
  });

  it("refuses a core-tier reveal until a supervisor approved it; the approval is in the history and the access log", async () => {
    const issue = await freshIssue('core');
    const v = (await detail(as.steward!, issue.issueId)).json.issue.version as number;
    expect((await act(as.steward!, issue.issueId, v, { type: 'claim' })).status).toBe(200);
    const refused = await reveal(as.steward!, issue.issueId);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/approval/);
    expect((await act(as.steward!, issue.issueId, v + 1, { type: 'approve-reveal' })).status).toBe(403);

    const approved = await as.supervisor!.post(`/api/issues/${encodeURIComponent(issue.issueId)}/reveal-approval`, { note: 'customer asked for a call back' });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ issueId: issue.issueId, approvedBy: users.supervisor });
    const seen = await detail(as.steward!, issue.issueId);
    expect(seen.json.revealApproved).toBe(true);
    expect(seen.json.history.at(-1)).toMatchObject({ action: 'approve-reveal', actor: users.supervisor });

    const shown = await reveal(as.steward!, issue.issueId, ['mobile']);
    expect(shown.status, shown.text).toBe(200);
    const log = await as.auditor!.get(`/api/access-log?issueId=${encodeURIComponent(issue.issueId)}`);
    expect(log.json.entries.map((e: { action: string }) => e.action)).toEqual(['reveal', 'approve-reveal']);
  });

  it('lets supervisors bulk-assign to a steward and see the breach board; the assignee then holds the issues', async () => {
    const a = await freshIssue('not-core');
    const b = await freshIssue('not-core');
    const assigned = await as.supervisor!.post('/api/issues/assign', { issueIds: [a.issueId, b.issueId, 'no-such-issue'], assignee: users.steward2 });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.json.assigned.map((i: IssueState) => i.assignee)).toEqual([users.steward2, users.steward2]);
    expect(assigned.json.refused).toEqual([expect.objectContaining({ issueId: 'no-such-issue', status: 404 })]);
    const toAnalyst = await as.supervisor!.post('/api/issues/assign', { issueIds: [a.issueId], assignee: users.analyst });
    expect(toAnalyst.status).toBe(400);
    expect(toAnalyst.json).toMatchObject({ field: 'assignee' });

    const mine = await as.steward2!.get(`/api/issues?assignee=${users.steward2}&status=claimed`);
    expect(mine.status).toBe(200);
    expect(mine.json.issues.map((i: IssueState) => i.issueId)).toEqual(expect.arrayContaining([a.issueId, b.issueId]));
    expect((await reveal(as.steward2!, a.issueId, ['mobile'])).status).toBe(200);

    const board = await as.supervisor!.get('/api/breaches');
    expect(board.status).toBe(200);
    expect(Array.isArray(board.json.issues)).toBe(true);
  });

  it('carries a steward through the whole work: verify, callbacks, resolve as corrected; the correction leaves sealed, the vault row goes, reveals end', async () => {
    const issue = await freshIssue('not-core');
    let v = (await detail(as.steward!, issue.issueId)).json.issue.version as number;
    const step = async (action: Record<string, unknown>, status: string) => {
      const reply = await act(as.steward!, issue.issueId, v, action);
      expect(reply.status, `${String(action.type)}: ${reply.text}`).toBe(200);
      expect(reply.json.issue.status).toBe(status);
      v = reply.json.issue.version as number;
      return reply.json.issue as IssueState;
    };
    await step({ type: 'claim' }, 'claimed');
    await step({ type: 'start-verification' }, 'in-verification');
    const unreachable = await step({ type: 'record-callback', channel: 'phone', result: 'unreachable', note: 'no answer' }, 'in-verification');
    expect(unreachable.callbackAttempts).toBe(1);
    expect(unreachable.nextAttemptAt).not.toBe('');
    await step({ type: 'record-callback', channel: 'phone', result: 'reached', note: 'customer gave the new number' }, 'in-verification');
    const resolved = await step({ type: 'resolve', outcome: 'corrected', note: 'new number confirmed', corrected: { mobile: '13800001111' } }, 'resolved');
    expect(resolved.outcome).toBe('corrected');

    const history = (await detail(as.supervisor!, issue.issueId)).json.history as { action: string }[];
    expect(history.map((h) => h.action).slice(-5)).toEqual(['claim', 'start-verification', 'record-callback', 'record-callback', 'resolve']);
    expect(JSON.stringify(history)).not.toContain('13800001111');
    expect((await reveal(as.steward!, issue.issueId)).status).toBe(403);
    const others = await db.sql.query(`SELECT 1 FROM verity.issues WHERE customer_token = $1 AND status IN ('open', 'claimed', 'in-verification')`, [issue.customerToken]);
    const vault = await db.sql.query(`SELECT 1 FROM verity.vault WHERE customer_token = $1`, [issue.customerToken]);
    expect(vault.length).toBe(others.length > 0 ? 1 : 0);
    const outbox = await db.sql.query<{ payload: string }>(`SELECT payload FROM verity.outbox WHERE kind = 'correction'`);
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.map((o) => o.payload).join('\n')).not.toContain('13800001111');
  });

  it('sends an escalated issue to the supervisors, who alone return it to the queue', async () => {
    const issue = await freshIssue('not-core');
    let v = (await detail(as.steward!, issue.issueId)).json.issue.version as number;
    expect((await act(as.steward!, issue.issueId, v++, { type: 'claim' })).status).toBe(200);
    const escalated = await act(as.steward!, issue.issueId, v++, { type: 'escalate', note: 'customer disputes the finding' });
    expect(escalated.status, escalated.text).toBe(200);
    expect(escalated.json.issue.escalated).toBe(true);
    expect((await act(as.steward!, issue.issueId, v, { type: 'return', note: 'back' })).status).toBe(403);
    const board = await as.supervisor!.get('/api/issues?escalated=true&limit=500');
    expect(board.json.issues.map((i: IssueState) => i.issueId)).toContain(issue.issueId);
    const returned = await act(as.supervisor!, issue.issueId, v, { type: 'return', note: 'finding stands; call again' });
    expect(returned.status, returned.text).toBe(200);
    expect(returned.json.issue.escalated).toBe(false);
    const missingNote = await act(as.supervisor!, issue.issueId, v + 1, { type: 'escalate' });
    expect(missingNote.json).toMatchObject({ error: 'bad-request', field: 'action.note' });
  });

  it('filters the queue', async () => {
    const all = await as.steward!.get('/api/issues?limit=500');
    expect(all.status).toBe(200);
    expect(all.json.total).toBeGreaterThan(0);
    const queue = (all.json.issues[0] as IssueState).queue;
    const filtered = await as.steward!.get(`/api/issues?queue=${encodeURIComponent(queue)}&status=open&limit=500`);
    expect(filtered.json.issues.length).toBeGreaterThan(0);
    for (const i of filtered.json.issues as IssueState[]) expect(i).toMatchObject({ queue, status: 'open' });
    const bad = await as.steward!.get('/api/issues?status=lost');
    expect(bad.json).toMatchObject({ error: 'bad-request', field: 'status' });
  });

  it('cannot edit the history or the access log, not even with SQL', async () => {
    for (const table of ['verity.access_log', 'verity.issue_history']) {
      await expect(db.sql.query(`UPDATE ${table} SET at = at`), table).rejects.toThrow();
      await expect(db.sql.query(`DELETE FROM ${table}`), table).rejects.toThrow();
      await expect(db.sql.query(`TRUNCATE ${table}`), table).rejects.toThrow();
    }
    const n = (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM verity.access_log`))[0]!.n;
    expect(n).toBeGreaterThan(0);
  });

  it('logs every successful reveal: one access-log row per reveal response', async () => {
    const n = (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM verity.access_log WHERE action = 'reveal'`))[0]!.n;
    expect(n).toBe(ApiClient.reveals.length);
  });

  it('never answers random input with a 500, nor echoes anything raw', { timeout: 120_000 }, async () => {
    const issue = await freshIssue('not-core');
    const id = encodeURIComponent(issue.issueId);
    const routes = [`/api/issues/${id}/actions`, `/api/issues/${id}/reveal`, `/api/issues/${id}/reveal-approval`, '/api/issues/assign', '/api/users', '/api/session'];
    const action = fc.record(
      { type: fc.constantFrom('claim', 'release', 'record-callback', 'resolve', 'pause', 'assign', 'approve-reveal', 'bogus'), note: fc.string(), outcome: fc.string(), channel: fc.string(), result: fc.string(), corrected: fc.jsonValue(), assignee: fc.string() },
      { requiredKeys: ['type'] },
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ expectedVersion: fc.oneof(fc.integer(), fc.string(), fc.double()), action: fc.oneof(action, fc.jsonValue()) }, { requiredKeys: [] }),
      fc.record({ purpose: fc.string(), fields: fc.array(fc.oneof(fc.constantFrom('name', 'mobile', 'landline', 'address'), fc.string())) }, { requiredKeys: [] }),
      fc.record({ issueIds: fc.array(fc.string()), assignee: fc.string(), username: fc.string(), role: fc.string(), password: fc.string() }, { requiredKeys: [] }),
    );
    const client = fc.constantFrom('steward', 'steward2', 'supervisor', 'admin', 'analyst');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), client, body, async (route, who, payload) => {
        const reply = await as[who]!.post(route, payload as unknown);
        expect(reply.status, `${who} POST ${route} ${JSON.stringify(payload).slice(0, 200)}: ${reply.text.slice(0, 300)}`).toBeLessThan(500);
        expect(reply.json).toBeDefined();
        if (reply.status >= 400) expect(reply.json.error).toBeTruthy();
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('queue', 'status', 'limit', 'offset', 'escalated', 'dueBefore', 'assignee', 'bogus'), fc.string()), async (query) => {
        const reply = await as.steward!.get(`/api/issues?${new URLSearchParams(query)}`);
        expect(reply.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it('has no raw value in any response but the reveals, nor in the console log', () => {
    const plan = planScan(db.rawValues);
    expect(ApiClient.bodies.length).toBeGreaterThan(100);
    expect(scanForRawValues(ApiClient.bodies.join('\n'), plan).map((h) => `${h.kind} ${h.form}`)).toEqual([]);
    const log = logs();
    expect(log).toContain('revealed');
    expect(scanForRawValues(log, plan).map((h) => `${h.kind} ${h.form}`)).toEqual([]);
  });
});
