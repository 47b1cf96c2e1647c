// The settings of `verity console` that `verity run` does not have, declared once like
// RUN_SETTINGS (flag, env, schema, help, default shown). The console shares the run's own
// settings (state, store, database, data folder, token and vault keys, SLA sweep, log level) from
// RUN_SETTINGS, so both processes open the same stores with the same keys.
import { z } from 'zod';
import { text, setting, wholeNumber, type SettingKey } from './run-settings.ts';

export const CONSOLE_DEFAULTS = { host: '127.0.0.1', port: 8600 } as const;

export const CONSOLE_SETTINGS = {
  consoleHost: setting({ schema: text, env: 'VERITY_CONSOLE_HOST', flag: '--host <addr>', help: 'address the console listens on', shown: CONSOLE_DEFAULTS.host }),
  consolePort: setting({
    schema: wholeNumber(0, 65535),
    env: 'VERITY_CONSOLE_PORT',
    flag: '--port <port>',
    help: 'port the console listens on; 0 = any free port (the address is printed)',
    shown: String(CONSOLE_DEFAULTS.port),
  }),
  secureCookies: setting({
    schema: z.enum(['auto', 'true', 'false'], { error: 'auto, true or false' }),
    env: 'VERITY_CONSOLE_SECURE_COOKIES',
    flag: '--secure-cookies <when>',
    help: 'mark the session cookie Secure: auto (when the request came over https), true (behind a TLS proxy), false',
    shown: 'auto',
  }),
};
export type ConsoleSettingKey = keyof typeof CONSOLE_SETTINGS;

/** The run's settings the console takes as well (flags and env as `verity run` has them). */
export const SHARED_WITH_RUN: readonly SettingKey[] = ['state', 'store', 'database', 'dataDir', 'logLevel', 'vaultKey', 'vaultKeyFile', 'tokenKey', 'tokenKeyFile', 'slaSweepSeconds', 'clickhouseUser', 'clickhousePassword', 'clickhousePasswordFile'];
