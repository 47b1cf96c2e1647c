// INTERIM (helper B): placeholder until helper A's PostgreSQL StewardDesk lands; replaced on merge.
import type { StewardDesk } from '../../pipelines/runtime/steward-desk.ts';
import type { SqlClient } from './sql-client.ts';

export function createStewardDesk(_sql: SqlClient): StewardDesk {
  const missing = (): never => {
    throw new Error('the steward desk is not available in this build');
  };
  return { list: missing, get: missing, act: missing, assign: missing, breaches: missing };
}
