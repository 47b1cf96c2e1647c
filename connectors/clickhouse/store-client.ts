// One ClickHouse client for both deployments: chDB in-process (embedded default) or a
// ClickHouse server over HTTP. Everything above this file speaks the same @clickhouse/client API
// and the same SQL.
import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { loadChdb } from './chdb-engine.ts';
import { detachStdinFromEmbeddedEngine } from './chdb-stdin.ts';
import type { StoreTarget } from '../../pipelines/config/targets.ts';

export type { StoreTarget };

const DATE_TIME_SETTINGS = {
  // Rows carry ISO-8601 instants with offsets; parse them exactly instead of in the server's zone.
  date_time_input_format: 'best_effort',
} as const;

export function createStoreClient(target: StoreTarget): ClickHouseClient {
  if (target.kind === 'embedded') {
    mkdirSync(target.path, { recursive: true, mode: 0o700 });
    detachStdinFromEmbeddedEngine();
    return createClient({
      // chDB implements @clickhouse/client-common's Connection; its types come from its own copy
      // of client-common, hence the cast at this single seam.
      connection: loadChdb().createChdbConnection({ path: target.path }) as never,
      clickhouse_settings: DATE_TIME_SETTINGS,
    });
  }
  return createClient({
    url: target.url,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    clickhouse_settings: DATE_TIME_SETTINGS,
    request_timeout: target.requestTimeoutMs ?? 30_000,
  });
}

/** How a store target is shown in logs and reports: never with credentials. */
export function describeStoreTarget(target: StoreTarget): string {
  if (target.kind === 'embedded') return `embedded chDB at ${target.path}`;
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  return `ClickHouse server at ${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
}
