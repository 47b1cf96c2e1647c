import { describe, expect, it } from 'vitest';
import { resolveConsoleFlags } from '../cli/commands/console.ts';
import { buildProgram } from '../cli/main.ts';
import { CONSOLE_SETTINGS, SHARED_WITH_RUN } from './console-settings.ts';
import { ENV, flagName, RUN_SETTINGS } from './run-settings.ts';

describe('console settings, declared once', () => {
  it('registers its own flags and the shared run flags on verity console, with env names of their own', () => {
    const command = buildProgram().commands.find((c) => c.name() === 'console')!;
    const registered = new Set(command.options.map((o) => o.long));
    for (const s of Object.values(CONSOLE_SETTINGS)) {
      expect(registered).toContain(flagName(s.flag));
      expect(Object.values(ENV)).not.toContain(s.env);
    }
    for (const key of SHARED_WITH_RUN) {
      const flag = (RUN_SETTINGS[key] as { flag?: string }).flag;
      if (flag) expect(registered).toContain(flagName(flag));
    }
    // Secrets come from the environment or files only, never a flag.
    expect(registered).not.toContain('--vault-key');
  });

  it('takes flags over env over defaults, and names the flag or variable that is wrong', () => {
    expect(resolveConsoleFlags({}, {})).toEqual({ host: '127.0.0.1', port: 8600, secureCookies: 'auto' });
    expect(resolveConsoleFlags({ consolePort: '0' }, { VERITY_CONSOLE_PORT: '9000', VERITY_CONSOLE_SECURE_COOKIES: 'true' })).toEqual({ host: '127.0.0.1', port: 0, secureCookies: true });
    expect(() => resolveConsoleFlags({ consolePort: '70000' }, {})).toThrow(/--port: a whole number from 0 to 65535/);
    expect(() => resolveConsoleFlags({}, { VERITY_CONSOLE_SECURE_COOKIES: 'maybe' })).toThrow(/VERITY_CONSOLE_SECURE_COOKIES: auto, true or false/);
  });
});
