// Issue 8 §7 "Browser tests": the stewards' console clicked through in a real headless Chromium
// (Debian's chromium, tests/support/browser/), over the real pipeline as a deployment runs it:
// `verity generate`, `verity produce` onto fresh topics of a real Kafka broker, `verity run` from
// them into a real PostgreSQL server and the analytics store (the embedded one shared over HTTP by
// `verity store serve`, as the console reads it too), `verity users add`, `verity console`. The
// run keeps running while the stewards work: its outbox relay mirrors their changes and sends the
// correction to `customer.corrections` (with Kafka configured, the console leaves that to it).
// The flow: a steward signs in, filters the queue, claims an issue, records an unreachable
// callback then a reached one, reveals the customer's contact with a purpose, and resolves as
// corrected. Then: the correction event is on `customer.corrections` (key = the customer's id), and
// the auditor's access log shows the reveal; the analyst's charts are drawn.
// Screenshots of the queue, the issue and the dashboards go to out/test-artifacts/ (CI keeps
// them); VERITY_UPDATE_SCREENSHOTS=1 also refreshes the README's dashboards/screenshots/console-queue.png.
//
// No browser here: skipped loudly, or a failure in CI (VERITY_REQUIRE_BROWSER=1 / VERITY_REQUIRE_ALL=1).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSqlClient, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { createTokenizer } from '../../pipelines/privacy/tokens.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser/launch.ts';
import { describeBrowser, probeBrowser } from '../support/browser/use-browser.ts';
import { describeKafka, kafkaClient, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase, describePostgres, usePostgres } from '../support/postgres/use-postgres.ts';
import { exitOf, PROJECT_ROOT, serveStore, spawnVerity, verity, type Child } from '../e2e/support.ts';

const TOKEN_KEY = '3e'.repeat(32);
const VAULT_KEY = 'c4'.repeat(32);
const ARTIFACTS = join(PROJECT_ROOT, 'out', 'test-artifacts');
const README_SCREENSHOT = join(PROJECT_ROOT, 'dashboards', 'screenshots', 'console-queue.png');
const CORRECTIONS_TOPIC = 'customer.corrections';
/** Synthetic values (generated data only): what the steward types in as corrected, per rule. */
const CORRECTIONS: Readonly<Record<string, { field: 'mobile' | 'landline'; value: string }>> = {
  'mobile-format': { field: 'mobile', value: '13912345678' },
  'placeholder-value': { field: 'mobile', value: '13912345678' },
  'landline-format': { field: 'landline', value: '010-65529999' },
};

interface Picked {
  /** The stream's first and last Shanghai days (the dashboards' window). */
  days: { first: string; last: string };
  issueId: string;
  ruleId: string;
  queue: string;
  customerToken: string;
  customerId: string;
}

const browser = await probeBrowser();

