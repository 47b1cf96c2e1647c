// Who may do what in the stewards' console. One pure table, so that the server, the UI and the
// tests agree: each route asks `can(role, permission)` and nothing else decides by role.
//
// Separation of duties (000 securities art. 7): the admin manages users and configuration and
// never reads customer data, masked or raw; analysts see aggregates only; auditors read who looked
// at whose data; stewards work the issues they hold; supervisors steer the queues.
import { z } from 'zod';

export const ROLES = ['steward', 'supervisor', 'analyst', 'auditor', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const PERMISSIONS = [
  /** The queue and an issue's detail: masked record, evidence, history. */
  'issues:read',
  /** Steward actions on an issue (claim, callback, resolve, …), subject to holding it (mayAct). */
  'issues:act',
  /** Bulk assignment of issues to a steward. */
  'issues:assign',
  /** Returning an escalated issue to the queue. */
  'issues:return',
  /** Raw contact data of the customer of an issue the steward holds. */
  'issues:reveal',
  /** A supervisor's approval that comes before a core-tier reveal. */
  'reveals:approve',
  /** The breach board: breached issues still active. */
  'breaches:read',
  /** Aggregate dashboards (no issue details). */
  'dashboards:read',
  /** The access log of reveals and approvals. */
  'access-log:read',
  /** Creating, disabling and resetting console users. */
  'users:manage',
  /** Reading the console's configuration (never customer data). */
  'config:manage',
] as const;
export const Permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof Permission>;

const TABLE: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  steward: new Set<Permission>(['issues:read', 'issues:act', 'issues:reveal']),
  supervisor: new Set<Permission>(['issues:read', 'issues:act', 'issues:assign', 'issues:return', 'reveals:approve', 'breaches:read', 'dashboards:read']),
  analyst: new Set<Permission>(['dashboards:read']),
  auditor: new Set<Permission>(['access-log:read']),
  admin: new Set<Permission>(['users:manage', 'config:manage']),
};

/** Permissions that show customer data, masked or raw: the admin and the analyst hold none of them. */
export const CUSTOMER_DATA_PERMISSIONS: readonly Permission[] = ['issues:read', 'issues:act', 'issues:reveal', 'issues:assign', 'issues:return', 'reveals:approve', 'breaches:read'];

export function can(role: Role, permission: Permission): boolean {
  return TABLE[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => TABLE[role].has(p));
}

/** Steward actions only a supervisor takes, with the permission each needs. */
const SUPERVISOR_ACTIONS: Readonly<Record<string, Permission>> = {
  assign: 'issues:assign',
  return: 'issues:return',
  'approve-reveal': 'reveals:approve',
};

/** The permission an issue action needs. */
export function permissionForAction(kind: string): Permission {
  return SUPERVISOR_ACTIONS[kind] ?? 'issues:act';
}

/**
 * Whether `actor` may take action `kind` on an issue held by `assignee` ('' when nobody holds it).
 * A steward works the issues they hold: anyone with issues:act may claim an unheld issue, but only
 * its holder (or a supervisor, who steers the queues) may act on a held one. Whether the action fits
 * the status is the lifecycle's question, not this one.
 */
export function mayAct(actor: { readonly username: string; readonly role: Role }, kind: string, assignee: string): boolean {
  if (!can(actor.role, permissionForAction(kind))) return false;
  if (actor.role === 'supervisor') return true;
  if (kind === 'claim') return true;
  return assignee !== '' && assignee === actor.username;
}

/** Whether `actor` may reveal raw contact data for an issue: a steward who holds the (active) issue. */
export function mayReveal(actor: { readonly username: string; readonly role: Role }, assignee: string, active: boolean): boolean {
  return can(actor.role, 'issues:reveal') && active && assignee !== '' && assignee === actor.username;
}
