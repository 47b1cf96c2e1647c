// Issue 8 §1 "Concurrency" and §7: two `verity console` processes on one PostgreSQL server; two
// stewards claim the same issue through them at the same moment: one wins, the other gets a 409.
// Also `verity users add|disable|reset` against the same store, as an operator would run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scanForRawValues } from '../support/pii-scan.ts';
import { describePostgres, dropDatabase, usePostgres } from '../support/postgres/use-postgres.ts';
import { PROJECT_ROOT, verity } from '../e2e/support.ts';
import { ApiClient, KEYS_ENV, pipelineDatabase, type PipelineDatabase } from './support.ts';

interface ConsoleProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output: () => string;
}

/** `verity console` on a free port; resolves with the address it prints. */
function startConsole(stateUrl: string, dataDir: string): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, ['bin/verity.mjs', 'console', '--state', stateUrl, '--data-dir', dataDir, '--port', '0', '--log-level', 'info'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...KEYS_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`verity console did not start:\n${err.slice(-3000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const url = /Verity console: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => `${out}\n${err}` });
      }
    });
    child.once('exit', (code) => reject(new Error(`verity console exited with ${code}:\n${err.slice(-3000)}`)));
  });
}

function stop(p: ConsoleProcess | undefined): Promise<number | null> {
  if (!p || p.child.exitCode !== null) return Promise.resolve(p?.child.exitCode ?? null);
  return new Promise((resolve) => {
    p.child.once('exit', (code) => resolve(code));
    p.child.kill('SIGTERM');
  });
}

describePostgres('two console processes on one PostgreSQL server', () => {
  const { url } = usePostgres();
  let db: PipelineDatabase;
  let one: ConsoleProcess | undefined;
  let two: ConsoleProcess | undefined;
  const passwords: Record<string, string> = {};

  beforeAll(async () => {
    db = await pipelineDatabase(url, 300, 9117);
    // The operator's way: `verity users add` prints a generated one-time password.
    for (const [name, role] of [['anna', 'steward'], ['bo', 'steward'], ['boss', 'supervisor']] as const) {
      const added = verity(['users', 'add', name, '--role', role, '--state', db.stateUrl], KEYS_ENV);
      expect(added.status, added.stderr).toBe(0);
      passwords[name] = /one-time password: (\S+)/.exec(added.stdout)![1]!;
    }
    [one, two] = await Promise.all([startConsole(db.stateUrl, `${db.dir}/data`), startConsole(db.stateUrl, `${db.dir}/data`)]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([stop(one), stop(two)]);
    await db?.sql.close();
    if (db) await dropDatabase(db.stateUrl);
  });

  it('manages users from the command line: generated or stdin passwords, disable, reset; never a default password', async () => {
    const c = new ApiClient(one!.url);
    expect((await c.signIn('anna', passwords.anna)).status).toBe(200);
    const viaStdin = verity(['users', 'add', 'carl', '--role', 'auditor', '--password-stdin', '--state', db.stateUrl], KEYS_ENV, 'a password typed in by the admin\n');
    expect(viaStdin.status, viaStdin.stderr).toBe(0);
    expect(viaStdin.stdout).not.toMatch(/one-time password/);
    expect((await new ApiClient(one!.url).signIn('carl', 'a password typed in by the admin')).status).toBe(200);
    const short = verity(['users', 'add', 'dora', '--role', 'auditor', '--password-stdin', '--state', db.stateUrl], KEYS_ENV, 'short\n');
    expect(short.status).toBe(2);
    const badRole = verity(['users', 'add', 'dora', '--role', 'root', '--state', db.stateUrl], KEYS_ENV);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toMatch(/--role/);
    const twice = verity(['users', 'add', 'anna', '--role', 'steward', '--state', db.stateUrl], KEYS_ENV);
    expect(twice.status).toBe(2);

    expect(verity(['users', 'disable', 'carl', '--state', db.stateUrl], KEYS_ENV).status).toBe(0);
    expect((await new ApiClient(two!.url).signIn('carl', 'a password typed in by the admin')).status).toBe(401);
    const reset = verity(['users', 'reset', 'carl', '--state', db.stateUrl], KEYS_ENV);
    expect(reset.status, reset.stderr).toBe(0);
    const fresh = /one-time password: (\S+)/.exec(reset.stdout)![1]!;
    expect((await new ApiClient(two!.url).signIn('carl', fresh)).status).toBe(200);
    expect(verity(['users', 'disable', 'nobody', '--state', db.stateUrl], KEYS_ENV).status).toBe(2);
  });

  it('two simultaneous claims of one issue, one through each process: one 200, one 409', async () => {
    const anna = new ApiClient(one!.url);
    const bo = new ApiClient(two!.url);
    expect((await anna.signIn('anna', passwords.anna)).status).toBe(200);
    expect((await bo.signIn('bo', passwords.bo)).status).toBe(200);
    const boss = new ApiClient(one!.url);
    expect((await boss.signIn('boss', passwords.boss)).status).toBe(200);
    let queue = await anna.get('/api/issues?status=open&limit=20');
    expect(queue.status, queue.text).toBe(200);
    // Months-old generated events: the SLA clock escalated them; the supervisor returns them to the queue.
    for (const issue of queue.json.issues.slice(0, 5) as { issueId: string; version: number; escalated: boolean }[]) {
      if (!issue.escalated) continue;
      const path = `/api/issues/${encodeURIComponent(issue.issueId)}/actions`;
      const returned = await boss.post(path, { expectedVersion: issue.version, action: { type: 'return', note: 'back to the queue' } });
      expect(returned.status, returned.text).toBe(200);
    }
    queue = await anna.get('/api/issues?status=open&escalated=false&limit=20');
    expect(queue.json.issues.length).toBeGreaterThanOrEqual(5);
    let rounds = 0;
    let revealed = false;
    for (const issue of queue.json.issues.slice(0, 5) as { issueId: string; version: number; tier: string }[]) {
      const path = `/api/issues/${encodeURIComponent(issue.issueId)}/actions`;
      const body = { expectedVersion: issue.version, action: { type: 'claim' } };
      const replies = await Promise.all([anna.post(path, body), bo.post(path, body)]);
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses, replies.map((r) => r.text).join('\n')).toEqual([200, 409]);
      const winner = replies.find((r) => r.status === 200)!;
      const [row] = await db.sql.query<{ state: { assignee: string }; version: number }>(`SELECT state, version FROM verity.issues WHERE issue_id = $1`, [issue.issueId]);
      expect(row!.state.assignee).toBe(winner.json.issue.assignee);
      expect(row!.version).toBe(issue.version + 1);
      if (!revealed && issue.tier !== 'core') {
        revealed = true;
        // The winner reveals through its process: logged, and the value stays out of both logs.
        const client = winner === replies[0] ? anna : bo;
        const shown = await client.post(`/api/issues/${encodeURIComponent(issue.issueId)}/reveal`, { purpose: 'call back to verify', fields: ['mobile', 'address'] });
        expect(shown.status, shown.text).toBe(200);
      }
      rounds++;
    }
    expect(rounds).toBe(5);
    expect(revealed).toBe(true);
  });

  it('stops on SIGTERM, having logged no raw value', async () => {
    const output = `${one!.output()}\n${two!.output()}`;
    expect(await stop(two)).toBe(0);
    two = undefined;
    expect(output).toMatch(/revealed/);
    expect(scanForRawValues(output, db.rawValues).map((h) => `${h.kind} ${h.form}`)).toEqual([]);
  });
});
