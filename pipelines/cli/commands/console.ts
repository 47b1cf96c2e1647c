// `verity console`: the stewards' console over the operational store the runs write (same
// --state, same vault key), until SIGINT/SIGTERM. Several console processes may serve one
// PostgreSQL server: sessions, throttling and every issue change live in the database.
import type { Command } from 'commander';
import { CONSOLE_DEFAULTS, CONSOLE_SETTINGS, SHARED_WITH_RUN, type ConsoleSettingKey } from '../../config/console-settings.ts';
import { resolveRunConfig } from '../../config/run-config.ts';
import { flagAttribute, flagName, helpOf, RUN_SETTINGS, type SettingKey } from '../../config/run-settings.ts';
import { ConfigError } from '../../errors.ts';
import { openConsole, type OpenConsole } from '../../console/open-console.ts';
import { createLogger } from '../../runtime/logger.ts';

export interface ConsoleFlags {
  readonly host: string;
  readonly port: number;
  readonly secureCookies: boolean | 'auto';
}

/** The console's own settings from flags, then env, then defaults; errors name the flag or variable. */
export function resolveConsoleFlags(given: Partial<Record<ConsoleSettingKey, string>>, env: NodeJS.ProcessEnv): ConsoleFlags {
  const value = (key: ConsoleSettingKey): unknown => {
    const s = CONSOLE_SETTINGS[key];
    const raw = given[key] ?? (env[s.env] !== undefined && env[s.env] !== '' ? env[s.env] : undefined);
    if (raw === undefined) return undefined;
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(given[key] !== undefined ? flagName(s.flag) : s.env, parsed.error.issues[0]!.message);
    return parsed.data;
  };
  const secure = (value('secureCookies') as 'auto' | 'true' | 'false' | undefined) ?? 'auto';
  return {
    host: (value('consoleHost') as string | undefined) ?? CONSOLE_DEFAULTS.host,
    port: (value('consolePort') as number | undefined) ?? CONSOLE_DEFAULTS.port,
    secureCookies: secure === 'auto' ? 'auto' : secure === 'true',
  };
}

/** Resolves, opens and serves until a stop signal. Shared by `verity console` and `npm start`. */
export async function serveConsole(runFlags: Partial<Record<SettingKey, string>>, consoleFlags: ConsoleFlags, configFile?: string, onOpen?: (c: OpenConsole) => Promise<void> | void): Promise<void> {
  const config = await resolveRunConfig({ flags: runFlags, env: process.env, configFile, cwd: process.cwd() });
  const logger = createLogger(config.logLevel);
  const opened = await openConsole({ config, logger, ...consoleFlags });
  await onOpen?.(opened);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  logger.info('console stopping');
  await opened.close();
}

export function registerConsole(program: Command): void {
  const command = program.command('console').description("serve the stewards' console (web UI and API) over the operational store");
  const runKeys = new Map<string, SettingKey>();
  for (const key of SHARED_WITH_RUN) {
    const flag = (RUN_SETTINGS[key] as { flag?: string }).flag;
    if (!flag) continue;
    command.option(flag, helpOf(key));
    runKeys.set(flagAttribute(flag), key);
  }
  const consoleKeys = new Map<string, ConsoleSettingKey>();
  for (const [key, s] of Object.entries(CONSOLE_SETTINGS) as [ConsoleSettingKey, (typeof CONSOLE_SETTINGS)[ConsoleSettingKey]][]) {
    command.option(s.flag, `${s.help} (env ${s.env}; default: ${s.shown})`);
    consoleKeys.set(flagAttribute(s.flag), key);
  }
  command.option('--config <file>', 'YAML config file with the run settings (state, store, …)');
  command.action(async (given: Record<string, string | undefined>) => {
    const runFlags: Partial<Record<SettingKey, string>> = {};
    const consoleGiven: Partial<Record<ConsoleSettingKey, string>> = {};
    for (const [attribute, value] of Object.entries(given)) {
      if (typeof value !== 'string') continue;
      const runKey = runKeys.get(attribute);
      if (runKey) runFlags[runKey] = value;
      const consoleKey = consoleKeys.get(attribute);
      if (consoleKey) consoleGiven[consoleKey] = value;
    }
    const flags = resolveConsoleFlags(consoleGiven, process.env);
    await serveConsole(runFlags, flags, given['config'], (c) => {
      process.stdout.write(`Verity console: ${c.url}\n`);
    });
  });
}
