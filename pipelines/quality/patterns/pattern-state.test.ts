// The workspace's change set is what the store writes: for each holder, the batch's last change
// must win over whatever the store held before the batch.
import { describe, expect, it } from 'vitest';
import { emptySnapshot, PatternWorkspace } from './pattern-state.ts';

function loaded(holders: Record<string, Record<string, string>>): PatternWorkspace {
  const snapshot = emptySnapshot();
  for (const [key, map] of Object.entries(holders)) snapshot.holders.set(key, new Map(Object.entries(map)));
  return new PatternWorkspace(snapshot);
}

const netOf = (ws: PatternWorkspace) => {
  const { holdersAdded, holdersRemoved } = ws.changes();
  return {
    added: Object.fromEntries([...holdersAdded].filter(([, m]) => m.size > 0).map(([k, m]) => [k, Object.fromEntries(m)])),
    removed: Object.fromEntries([...holdersRemoved].filter(([, s]) => s.size > 0).map(([k, s]) => [k, [...s]])),
  };
};

describe('holder changes', () => {
  it('a holder removed, held again and removed in one batch is deleted', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.removeHolder('mobile:m', 'c');
    ws.addHolder('mobile:m', 'c', 't2');
    ws.removeHolder('mobile:m', 'c');
    expect(netOf(ws)).toEqual({ added: {}, removed: { 'mobile:m': ['c'] } });
  });

  it('a holder removed and held again is written with its new since', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.removeHolder('mobile:m', 'c');
    ws.addHolder('mobile:m', 'c', 't2');
    expect(netOf(ws)).toEqual({ added: { 'mobile:m': { c: 't2' } }, removed: {} });
  });

  it('a new holder that leaves again within the batch is deleted (a no-op for the store)', () => {
    const ws = loaded({});
    ws.addHolder('account:a', 'c', 't1');
    ws.removeHolder('account:a', 'c');
    expect(netOf(ws)).toEqual({ added: {}, removed: { 'account:a': ['c'] } });
  });

  it('holding a value already held changes nothing', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.addHolder('mobile:m', 'c', 't5');
    expect(netOf(ws)).toEqual({ added: {}, removed: {} });
    expect(ws.holdersOf('mobile:m').get('c')).toBe('t0');
  });
});
