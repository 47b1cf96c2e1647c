import { describe, expect, it } from 'vitest';
import { exitStatusFor, stopSignalHandler } from './stop-signals.ts';

describe('stopSignalHandler', () => {
  function setup() {
    let clock = 1_000;
    const calls: string[] = [];
    const handle = stopSignalHandler({
      echoMs: 1_000,
      now: () => clock,
      onStop: (signal) => calls.push(`stop ${signal}`),
      onInsist: (signal) => calls.push(`insist ${signal}`),
    });
    return { handle, calls, advance: (ms: number) => (clock += ms) };
  }

  it('stops gracefully on the first signal and ignores its echoes', () => {
    const { handle, calls, advance } = setup();
    handle('SIGINT');
    handle('SIGINT');
    advance(999);
    handle('SIGTERM');
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('gives way to an operator who signals again after the echo window', () => {
    const { handle, calls, advance } = setup();
    handle('SIGTERM');
    advance(1_000);
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGTERM', 'insist SIGINT']);
  });

  it('exits with the status shells use for each signal', () => {
    expect(exitStatusFor('SIGINT')).toBe(130);
    expect(exitStatusFor('SIGTERM')).toBe(143);
    expect(exitStatusFor('SIGHUP')).toBe(129);
  });
});
