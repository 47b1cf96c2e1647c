import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CustomerChange } from '../contract/customer-change.ts';
import { VaultCipher } from '../privacy/vault-crypto.ts';
import type { IssueChange, RecordRow } from './model.ts';
import { vaultChangesOf, type VaultCandidate } from './vault-changes.ts';

const cipher = new VaultCipher(randomBytes(32));
const record = { kind: 'person', tier: 'core', channel: 'web', nameMasked: '测*', mobileMasked: '199****0001', landlineMasked: '', emailMasked: '', addressMasked: '测试省***', idNumberMasked: '' } as unknown as RecordRow;
const event = (id: string, customerId: string, mobile: string, op: CustomerChange['op'] = 'update'): CustomerChange =>
  ({ schema: 'customer-change/v1', eventId: id, source: 'unit', op, occurredAt: '2026-06-01T01:00:00Z', customerId, ...(op === 'delete' ? {} : { customer: { kind: 'person', tier: 'core', name: '测试', mobile } }) }) as CustomerChange;
const candidate = (e: CustomerChange, token: string): VaultCandidate => ({ event: e, customerToken: token, record });
const closed = (token: string) => ({ change: 'resolved', issue: { customerToken: token } }) as unknown as IssueChange;

describe('vaultChangesOf', () => {
  it("seals the latest event of each customer that ends the batch with an active issue, and no one else's", () => {
    const out = vaultChangesOf(
      [candidate(event('e1', 'C1', '19900000001'), 't1'), candidate(event('e2', 'C1', '19900000002'), 't1'), candidate(event('e3', 'C2', '19900000003'), 't2')],
      [],
      (t) => t === 't1',
      cipher,
    );
    expect(out.upserts.map((u) => u.customerToken)).toEqual(['t1']);
    const [entry] = out.upserts;
    expect(entry!.eventId).toBe('e2');
    expect(entry!.tier).toBe('core');
    expect(entry!.masked.mobileMasked).toBe('199****0001');
    expect(JSON.stringify(entry)).not.toContain('19900000002');
    expect(cipher.open(entry!.sealed, 't1')).toEqual({ customerId: 'C1', name: '测试', mobile: '19900000002', landline: '', address: '' });
  });

  it('drops customers whose issues changed and have none active left; a delete seals nothing', () => {
    const out = vaultChangesOf([candidate(event('e4', 'C3', '', 'delete'), 't3')], [closed('t3'), closed('t4'), closed('t5')], (t) => t === 't5', cipher);
    expect(out.upserts).toEqual([]);
    expect(out.dropUnlessActive).toEqual(['t3', 't4']);
  });
});