describeBrowser("the stewards' console in a real Chromium", browser, () => {
  describePostgres('over the real pipeline and PostgreSQL', () => {
    describeKafka('with corrections to a real Kafka broker', () => {
      const { url: serverUrl } = usePostgres();
      const { brokers } = useKafka();
      const dir = mkdtempSync(join(tmpdir(), 'verity-browser-'));
      const env = { VERITY_TOKEN_KEY: TOKEN_KEY, VERITY_VAULT_KEY: VAULT_KEY };
      const passwords = new Map<string, string>();
      let state: string;
      let sql: SqlClient;
      let console_: Child | undefined;
      let consoleUrl: string;
      let chromium: LaunchedBrowser | undefined;
      let page: Page;
      let picked: Picked;
      let store: Awaited<ReturnType<typeof serveStore>> | undefined;
      let pipeline: Child | undefined;

      beforeAll(async () => {
        mkdirSync(ARTIFACTS, { recursive: true });
        const stream = join(dir, 'stream.jsonl');
        // The stream (about 72 days of events) ends a day before now, so the queue holds issues
        // breached, due soon and not yet due, as a live one would.
        const start = new Date(Date.now() - 73 * 86_400_000).toISOString();
        const generated = verity(['generate', '--customers', '300', '--seed', '8808', '--start', start, '--out', stream]);
        expect(generated.status, generated.stderr).toBe(0);
        state = await createDatabase(serverUrl);
        sql = await createSqlClient({ kind: 'server', url: state });
        store = await serveStore(join(dir, 'store'));
        const common = ['--data-dir', join(dir, 'data'), '--store', store.url, '--state', state, '--log-level', 'warn'];
        const brokerList = brokers.join(',');
        const topics = { customers: uniqueTopic('console-customers'), agents: uniqueTopic('console-agents'), dlq: uniqueTopic('console-dlq'), issues: uniqueTopic('console-issues') };
        const produced = verity(['produce', '--input', stream, '--kafka-brokers', brokerList, '--topic', topics.customers, '--agent-topic', topics.agents]);
        expect(produced.status, produced.stderr.slice(-3000)).toBe(0);
        const runArgs = [
          'run', '--kafka-brokers', brokerList, '--group-id', uniqueTopic('console-group'),
          '--customer-topic', topics.customers, '--agent-topic', topics.agents, '--dead-letter-topic', topics.dlq, '--issue-topic', topics.issues,
          '--no-progress', '--metrics-port', '0', ...common,
        ];
        // The stream, to the end; then the same run keeps going, as in production.
        const caughtUp = verity([...runArgs, '--once'], env);
        expect(caughtUp.status, caughtUp.stderr.slice(-3000)).toBe(0);
        pipeline = spawnVerity(runArgs, env);
        for (const [username, role] of [
          ['wang.steward', 'steward'],
          ['li.auditor', 'auditor'],
          ['chen.analyst', 'analyst'],
        ] as const) {
          const added = verity(['users', 'add', username, '--role', role, '--state', state, '--data-dir', join(dir, 'data')], env);
          expect(added.status, added.stderr).toBe(0);
          const password = /one-time password: (\S+)/.exec(added.stdout)?.[1];
          expect(password, added.stdout).toBeTruthy();
          passwords.set(username, password!);
        }

        picked = await pickIssue(sql, stream);

        // With the brokers configured, the console leaves the outbox to the run's relay.
        console_ = spawnVerity(['console', '--port', '0', '--host', '127.0.0.1', ...common], { ...env, VERITY_KAFKA_BROKERS: brokerList });
        consoleUrl = await consoleAddress(console_);
        chromium = await launchChromium({ locale: 'zh-CN' });
        page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
        page.setDefaultTimeout(20_000);
      }, 600_000);

      afterAll(async () => {
        await chromium?.close();
        for (const child of [console_, pipeline]) {
          if (child && child.process.exitCode === null) {
            child.process.kill('SIGTERM');
            await exitOf(child, 30_000, 'a clean stop').catch(() => {});
          }
        }
        await store?.stop().catch(() => {});
        await sql?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('a steward signs in, filters the queue, claims, calls back twice, reveals with a purpose and resolves as corrected', { timeout: 180_000 }, async () => {
        await signIn(page, consoleUrl, 'wang.steward', passwords.get('wang.steward')!);
        await page.getByTestId('queue-table').waitFor();

        // Filter the queue down to the picked issue's queue and rule.
        await page.getByTestId('filter-queue').fill(picked.queue);
        await page.getByTestId('filter-ruleId').fill(picked.ruleId);
        await page.getByTestId('filter-status').selectOption('open');
        await page.getByTestId('filter-apply').click();
        await page.getByTestId('queue-summary').waitFor();
        const rows = page.getByTestId('queue-row');
        await expect.poll(() => rows.count()).toBeGreaterThan(0);
        const ruleCells = await page.locator('[data-testid=queue-row] td:nth-child(5)').allTextContents();
        expect(new Set(ruleCells)).toEqual(new Set([picked.ruleId]));
        // Soonest due first, each with a time-left badge.
        const badges = await page.locator('[data-testid=queue-row] [data-testid^=badge-]').count();
        expect(badges).toBe(await rows.count());
        await page.screenshot({ path: join(ARTIFACTS, 'console-queue.png'), fullPage: false });
        if (process.env['VERITY_UPDATE_SCREENSHOTS'] === '1') {
          mkdirSync(join(PROJECT_ROOT, 'dashboards', 'screenshots'), { recursive: true });
          copyFileSync(join(ARTIFACTS, 'console-queue.png'), README_SCREENSHOT);
        }

        // Open and claim it.
        await page.locator(`[data-testid=queue-row][data-issue-id="${picked.issueId}"] [data-testid=open-issue]`).click();
        const detail = page.getByTestId('issue-detail');
        await detail.waitFor();
        expect(await detail.getAttribute('data-status')).toBe('open');
        await page.getByTestId('masked-record').waitFor();
        // The running pipeline's SLA clock may change the issue meanwhile (a reminder): the claim then
        // gets a 409, the page shows the current version, and the steward claims again.
        for (let attempt = 0; attempt < 3 && (await detail.getAttribute('data-status')) === 'open'; attempt++) {
          await page.getByTestId('action-claim').click();
          await page.locator('[data-testid=action-ok], [data-testid=action-error]').first().waitFor();
        }
        await expect.poll(() => detail.getAttribute('data-status')).toBe('claimed');
        expect(await page.getByTestId('issue-assignee').textContent()).toBe('wang.steward');

        // An unreachable callback: the issue stays active and the next attempt is scheduled.
        await page.getByTestId('callback-channel').selectOption('phone');
        await page.getByTestId('callback-result').selectOption('unreachable');
        await page.getByTestId('callback-note').fill('no answer, try tomorrow 无人接听');
        await page.getByTestId('callback-submit').click();
        await expect.poll(async () => page.getByTestId('issue-callbacks').textContent()).toMatch(/^1/);
        expect(['claimed', 'in-verification']).toContain(await detail.getAttribute('data-status'));

        // Reveal the contact data to make the call: the purpose is required and logged.
        await page.getByTestId('reveal-purpose').fill('callback to verify the mobile number 回访核实手机号');
        await page.getByTestId('reveal-submit').click();
        await page.getByTestId('reveal-values').waitFor();
        const revealed = (await page.getByTestId('reveal-values').textContent()) ?? '';
        expect(revealed).not.toMatch(/\*{2}/); // raw values, not masks

        // Then a reached one.
        await page.getByTestId('callback-result').selectOption('reached');
        await page.getByTestId('callback-note').fill('customer gave the new mobile 客户提供新号码');
        await page.getByTestId('callback-submit').click();
        await expect.poll(async () => page.getByTestId('issue-callbacks').textContent()).toMatch(/^2/);
        // The reveal is not kept across a reload of the issue.
        expect(await page.getByTestId('reveal-values').count()).toBe(0);
        await page.screenshot({ path: join(ARTIFACTS, 'console-issue.png'), fullPage: true });

        // Resolve as corrected, with the corrected mobile.
        await page.getByTestId('resolve-outcome').selectOption('corrected');
        await page.getByTestId('resolve-note').fill('mobile corrected after callback 回访后更正');
        const correction = CORRECTIONS[picked.ruleId]!;
        await page.getByTestId(`corrected-${correction.field}`).fill(correction.value);
        await page.getByTestId('resolve-submit').click();
        await expect.poll(() => detail.getAttribute('data-status')).toBe('resolved');
        expect(await page.getByTestId('issue-outcome').textContent()).toBe('corrected');
        const actions = await page.locator('[data-testid=history-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
        expect(actions).toEqual(expect.arrayContaining(['opened', 'claim', 'record-callback', 'resolve']));
        expect(actions.filter((a) => a === 'record-callback')).toHaveLength(2);
        await signOut(page);
      });

      it(`puts the correction event on ${CORRECTIONS_TOPIC}, keyed by the customer's id`, { timeout: 300_000 }, async () => {
        // The running pipeline's relay sends it (every 2 s).
        const found = await findCorrection(brokers, picked, 60_000).catch(async (error: unknown) => {
          // Say where the correction stopped: still in the outbox (no relay sent it), or sent elsewhere.
          const outbox = await sql.query<{ kind: string; unsent: string; sent: string }>(
            `SELECT kind, count(*) FILTER (WHERE sent_at IS NULL) AS unsent, count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent FROM verity.outbox GROUP BY kind`,
          );
          const corrections = await sql.query<{ field: string; sent_at: string | null }>(`SELECT field, sent_at FROM verity.corrections WHERE issue_id = $1`, [picked.issueId]);
          throw new Error(
            `${(error as Error).message}; outbox ${JSON.stringify(outbox)}; corrections of the issue ${JSON.stringify(corrections)}; the run's log ends:\n${pipeline?.stderr.slice(-1500) ?? ''}`,
          );
        });
        expect(found.key).toBe(picked.customerId);
        const event = JSON.parse(found.value) as Record<string, unknown>;
        expect(JSON.stringify(event)).toContain(picked.issueId);
        expect(JSON.stringify(event)).toContain(CORRECTIONS[picked.ruleId]!.value);
        expect(JSON.stringify(event)).toContain('wang.steward');
      });

      it("shows the reveal in the auditor's access log", { timeout: 60_000 }, async () => {
        await signIn(page, consoleUrl, 'li.auditor', passwords.get('li.auditor')!);
        await page.getByTestId('access-log-filters').waitFor();
        await page.getByTestId('log-filter-issueId').fill(picked.issueId);
        await page.getByTestId('log-filter-apply').click();
        const reveal = page.locator(`[data-testid=access-log-row][data-action=reveal][data-issue-id="${picked.issueId}"]`);
        await reveal.waitFor();
        const text = (await reveal.textContent()) ?? '';
        expect(text).toContain('wang.steward');
        expect(text).toContain('回访核实手机号');
        expect(await page.getByTestId('access-log-csv').getAttribute('href')).toContain(`issueId=${encodeURIComponent(picked.issueId)}`);
        // The auditor sees no queue.
        expect(await page.getByTestId('nav-queue').count()).toBe(0);
        await signOut(page);
      });

      it('draws the analyst dashboards from the local chart library', { timeout: 60_000 }, async () => {
        const scripts: string[] = [];
        page.on('request', (request) => {
          if (request.resourceType() === 'script') scripts.push(request.url());
        });
        await signIn(page, consoleUrl, 'chen.analyst', passwords.get('chen.analyst')!);
        await page.locator('[data-testid=dashboards][data-loaded=true]').waitFor();
        await page.getByTestId('chart-backlog-age').waitFor();
        // The generated stream's event times: the windowed charts over those days.
        await page.getByTestId('dashboards-from').fill(picked.days.first);
        await page.getByTestId('dashboards-to').fill(picked.days.last);
        await page.getByTestId('dashboards-apply').click();
        await page.locator('[data-testid=dashboards][data-loaded=true]').waitFor();
        for (const id of ['pass-rate', 'findings-by-rule', 'findings-by-province', 'findings-by-source', 'findings-by-channel', 'backlog-age']) {
          await page.getByTestId(`chart-${id}`).waitFor();
        }
        // Drawn: the canvas has pixels.
        const painted = await page.getByTestId('chart-backlog-age').evaluate((c) => {
          const canvas = c as unknown as { width: number; toDataURL(): string };
          return canvas.width > 0 && canvas.toDataURL().length > 2000;
        });
        expect(painted).toBe(true);
        expect(scripts.every((u) => u.startsWith(consoleUrl))).toBe(true);
        expect(scripts.some((u) => u.endsWith('/api/dashboards/chart.umd.min.js'))).toBe(true);
        await page.screenshot({ path: join(ARTIFACTS, 'console-dashboards.png'), fullPage: true });
        // Analysts see no issue details.
        expect(await page.getByTestId('nav-queue').count()).toBe(0);
        const response = await page.request.get(`${consoleUrl}/api/issues/${encodeURIComponent(picked.issueId)}`);
        expect(response.status()).toBe(403);
      });
    });
  });
});

/** Signs out; the page reloads itself (nothing of the session stays in memory). */
async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await page.getByTestId('signin-form').waitFor();
}

async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  // Whatever an earlier (failed) test left, start signed out.
  await page.context().clearCookies();
  await page.goto(`${base}/`);
  await page.getByTestId('signin-form').waitFor();
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('who-user').waitFor();
  expect(await page.getByTestId('who-user').textContent()).toContain(username);
}

/** `Verity console: http://…` on the console's stdout. */
async function consoleAddress(child: Child): Promise<string> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const url = /Verity console: (http:\/\/\S+)/.exec(child.stdout)?.[1];
    if (url) return url.replace(/\/$/, '');
    if (child.process.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verity console did not print its address:\n${child.stdout}\n${child.stderr.slice(-3000)}`);
}

/**
 * An open, non-core, not escalated issue on a contact rule whose customer the vault holds (so the
 * reveal has something to show), not yet due if there is one (a breach escalates it to the
 * supervisors), and the customer's id from the generated stream (the correction's key).
 */
async function pickIssue(sql: SqlClient, stream: string): Promise<Picked> {
  const rows = await sql.query<{ issue_id: string; rule_id: string; customer_token: string; queue: string }>(
    `SELECT i.issue_id, i.rule_id, i.customer_token, i.state->>'queue' AS queue
       FROM verity.issues i JOIN verity.vault v ON v.customer_token = i.customer_token
      WHERE i.status = 'open' AND v.tier <> 'core' AND i.rule_id IN ('mobile-format', 'placeholder-value', 'landline-format')
        AND NOT (i.state->>'escalated')::boolean
      ORDER BY (i.state->>'dueAt')::timestamptz > now() + interval '1 day' DESC, i.rule_id = 'mobile-format' DESC, i.rule_id, i.issue_id LIMIT 1`,
  );
  expect(rows, 'no open contact issue with a vault entry: the generated stream changed?').toHaveLength(1);
  const row = rows[0]!;
  const tokenizer = createTokenizer(Buffer.from(TOKEN_KEY, 'hex'));
  let customerId = '';
  const times: number[] = [];
  for (const text of readFileSync(stream, 'utf8').split('\n')) {
    try {
      const line = JSON.parse(text) as { customerId?: unknown; occurredAt?: unknown };
      if (typeof line.occurredAt === 'string' && !Number.isNaN(Date.parse(line.occurredAt))) times.push(Date.parse(line.occurredAt));
      if (!customerId && typeof line.customerId === 'string' && tokenizer.token('customer', line.customerId) === row.customer_token) customerId = line.customerId;
    } catch {
      // the generator's deliberately malformed lines
    }
  }
  expect(customerId).not.toBe('');
  const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  const days = { first: day(Math.min(...times)), last: day(Math.max(...times) + 24 * 3_600_000) };
  return { days, issueId: row.issue_id, ruleId: row.rule_id, queue: row.queue, customerToken: row.customer_token, customerId };
}

/** The first message on the corrections topic naming the issue, read from the beginning. */
async function findCorrection(brokers: string[], picked: Picked, timeoutMs: number): Promise<{ key: string; value: string }> {
  const consumer = kafkaClient(brokers).consumer({ groupId: `browser-corrections-${Date.now()}` });
  await consumer.connect();
  try {
    let found: { key: string; value: string } | undefined;
    const deadline = Date.now() + timeoutMs;
    // The topic exists once the relay sent something; until then, subscribing fails: retry.
    while (Date.now() < deadline) {
      try {
        await consumer.subscribe({ topic: CORRECTIONS_TOPIC, fromBeginning: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString('utf8') ?? '';
        if (value.includes(picked.issueId)) found ??= { key: message.key?.toString('utf8') ?? '', value };
      },
    });
    while (!found && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    if (!found) throw new Error(`no correction for ${picked.issueId} on ${CORRECTIONS_TOPIC} within ${timeoutMs} ms`);
    return found;
  } finally {
    await consumer.disconnect();
  }
}
