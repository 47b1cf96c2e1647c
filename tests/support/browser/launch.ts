// Starts the real headless Chromium for the browser tests: Debian's `chromium` package (installed
// by tests/support/browser/install-chromium.sh, which the tests' global setup runs), driven by playwright-core
// through executablePath, so nothing is downloaded from a browser CDN at test time.
//
// Every launch gets a fresh profile directory (deleted on close): no cookie, cache or service
// worker survives from one test to the next, which a console test of sign-in and CSRF needs.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The binary: VERITY_CHROMIUM_PATH, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['VERITY_CHROMIUM_PATH'] || DEFAULT_CHROMIUM;
}

/**
 * The flags. --no-sandbox: tests run as root in CI containers, where Chromium refuses its sandbox.
 * The rest keep a test run quiet and offline: no QUIC, no first-run UI, no background fetches of
 * components, safe-browsing lists or sync, so the only traffic is the test's own to 127.0.0.1.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface LaunchedBrowser {
  readonly context: BrowserContext;
  readonly version: string;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  readonly executablePath?: string;
  /** Milliseconds to wait for the browser to start. */
  readonly timeout?: number;
  readonly viewport?: { width: number; height: number };
  /** BCP 47, e.g. zh-CN; default en-US. */
  readonly locale?: string;
}

/**
 * Launches Chromium with a fresh --user-data-dir. playwright-core passes the profile directory as
 * --user-data-dir itself when given to launchPersistentContext (it refuses the flag in `args`).
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = options.executablePath ?? chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run tests/support/browser/install-chromium.sh (or set VERITY_CHROMIUM_PATH)`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'verity-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      timeout: options.timeout ?? 60_000,
      viewport: options.viewport ?? { width: 1280, height: 860 },
      locale: options.locale ?? 'en-US',
      timezoneId: 'Asia/Shanghai',
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const version = context.browser()?.version() ?? (await versionOf(context));
  return {
    context,
    version,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

async function versionOf(context: BrowserContext): Promise<string> {
  const page = context.pages()[0] ?? (await context.newPage());
  return page.evaluate(() => navigator.userAgent).catch(() => 'unknown');
}
