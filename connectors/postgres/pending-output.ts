// A write unit's pending output as the state store keeps it (pending_outputs), from the unit's
// commit until the analytics store confirms it: written once, read back only after a crash or a
// takeover, and deleted when confirmed.
import { promisify } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { constants, deflateRaw, inflateRaw } from 'node:zlib';
import type { AnalyticsOutput } from '../../pipelines/runtime/state-store.ts';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** A pending output as any release stored it, one form per row (pending_outputs_one_form). */
export interface StoredOutput {
  /** JSON text: stores before migration 7. */
  output: string | null;
  /** Deflated JSON, base64: migrations 7 to 12. */
  output_deflated: string | null;
  /** Deflated V8 serialisation, base64: migration 13 on. */
  output_serialized: string | null;
}

/**
 * The form written now (output_serialized): V8's serialisation (node:v8, a format Node documents
 * as safe to store), deflated off the event loop at the cheapest level — it lives until the
 * analytics store confirms the unit, so size matters less than time. JSON.stringify of the same
 * output took about twice the main thread's time, and the deflate of its text half again as long
 * (README, Benchmarks). Base64 text rather than bytea: see migration 7.
 */
export async function packOutput(output: AnalyticsOutput): Promise<string> {
  return (await deflate(serialize(output), { level: constants.Z_BEST_SPEED })).toString('base64');
}

/** The output, from whichever form its row holds. */
export async function unpackOutput(row: StoredOutput): Promise<AnalyticsOutput> {
  if (row.output_serialized !== null) return deserialize(await inflate(Buffer.from(row.output_serialized, 'base64'))) as AnalyticsOutput;
  if (row.output_deflated !== null) return JSON.parse((await inflate(Buffer.from(row.output_deflated, 'base64'))).toString('utf8')) as AnalyticsOutput;
  if (row.output !== null) return JSON.parse(row.output) as AnalyticsOutput;
  throw new TypeError('a pending output row holds none of its forms');
}
