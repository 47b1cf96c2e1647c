// The chore every wall-clock job of a run shares (SLA clock, outbox relay, state housekeeping),
// driven by a manual clock: passes never overlap, a failed tick is logged and the next one runs,
// a process that does not lead does nothing, and stopping waits for the pass running.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../tests/support/manual-clock.ts';
import { Chore } from './chore.ts';

const HOUR = 3_600_000;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Chore', () => {
  it('runs one pass at a time: a pass asked for while one runs starts after it', async () => {
    const log: string[] = [];
    const gate = deferred();
    let n = 0;
    const chore = new Chore({
      name: 'test chore',
      pass: async () => {
        const mine = ++n;
        log.push(`start ${mine}`);
        if (mine === 1) await gate.promise;
        log.push(`end ${mine}`);
        return mine;
      },
      clock: new ManualClock('2026-12-01T00:00:00.000Z'),
      logger: pino({ level: 'silent' }),
    });
    const first = chore.run();
    const second = chore.run();
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['start 1']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('logs a failed tick and runs again at the next; only while active; stop waits for the running pass', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00.000Z');
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    const passes: string[] = [];
    let failNext = true;
    let leading = true;
    const chore = new Chore({
      name: 'test chore',
      pass: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('store unreachable');
        }
        passes.push(clock.now());
      },
      clock,
      logger,
    });
    const stop = chore.every(HOUR, () => leading);
    await clock.advanceTo('2026-12-01T01:00:00.000Z');
    expect(warnings).toEqual(['test chore failed; trying again at the next tick']);
    await clock.advanceTo('2026-12-01T02:00:00.000Z');
    leading = false;
    await clock.advanceTo('2026-12-01T04:00:00.000Z');
    expect(passes).toEqual(['2026-12-01T02:00:00.000Z']);
    leading = true;
    await stop();
    await clock.advanceTo('2026-12-01T06:00:00.000Z');
    expect(passes).toEqual(['2026-12-01T02:00:00.000Z']);
  });
});
