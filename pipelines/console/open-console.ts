// Opens everything `verity console` (and `npm start`) serves: the operational store (migrated),
// the steward desk on it, the reveal vault with its key, the analysts' dashboards when present,
// and the HTTP server, listening.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { migrateState } from '../../connectors/postgres/migrations.ts';
import { createSqlClient, stateOpenFailure, type SqlClient } from '../../connectors/postgres/sql-client.ts';
import { PgVaultReader } from '../../connectors/postgres/vault-store.ts';
import type { RunConfig } from '../config/run-config.ts';
import { loadTokenKey } from '../privacy/token-key.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import { loadVaultCipher } from '../privacy/vault-key.ts';
import type { Logger } from '../runtime/logger.ts';
import type { ThrottlePolicy } from './auth/throttle.ts';
import { createConsoleDesk } from './desk-wiring.ts';
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
  let sql: SqlClient;
  try {
    sql = await createSqlClient(config.state);
    await migrateState(sql);
  } catch (error) {
    throw stateOpenFailure(config.state, error);
  }
  try {
    // The same keys as the runs': the vault opens, and corrected values tokenise alike.
    const [cipher, tokenKey] = await Promise.all([loadVaultCipher(config.vaultKey), loadTokenKey(config.tokenKey)]);
    const desk = createConsoleDesk(sql, { cipher, tokenizer: createTokenizer(tokenKey) });
    const board = await dashboards(config);
    const app = await createConsoleServer({
      sql,
      desk,
      vault: (runner) => new PgVaultReader(runner, cipher),
      logger,
      secureCookies: options.secureCookies,
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
    return {
      url,
      sql,
      app,
      async close() {
        await app.close();
        await sql.close();
      },
    };
  } catch (error) {
    await sql.close();
    throw error;
  }
}
