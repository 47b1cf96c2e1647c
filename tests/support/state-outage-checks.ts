// What a run must show while its PostgreSQL state server is down, the same for a file run and a
// Kafka member (tests/e2e/state-outage.test.ts, tests/kafka/state-outage.test.ts): kill the server
// once a first batch is done, then /readyz 503 naming the state store (never its password), and
// for about 10 s nothing more consumed, the dependency down, the process alive.
import { expect } from 'vitest';
import { METRIC_NAMES } from '../../pipelines/runtime/metrics.ts';
import type { PostgresServer } from './postgres/use-postgres.ts';
import { sample, until } from './probes.ts';

export interface OutageObserved {
  /** Messages consumed when the outage was seen: fewer than the stream holds. */
  readonly consumedDuring: number;
}

/**
 * Waits for a first batch, kills `server`, and checks the run waits it out for ~10 s. `hooks` add
 * the caller's own checks (a Kafka member's group membership): once the outage shows, and after
 * the wait, before the server returns.
 */
export async function killStateServerAndObserve(
  server: PostgresServer,
  metrics: string,
  lines: number,
  alive: () => boolean,
  hooks: { readonly atOutage?: () => void; readonly afterWait?: () => void } = {},
): Promise<OutageObserved> {
  const scrape = async () => (await fetch(`${metrics}/metrics`)).text();
  await until('a first batch done', async () => (sample(await scrape(), METRIC_NAMES.consumed) > 0 ? true : undefined), 120_000);
  const killedAt = Date.now();
  await server.stop('kill');
  expect(server.running).toBe(false);
  const notReady = await until('/readyz at 503 with the state store as the reason', async () => {
    const r = await fetch(`${metrics}/readyz`);
    const body = await r.text();
    return r.status === 503 && body.includes('state unavailable') ? body : undefined;
  });
  expect(notReady).toMatch(/^not ready: state unavailable since \S+ \(.+, attempt \d+\): state store: /);
  expect(notReady).not.toContain(new URL(server.url).password);
  hooks.atOutage?.();
  const consumedDuring = sample(await scrape(), METRIC_NAMES.consumed);
  expect(consumedDuring).toBeLessThan(lines);
  // Down for ~10 s in all; meanwhile nothing more is consumed, and the run waits.
  await new Promise((resolve) => setTimeout(resolve, Math.max(4000, 10_000 - (Date.now() - killedAt))));
  expect(sample(await scrape(), METRIC_NAMES.consumed)).toBe(consumedDuring);
  expect(sample(await scrape(), METRIC_NAMES.dependencyUp, '{dependency="state"}')).toBe(0);
  expect(sample(await scrape(), METRIC_NAMES.retries, '{dependency="state"}')).toBeGreaterThan(0);
  expect((await fetch(`${metrics}/readyz`)).status).toBe(503);
  expect(alive()).toBe(true);
  hooks.afterWait?.();
  return { consumedDuring };
}
