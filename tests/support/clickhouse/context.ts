// What tests/support/global-setup.ts hands to test files about the ClickHouse server.
import type { ClickHouseServer } from './acquire.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's ClickHouse server for the HTTP store path; null when none could be had. */
    clickhouseServer: ClickHouseServer | null;
    /** Why `clickhouseServer` is null ('' when it is not). */
    clickhouseUnavailableReason: string;
  }
}
