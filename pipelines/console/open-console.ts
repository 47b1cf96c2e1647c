// Opens everything `verity console` (and `npm start`) serves: the operational store (migrated),
// the steward desk on it, the reveal vault with its key, the analysts' dashboards when present,
// and the HTTP server, listening.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { openStateClient } from '../../connectors/postgres/migrations.ts';
import type { SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PostgresSlaStore } from '../../connectors/postgres/sla-store.ts';
import { PgVaultReader } from '../../connectors/postgres/vault-store.ts';
import type { RunConfig } from '../config/run-config.ts';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { loadTokenKey } from '../privacy/token-key.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import { loadVaultCipher } from '../privacy/vault-key.ts';
import { systemClock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/logger.ts';
import { SlaClock } from '../runtime/sla-clock.ts';
import type { ThrottlePolicy } from './auth/throttle.ts';
import { startConsoleRelay } from './console-relay.ts';
import { createConsoleDesk, vaultHooks } from './desk-wiring.ts';
import { createConsoleServer } from './server.ts';

export interface OpenConsoleOptions {
  readonly config: RunConfig;
  readonly host: string;
  readonly port: number;
  readonly secureCookies: boolean | 'auto';
  readonly logger: Logger;
  readonly throttle?: ThrottlePolicy;
}

export interface OpenConsole {
  readonly url: string;
  readonly sql: SqlClient;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const DASHBOARDS = new URL('./routes/dashboards.ts', import.meta.url);

/** Helper C's analysts' dashboards, when that module is there. */
async function dashboards(config: RunConfig): Promise<{ plugin: FastifyPluginAsync<never>; options: unknown } | undefined> {
  if (!existsSync(DASHBOARDS)) return undefined;
  const module = (await import(DASHBOARDS.href)) as { registerDashboardRoutes?: FastifyPluginAsync<never> };
  if (!module.registerDashboardRoutes) return undefined;
  return { plugin: module.registerDashboardRoutes, options: { store: config.store, database: config.database } };
}

export async function openConsole(options: OpenConsoleOptions): Promise<OpenConsole> {
  const { config, logger } = options;
  const sql = await openStateClient(config.state);
  const closers: (() => Promise<unknown> | undefined)[] = [];
  try {
    // The same keys as the runs': the vault opens, and corrected values tokenise alike.
    const [cipher, tokenKey] = await Promise.all([loadVaultCipher(config.vaultKey), loadTokenKey(config.tokenKey)]);
    const desk = createConsoleDesk(sql, { cipher, tokenizer: createTokenizer(tokenKey) });
    const board = await dashboards(config);
    const relay = startConsoleRelay(sql, config, vaultHooks(cipher).sealer, logger);
    closers.push(() => relay?.close());
    // The SLA clock too: a console serving for days (after npm start, say) raises reminders and
    // breaches while no run does. Each notice is raised once however many clocks run (its key in
    // verity.sla_notices), and reaches the mirrors through the outbox.
    const clock = new SlaClock({ store: new PostgresSlaStore(sql), calendar: prcCalendar, logger, clock: systemClock });
    const stopClock = await clock.start(config.slaSweepSeconds * 1000, () => true);
    closers.unshift(stopClock);
    const app = await createConsoleServer({
      sql,
      desk,
      vault: (runner) => new PgVaultReader(runner, cipher),
      logger,
      secureCookies: options.secureCookies,
      ...(relay ? { onIssueChanged: () => relay.nudge() } : {}),
      ...(options.throttle ? { throttle: options.throttle } : {}),
      ...(board ? { dashboards: board } : {}),
      configView: {
        state: config.state.kind === 'embedded' ? `embedded PGlite at ${config.state.path}` : 'PostgreSQL server',
        store: config.store.kind === 'embedded' ? `embedded chDB at ${config.store.path}` : 'ClickHouse server',
        database: config.database,
        vaultKey: config.vaultKey.keyHex ? 'from VERITY_VAULT_KEY' : `file ${config.vaultKey.keyFile}`,
      },
    });
    await app.listen({ host: options.host, port: options.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url }, `console listening on ${url}`);
    // Once, however often it is asked (a signal and a test's cleanup, say).
    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
      await app.close();
      for (const closer of closers) await closer();
      await sql.close();
    };
    return { url, sql, app, close: () => (closing ??= close()) };
  } catch (error) {
    for (const close of closers) await close();
    await sql.close();
    throw error;
  }
}
