import { describe, expect, it } from 'vitest';
import { ScopeTenures } from './scope-tenures.ts';

describe('ScopeTenures', () => {
  it('asks for a take-over on a scope\'s first batch, on a new tenure, and after an abandoned batch', () => {
    const tenures = new ScopeTenures();
    expect(tenures.isNew('t/0', 1)).toBe(true);
    tenures.begin('t/0', 1);
    expect(tenures.isNew('t/0', 1)).toBe(false);
    expect(tenures.isNew('t/1', 1)).toBe(true);
    expect(tenures.isNew('t/0', 2)).toBe(true);
    tenures.end('t/0');
    expect(tenures.isNew('t/0', 1)).toBe(true);
  });
});
