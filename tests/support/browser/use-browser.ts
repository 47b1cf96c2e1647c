// For browser test files: whether the real headless Chromium starts here, decided once per file
// by starting it (top-level await), and a `describe` that skips loudly when it does not, or
// throws in CI (VERITY_REQUIRE_BROWSER=1, or CI mode: VERITY_REQUIRE_ALL=1 / CI=true), where a
// console that was never clicked through proves nothing.
//
//   const browser = await probeBrowser();
//   describeBrowser('console flow', browser, () => { it('…', async () => { const b = await launchChromium(); … }); });
import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';
import { REQUIRE_ALL_ENV, requireAll, skipWhen } from '../skips.ts';
import { chromiumPath, launchChromium } from './launch.ts';

export const REQUIRE_BROWSER_ENV = 'VERITY_REQUIRE_BROWSER';

export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[REQUIRE_BROWSER_ENV];
  return value === '1' || value === 'true' || requireAll(env);
}

function requiredBy(): string {
  const value = process.env[REQUIRE_BROWSER_ENV];
  return value === '1' || value === 'true' ? `${REQUIRE_BROWSER_ENV}=1` : `CI mode (${REQUIRE_ALL_ENV}=1 or CI=true)`;
}

export interface BrowserAvailability {
  readonly available: boolean;
  /** Why not ('' when available). */
  readonly reason: string;
  readonly version: string;
  /** A CJK font family fontconfig knows ('' when none: Chinese would render as boxes). */
  readonly cjkFont: string;
}

const INSTALL_HINT = 'run tests/support/browser/install-chromium.sh (as root: apt-get install chromium fonts-noto-cjk)';

/** A CJK font family, or '' (no fontconfig, or none installed). */
export function cjkFont(): string {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** Starts and stops Chromium once. A missing CJK font counts as unavailable: screenshots would lie. */
export async function probeBrowser(): Promise<BrowserAvailability> {
  const font = cjkFont();
  try {
    const browser = await launchChromium({ timeout: 60_000 });
    const version = browser.version;
    await browser.close();
    if (!font) return { available: false, reason: `no CJK font for Chromium (${INSTALL_HINT})`, version, cjkFont: '' };
    return { available: true, reason: '', version, cjkFont: font };
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    return { available: false, reason: `Chromium at ${chromiumPath()} does not start: ${first} (${INSTALL_HINT})`, version: '', cjkFont: font };
  }
}

/** `describe` that needs the browser: skipped loudly without it, a failure in CI. */
export function describeBrowser(name: string, browser: BrowserAvailability, fn: () => void): void {
  if (!browser.available) {
    if (browserRequired()) throw new Error(`${requiredBy()} but "${name}" cannot run: ${browser.reason}`);
    console.warn(`\n${'!'.repeat(78)}\nSKIPPING browser tests "${name}": ${browser.reason}\n${'!'.repeat(78)}\n`);
  }
  describe(name, skipWhen(!browser.available, `no browser: ${browser.reason}`), fn);
}
