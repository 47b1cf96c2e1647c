// Whether a failed call to the brokers may succeed if made again. kafkajs retries each request a
// few times itself and then gives up with KafkaJSNumberOfRetriesExceeded, which it flags as not
// retriable; but a broker that restarts takes longer than those few tries, and kafkajs's own
// consumer restarts on exactly that error. So: retriable when kafkajs says so, or when it only ran
// out of tries on an error it would have retried.
//
// Retriers nest in kafkajs (a producer's send around the broker pool's connect): when the inner
// one runs out, the outer one sees its KafkaJSNumberOfRetriesExceeded, which is not retriable, and
// wraps it in a KafkaJSNonRetriableError whose cause is the connection error. That is still only a
// broker that did not answer in time, so the original cause decides, as it does for kafkajs's
// consumer restarts.
import { PublishError } from '../../pipelines/errors.ts';

interface KafkaJsLike {
  readonly name?: string;
  readonly type?: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

/** `error`, then its cause, its cause's cause, … (at most 10 deep: a cycle must not hang). */
function* causeChain(error: unknown): Generator<KafkaJsLike> {
  let current = error as KafkaJsLike | undefined;
  for (let depth = 0; depth <= 10 && current; depth++, current = current.cause as KafkaJsLike | undefined) yield current;
}

function rootCause(error: unknown): KafkaJsLike {
  let root: KafkaJsLike = {};
  for (const e of causeChain(error)) root = e;
  return root;
}

export function isTransientKafkaFailure(error: unknown): boolean {
  const e = (error ?? {}) as KafkaJsLike;
  if (e.name === 'KafkaJSNumberOfRetriesExceeded') return rootCause(e).retriable !== false;
  if (e.name === 'KafkaJSNonRetriableError') return rootCause(e).retriable === true;
  return e.retriable === true;
}

/** A short label for logs and /readyz: the kafkajs error name and protocol type, no message. */
export function kafkaFailureLabel(error: unknown): string {
  const root = rootCause(error);
  const outer = (error ?? {}) as KafkaJsLike;
  return [outer.name, root !== outer ? root.name : undefined, root.type].filter(Boolean).join(' ') || 'Error';
}

/**
 * What a failed call to the brokers is thrown as: a PublishError carrying the retriable flag, or a
 * protocol answer such as REBALANCE_IN_PROGRESS as it came (the caller's to handle).
 */
export function brokerFailure(what: string, cause: unknown): unknown {
  if ((cause as KafkaJsLike).type !== undefined && !isTransientKafkaFailure(cause)) return cause;
  return new PublishError('PUBLISH_FAILED', `${what} failed: ${kafkaFailureLabel(cause)}`, { cause, retriable: isTransientKafkaFailure(cause) });
}

/** Runs a call to the brokers; its failure becomes a PublishError carrying the retriable flag. */
export async function brokerCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw brokerFailure(what, cause);
  }
}

/**
 * The broker no longer agrees with an idempotent producer on its id, epoch or sequence numbers.
 * kafkajs flags these not retriable, and with the same producer they are not; a new producer id
 * starts the numbers afresh.
 */
const PRODUCER_STATE_FAILURES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

export function isProducerStateFailure(error: unknown): boolean {
  for (const e of causeChain(error)) if (e.type !== undefined && PRODUCER_STATE_FAILURES.has(e.type)) return true;
  return false;
}
