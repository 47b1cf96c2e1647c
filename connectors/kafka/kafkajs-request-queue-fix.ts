// A fix for a defect in kafkajs 2.2.4 (its last release; the project is unmaintained), applied once
// per process before any kafkajs client is created.
//
// RequestQueue.scheduleCheckPendingRequests() computes `throttledUntil - Date.now()` and hands it
// to setTimeout. `throttledUntil` starts at -1 and only moves when a broker asks for client-side
// throttling, so the delay is about -Date.now(): Node 24 prints
//   TimeoutNegativeWarning: -1795947820271 is a negative number. Timeout duration was set to 1.
// and, worse, the timer fires after 1 ms and re-arms itself through checkPendingRequests(), so every
// broker connection spins a 1 ms timer for as long as it lives (~1000 wake-ups a second each).
// Upstream: tulios/kafkajs#1751, with fixes proposed in #1755, #1756 and #1768 (none merged). This
// is the variant from the #1768 review: with nothing pending and no throttle in force there is
// nothing to check later, because a new request and every fulfilled one check the queue anyway.
import { createRequire } from 'node:module';

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for re-checking a queue held back by maxInFlightRequests. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const APPLIED = Symbol.for('verity.kafkajsRequestQueueFix');

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return;
  const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** The RequestQueue class kafkajs' connections use (same module instance: CommonJS caches by path). */
export function kafkajsRequestQueueClass(): { prototype: RequestQueueInternals } & (new (options: Record<string, unknown>) => RequestQueueInternals) {
  const require = createRequire(import.meta.url);
  return require('kafkajs/src/network/requestQueue/index.js');
}

/**
 * Replaces RequestQueue.prototype.scheduleCheckPendingRequests, once. Returns false (and changes
 * nothing) when kafkajs no longer looks like 2.2.x, so a future kafkajs is never patched blindly.
 */
export function applyKafkajsRequestQueueFix(): boolean {
  const RequestQueue = kafkajsRequestQueueClass();
  const prototype = RequestQueue.prototype as RequestQueueInternals & { [APPLIED]?: true };
  if (prototype[APPLIED]) return true;
  const original = prototype.scheduleCheckPendingRequests;
  if (typeof original !== 'function' || !/throttledUntil\s*-\s*Date\.now\(\)/.test(String(original))) return false;
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  prototype[APPLIED] = true;
  return true;
}
