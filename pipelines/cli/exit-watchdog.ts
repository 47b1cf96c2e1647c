// When a command has finished, the code that opened each handle has closed it (store client,
// Kafka clients, metrics endpoint, SLA clock, files) and Node exits at once. This is the last
// resort for a handle that was missed anyway, e.g. a kafkajs client reconnecting behind our back
// (issue 6, section 5): the process exits with the status the command chose instead of lingering,
// and says which kinds of resources were still active, so the leak can be found and closed
// where it belongs. Kinds only (TCPSocketWrap, Timeout, …): nothing that could carry data.
import { createLogger } from '../runtime/logger.ts';

/** A clean exit takes a few hundred ms even on a loaded 2-CPU machine; `--once` promises 2 s. */
export const EXIT_WATCHDOG_MS = 1000;

export const EXIT_WATCHDOG_MESSAGE = 'the command finished but resources were still active: exiting without waiting for them';

/** Unref'd: it never keeps the process alive itself, and fires only if something else does. */
export function exitIfStillAlive(afterMs: number = EXIT_WATCHDOG_MS): void {
  setTimeout(() => {
    const stillActive: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) stillActive[kind] = (stillActive[kind] ?? 0) + 1;
    createLogger('warn').warn({ stillActive, afterMs }, EXIT_WATCHDOG_MESSAGE);
    process.exit();
  }, afterMs).unref();
}
