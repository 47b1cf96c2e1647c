// The rule-pack file format: what a data-governance author writes in YAML.
import { z } from 'zod';
import { DeadlinePolicies } from '../../pipelines/calendar/deadline-policy.ts';
import { CustomerKind, PolicyRole } from '../../pipelines/contract/customer-change.ts';
import { SEVERITIES } from '../checks/types.ts';

export const Severity = z.enum(SEVERITIES);

/** `none` selects customers that arrive without a policy (e.g. bank customers). */
export const RoleSelector = z.enum([...PolicyRole.options, 'none']);

export const IssuePolicy = z.strictObject({
  queue: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a queue name: lowercase letters, digits and dashes'),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  /** Findings below this severity are recorded but open no issue (e.g. Luhn warnings). */
  minSeverity: Severity.default('info'),
  deadline: DeadlinePolicies.refine((policies) => policies.some((p) => !('policyField' in p)), {
    message: 'needs at least one workingDays or calendarDays entry: a policy field may be absent from an event',
  }),
});

export const RuleDefinition = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a rule id: lowercase letters, digits and dashes'),
  version: z.number().int().positive(),
  severity: Severity,
  description: z.string().min(1),
  appliesTo: z
    .strictObject({
      kinds: z.array(CustomerKind).min(1).default([...CustomerKind.options]),
      roles: z.array(RoleSelector).min(1).default([...RoleSelector.options]),
    })
    .prefault({}),
  check: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  issue: IssuePolicy.optional(),
});

export const RulePackFile = z.strictObject({
  pack: z.string().min(1),
  description: z.string().optional(),
  rules: z.array(RuleDefinition).min(1),
});

export type Severity = z.infer<typeof Severity>;
export type RoleSelector = z.infer<typeof RoleSelector>;
export type IssuePolicy = z.infer<typeof IssuePolicy>;
export type RuleDefinition = z.infer<typeof RuleDefinition>;
export type RulePackFile = z.infer<typeof RulePackFile>;
