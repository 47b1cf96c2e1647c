// What a scenario asks of one customer's history: edits at given times, the parts of the record no
// random defect or update may touch (so the shared value survives exactly as planned), and when
// the customer is deleted. stream.ts plans the rest of the history around it as usual.
import type { CustomerState } from './model.ts';
import type { Defect, Part } from './defects.ts';
import type { UpdateKind } from './records.ts';

export interface ScriptEdit {
  readonly time: number;
  /** Writes only protected parts, so no random defect is undone or hidden by it. */
  readonly apply: (state: CustomerState) => void;
}

export type Deletion = 'random' | 'never' | { readonly notBefore: number };

/** When the customer's history ended up: what a later part of a scenario may wait for. */
export interface PlannedHistory {
  readonly lastEventAt: number;
  readonly deletedAt: number | undefined;
}

export interface CustomerScript {
  /** The scenario instance, `<scenario>#<n>`. */
  readonly scenario: string;
  readonly protectedParts: ReadonlySet<Part>;
  readonly forbiddenUpdates: ReadonlySet<UpdateKind>;
  /** Per-record defects the create image carries because of the scenario (a dashed account number). */
  readonly createDefects: readonly Defect[];
  readonly updates: readonly ScriptEdit[];
  readonly deletion: Deletion;
  /** The agent the customer's policy (and so its family's) is pinned to. */
  readonly policyAgentId?: string;
  readonly onPlanned?: (history: PlannedHistory) => void;
}

const MOBILE_PARTS: ReadonlySet<Part> = new Set(['mobile']);
const MOBILE_UPDATES: ReadonlySet<UpdateKind> = new Set(['mobile']);
const ADDRESS_PARTS: ReadonlySet<Part> = new Set(['address']);
const ADDRESS_UPDATES: ReadonlySet<UpdateKind> = new Set(['address']);
const NO_UPDATES: ReadonlySet<UpdateKind> = new Set();

/** A customer whose mobile only the scenario writes. */
export function mobileScript(scenario: string, more: Partial<CustomerScript> = {}): CustomerScript {
  return { scenario, protectedParts: MOBILE_PARTS, forbiddenUpdates: MOBILE_UPDATES, createDefects: [], updates: [], deletion: 'never', ...more };
}

/** A customer whose address only the scenario writes. */
export function addressScript(scenario: string, more: Partial<CustomerScript> = {}): CustomerScript {
  return { scenario, protectedParts: ADDRESS_PARTS, forbiddenUpdates: ADDRESS_UPDATES, createDefects: [], updates: [], deletion: 'never', ...more };
}

/** A customer whose account numbers (own and premium) no defect corrupts; new accounts may still be added. */
export function accountScript(scenario: string, more: Partial<CustomerScript> = {}): CustomerScript {
  return {
    scenario,
    protectedParts: new Set<Part>(['account', 'premium']),
    forbiddenUpdates: NO_UPDATES,
    createDefects: [],
    updates: [],
    deletion: 'never',
    ...more,
  };
}
