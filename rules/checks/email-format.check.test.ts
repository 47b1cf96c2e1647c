import { describe, expect, it } from 'vitest';
import { emailFormat } from './email-format.check.ts';
import { contextFor, runCheck } from './test-support.ts';

describe('email-format', () => {
  it('passes a well-formed address and ignores an absent one', () => {
    expect(runCheck(emailFormat, contextFor({ kind: 'person', email: 'zw@example.cn' }))).toEqual([]);
    expect(runCheck(emailFormat, contextFor({ kind: 'person' }))).toEqual([]);
  });

  it('reports malformed addresses', () => {
    expect(runCheck(emailFormat, contextFor({ kind: 'person', email: 'zw.example.cn' }))).toEqual([{ field: 'customer.email', reason: 'missing-at' }]);
    expect(runCheck(emailFormat, contextFor({ kind: 'person', email: 'zw@example' }))).toEqual([{ field: 'customer.email', reason: 'bad-domain' }]);
  });
});
