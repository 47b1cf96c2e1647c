// The console's pages per role in a real headless Chromium, against the real console server
// (sessions, CSRF, roles, access log and approvals) over the real stewards' desk and reveal vault in
// PostgreSQL, its issues opened by the real pipeline path from crafted synthetic events
// (tests/support/browser/console-harness.ts): what each
// role sees and may do, the queue's badges and filters, a stale claim answered by a clear 409 and
// a reload, the supervisor's bulk assignment, breach board and reveal approval, the admin's
// one-time password, the analyst's charts from the local chart library. The flow over the real
// pipeline, Kafka and vault is tests/browser/console-flow.test.ts.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarnessConsole, type HarnessConsole } from '../support/browser/console-harness.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser/launch.ts';
import { describeBrowser, probeBrowser } from '../support/browser/use-browser.ts';
import { PROJECT_ROOT } from '../e2e/support.ts';
import { usePostgres } from '../support/postgres/use-postgres.ts';

const ARTIFACTS = join(PROJECT_ROOT, 'out', 'test-artifacts');
const browser = await probeBrowser();

describeBrowser("the stewards' console pages, role by role", browser, () => {
  const postgres = usePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'verity-console-ui-'));
  let harness: HarnessConsole;
  let chromium: LaunchedBrowser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    harness = await startHarnessConsole(dir, postgres);
    chromium = await launchChromium({ locale: 'zh-CN' });
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
    expect(pageErrors).toEqual([]);
  });

  async function signIn(username: string): Promise<void> {
    // Whatever a failed test left behind, start signed out.
    await page.context().clearCookies();
    await page.goto(`${harness.url}/`);
    await page.getByTestId('signin-form').waitFor();
    await page.getByTestId('signin-username').fill(username);
    await page.getByTestId('signin-password').fill(harness.passwords.get(username)!);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('who-user').waitFor();
  }

  async function signOut(): Promise<void> {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
  }

  it('refuses a wrong password without saying which part was wrong', async () => {
    await page.goto(`${harness.url}/`);
    await page.getByTestId('signin-username').fill('zhao.steward');
    await page.getByTestId('signin-password').fill('not-the-password');
    await page.getByTestId('signin-submit').click();
    expect(await page.getByTestId('signin-error').textContent()).toMatch(/wrong user name or password/);
  });

  it('steward: the queue soonest due first with time-left badges, filtered; a stale claim gets a 409 and the current state', { timeout: 60_000 }, async () => {
    await signIn('zhao.steward');
    const rows = page.getByTestId('queue-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(7);
    const due = await page.locator('[data-testid=queue-row] td:nth-child(2)').allTextContents();
    expect(due).toEqual([...due].sort());
    expect(await page.locator('[data-testid=queue-row] [data-testid=badge-breached]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=queue-row] [data-testid=badge-due-soon]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'console-queue-harness.png') });

    await page.getByTestId('filter-ruleId').fill('mobile-format');
    await page.getByTestId('filter-channel').fill('bancassurance');
    await page.getByTestId('filter-apply').click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(new Set(await page.locator('[data-testid=queue-row] td:nth-child(5)').allTextContents())).toEqual(new Set(['mobile-format']));

    // Someone else claims it while it is on the screen: the click answers 409 and reloads.
    await page.locator(`[data-testid=queue-row][data-issue-id="${harness.issues.stale}"] [data-testid=open-issue]`).click();
    await page.getByTestId('issue-detail').waitFor();
    await harness.desk.act(harness.issues.stale, 1, { username: 'qian.steward', role: 'steward' }, { type: 'claim' });
    await page.getByTestId('action-claim').click();
    expect(await page.getByTestId('action-error').textContent()).toMatch(/changed this issue first/);
    expect(await page.getByTestId('issue-assignee').textContent()).toBe('qian.steward');
    // Held by another steward: no actions and no reveal for this one.
    expect(await page.getByTestId('reveal-card').count()).toBe(0);
    expect(await page.getByTestId('callback-form').count()).toBe(0);
    await signOut();
  });

  it('steward: pause with a reason, escalate; a state change without the CSRF header is refused', { timeout: 60_000 }, async () => {
    await signIn('zhao.steward');
    await page.goto(`${harness.url}/#/issue/${harness.issues.placeholder}`);
    await page.getByTestId('action-claim').click();
    await expect.poll(() => page.getByTestId('issue-detail').getAttribute('data-status')).toBe('claimed');
    await page.getByTestId('pause-reason').fill('waiting for the customer’s documents 等待客户提供材料');
    await page.getByTestId('pause-submit').click();
    await page.getByTestId('action-resume').waitFor();
    expect(await page.locator('[data-testid=history-row][data-action=pause]').count()).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept('needs a supervisor 需主管处理'));
    await page.getByTestId('action-escalate').click();
    await page.locator('[data-testid=history-row][data-action=escalate]').waitFor();

    const forged = await page.request.post(`${harness.url}/api/issues/${harness.issues.placeholder}/actions`, { data: { expectedVersion: 4, action: { type: 'release' } } });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).error).toBe('csrf');
    await signOut();
  });

  it('supervisor: bulk-assigns, sees the breach board, approves a core-tier reveal', { timeout: 60_000 }, async () => {
    await signIn('sun.supervisor');
    await page.getByTestId('nav-assign').click();
    await page.getByTestId('assign-form').waitFor();
    for (const id of [harness.issues.landline, harness.issues.address]) await page.locator(`[data-testid=queue-row][data-issue-id="${id}"] [data-testid=select-issue]`).check();
    await page.getByTestId('assign-to').fill('zhao.steward');
    await page.getByTestId('assign-submit').click();
    expect(await page.getByTestId('assign-ok').textContent()).toMatch(/Assigned 2 issue/);
    expect((await harness.desk.get(harness.issues.landline))!.issue.assignee).toBe('zhao.steward');
    expect((await harness.desk.get(harness.issues.address))!.issue.assignee).toBe('zhao.steward');

    await page.getByTestId('nav-breaches').click();
    const breached = (await harness.desk.list({ limit: 200 })).issues.filter((i) => new Date(i.dueAt).getTime() < Date.now());
    expect(await page.getByTestId('breach-total').textContent()).toBe(String(breached.length));

    await page.goto(`${harness.url}/#/issue/${harness.issues.core}`);
    await page.getByTestId('action-approve-reveal').click();
    // Approved: the detail reloads without the button (revealApproved).
    await page.getByTestId('action-ok').waitFor();
    expect(await page.getByTestId('action-approve-reveal').count()).toBe(0);
    await signOut();
  });

  it('auditor: the approval is in the access log, with a CSV export of the same filter', { timeout: 30_000 }, async () => {
    await signIn('wu.auditor');
    await page.getByTestId('log-filter-issueId').fill(harness.issues.core);
    await page.getByTestId('log-filter-apply').click();
    await page.locator('[data-testid=access-log-row][data-action=approve-reveal]').waitFor();
    const href = await page.getByTestId('access-log-csv').getAttribute('href');
    const csv = await page.request.get(`${harness.url}${href}`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(harness.issues.core);
    expect(await page.getByTestId('nav-queue').count()).toBe(0);
    await signOut();
  });

  it('admin: adds a user and sees the one-time password once; no customer data', { timeout: 30_000 }, async () => {
    await signIn('zheng.admin');
    await page.getByTestId('user-new-name').fill('feng.steward');
    await page.getByTestId('user-new-role').selectOption('steward');
    await page.getByTestId('user-add').click();
    expect(await page.getByTestId('one-time-password').textContent()).toMatch(/feng\.steward/);
    await page.locator('[data-testid=user-row][data-username="feng.steward"]').waitFor();
    expect(await page.getByTestId('nav-queue').count()).toBe(0);
    expect((await page.request.get(`${harness.url}/api/issues`)).status()).toBe(403);
    await signOut();
  });

  it('analyst: dashboards drawn with the chart library served by the console; no issues', { timeout: 60_000 }, async () => {
    const scripts: string[] = [];
    const onRequest = (request: { resourceType(): string; url(): string }) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    };
    page.on('request', onRequest);
    await signIn('zhou.analyst');
    await page.locator('[data-testid=dashboards][data-loaded=true]').waitFor();
    const painted = await page.getByTestId('chart-pass-rate').evaluate((c) => {
      const canvas = c as unknown as { width: number; toDataURL(): string };
      return canvas.width > 0 && canvas.toDataURL().length > 2000;
    });
    expect(painted).toBe(true);
    expect(scripts.filter((u) => !u.startsWith(harness.url))).toEqual([]);
    expect(scripts.some((u) => u.endsWith('/api/dashboards/chart.umd.min.js'))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'console-dashboards-harness.png'), fullPage: true });
    expect((await page.request.get(`${harness.url}/api/issues/${harness.issues.landline}`)).status()).toBe(403);
    page.off('request', onRequest);
  });
});
