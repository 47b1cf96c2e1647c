import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { startChdbHttpServer } from '../../../connectors/clickhouse/chdb-http-server.ts';
import { DEFAULTS } from '../../config/defaults.ts';
import { LogLevel } from '../../config/run-config.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../runtime/logger.ts';

const ServeFlags = z.strictObject({
  store: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  logLevel: LogLevel.optional(),
});

const FLAG = { store: '--store', dataDir: '--data-dir', port: '--port', host: '--host', logLevel: '--log-level' } as const;

export function registerStore(program: Command): void {
  const store = program.command('store').description('work with the embedded ClickHouse store');
  store
    .command('serve')
    .description(
      'serve the embedded chDB store over ClickHouse\'s HTTP interface, so several verity processes ' +
        '(one consumer group), SQL clients and Grafana can share it: point them at --store http://HOST:PORT',
    )
    .option('--store <dir>', 'embedded chDB folder (default: <data-dir>/chdb)')
    .option('--data-dir <dir>', 'data folder (default: data)')
    .option('--port <port>', `port to listen on; 0 picks a free one (default: ${DEFAULTS.clickhouseHttpPort})`)
    .option('--host <addr>', 'address to listen on (default: 127.0.0.1; the server has no authentication)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: info)')
    .action(async (flags: Record<string, unknown>) => {
      const parsed = ServeFlags.safeParse(flags);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const key = issue.path[0] as keyof typeof FLAG | undefined;
        throw new ConfigError(key ? FLAG[key] : 'verity store serve', issue.message);
      }
      const o = parsed.data;
      const path = resolve(o.store ?? resolve(o.dataDir ?? DEFAULTS.dataDir, DEFAULTS.storeDir));
      const logger = createLogger(o.logLevel ?? 'info');
      const server = await startChdbHttpServer({
        path,
        port: o.port ?? DEFAULTS.clickhouseHttpPort,
        ...(o.host ? { host: o.host } : {}),
        logger,
      });
      logger.info({ url: server.url, path }, `store serving: use --store ${server.url}`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
      logger.info('store stopped');
    });
}
