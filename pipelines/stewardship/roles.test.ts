import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { can, CUSTOMER_DATA_PERMISSIONS, mayAct, mayReveal, PERMISSIONS, permissionForAction, permissionsOf, ROLES, type Permission, type Role } from './roles.ts';
import { STEWARD_ACTIONS } from '../contract/issue.ts';

const role = fc.constantFrom(...ROLES);
const permission = fc.constantFrom(...PERMISSIONS);
const name = fc.stringMatching(/^[a-z]{1,8}$/);

describe('the permission table', () => {
  it('is exactly the separation of duties the issue asks for', () => {
    const table = Object.fromEntries(ROLES.map((r) => [r, permissionsOf(r)]));
    expect(table).toEqual({
      steward: ['issues:read', 'issues:act', 'issues:reveal'],
      supervisor: ['issues:read', 'issues:act', 'issues:assign', 'issues:return', 'reveals:approve', 'breaches:read', 'dashboards:read'],
      analyst: ['dashboards:read'],
      auditor: ['access-log:read'],
      admin: ['users:manage', 'config:manage'],
    } satisfies Record<Role, Permission[]>);
  });

  it('never lets the admin or the analyst near customer data, masked or raw', () => {
    for (const p of CUSTOMER_DATA_PERMISSIONS) {
      expect(can('admin', p)).toBe(false);
      expect(can('analyst', p)).toBe(false);
      expect(can('auditor', p)).toBe(false);
    }
  });

  it('lets only stewards reveal, only supervisors approve, assign, return and see breaches, only auditors read the log, only admins manage users', () => {
    const holders = (p: Permission) => ROLES.filter((r) => can(r, p));
    expect(holders('issues:reveal')).toEqual(['steward']);
    expect(holders('reveals:approve')).toEqual(['supervisor']);
    expect(holders('issues:assign')).toEqual(['supervisor']);
    expect(holders('issues:return')).toEqual(['supervisor']);
    expect(holders('breaches:read')).toEqual(['supervisor']);
    expect(holders('access-log:read')).toEqual(['auditor']);
    expect(holders('users:manage')).toEqual(['admin']);
    expect(holders('config:manage')).toEqual(['admin']);
  });

  it('agrees with permissionsOf for every role and permission', () => {
    fc.assert(fc.property(role, permission, (r, p) => can(r, p) === permissionsOf(r).includes(p)));
  });
});

describe('acting on an issue', () => {
  it('needs the permission of the action, and for anyone but a supervisor, holding the issue (claim excepted)', () => {
    fc.assert(
      fc.property(role, name, fc.constantFrom(...STEWARD_ACTIONS), fc.oneof(fc.constant(''), name), (r, username, kind, assignee) => {
        const allowed = mayAct({ username, role: r }, kind, assignee);
        if (!can(r, permissionForAction(kind))) return !allowed;
        if (r === 'supervisor') return allowed;
        if (kind === 'claim') return allowed;
        return allowed === (assignee !== '' && assignee === username);
      }),
    );
  });

  it('keeps assign, return and approve-reveal to supervisors', () => {
    for (const kind of ['assign', 'return', 'approve-reveal']) {
      expect(mayAct({ username: 'a', role: 'steward' }, kind, 'a')).toBe(false);
      expect(mayAct({ username: 'a', role: 'supervisor' }, kind, '')).toBe(true);
    }
  });

  it('reveals only to the steward holding an active issue', () => {
    fc.assert(
      fc.property(role, name, fc.oneof(fc.constant(''), name), fc.boolean(), (r, username, assignee, active) => {
        const allowed = mayReveal({ username, role: r }, assignee, active);
        return allowed === (r === 'steward' && active && assignee !== '' && assignee === username);
      }),
    );
  });
});
