import { describe, expect, it } from 'vitest';
import { contextFor, runCheck } from './test-support.ts';
import { usccFormat } from './uscc-format.check.ts';

describe('uscc-format', () => {
  it('passes valid codes, including one whose check character is 0', () => {
    expect(runCheck(usccFormat, contextFor({ kind: 'organization', uscc: '91350100M000100Y43' }))).toEqual([]);
    expect(runCheck(usccFormat, contextFor({ kind: 'organization', uscc: '91110108MA01A2B370' }))).toEqual([]);
  });

  it('reports malformed codes', () => {
    expect(runCheck(usccFormat, contextFor({ kind: 'organization', uscc: '91350100M000100Y44' }))).toEqual([{ field: 'customer.uscc', reason: 'check-character' }]);
    expect(runCheck(usccFormat, contextFor({ kind: 'organization', uscc: '91350100M000100Y4' }))).toEqual([{ field: 'customer.uscc', reason: 'bad-length' }]);
    expect(runCheck(usccFormat, contextFor({ kind: 'organization', uscc: '91350100M000100O43' }))).toEqual([{ field: 'customer.uscc', reason: 'bad-character' }]);
  });

  it('reports a lower-case code unless the pack accepts it', () => {
    const lower = contextFor({ kind: 'organization', uscc: '91350100m000100y43' });
    expect(runCheck(usccFormat, lower)).toEqual([{ field: 'customer.uscc', reason: 'lower-case' }]);
    expect(runCheck(usccFormat, lower, { acceptLowerCase: true })).toEqual([]);
  });

  it('does nothing for persons or organizations without a code', () => {
    expect(runCheck(usccFormat, contextFor({ kind: 'person', uscc: '91350100M000100Y44' }))).toEqual([]);
    expect(runCheck(usccFormat, contextFor({ kind: 'organization' }))).toEqual([]);
  });
});
