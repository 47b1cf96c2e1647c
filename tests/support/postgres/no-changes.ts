// A unit that changed no state: what a test applies when only its ids or its output matter.
import type { StateChanges } from '../../../pipelines/quality/patterns/pattern-state.ts';

export const noStateChanges = (): StateChanges => ({
  customers: new Map(),
  agents: new Map(),
  holdersAdded: new Map(),
  holdersRemoved: new Map(),
  mobileChanges: [],
  findingsUpserted: new Map(),
  findingsDeleted: new Set(),
  issues: new Map(),
  findingMirror: [],
  correctionsConfirmed: [],
});
