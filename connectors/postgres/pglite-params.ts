// PGlite's query parameters as bytes in PostgreSQL's binary formats (see QUERY_OPTIONS).
import type { QueryOptions } from '@electric-sql/pglite';

/**
 * How the store's thread (pglite-thread.ts) hands PGlite text, text[], json and jsonb parameters:
 * as UTF-8 bytes, which PGlite sends in PostgreSQL's binary format. A string it sends as text,
 * and first measures its UTF-8 length in a JavaScript loop over every character, twice: with a
 * unit's writes passed as JSON of a few megabytes each, that loop took 3.3 s of the thread's
 * 37.6 s busy over the bench's 75,000-customer stream (CPU profile). Buffer encodes natively. The
 * binary format of text and json is the UTF-8 text itself; jsonb's is a version byte (1) before
 * it. Oids from PostgreSQL's pg_type.dat.
 */
const TEXT_OID = 25;
const JSON_OID = 114;
const JSONB_OID = 3802;
const TEXT_ARRAY_OID = 1009;
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return value.toString();
  throw new TypeError('Invalid input for string type');
}
const jsonOf = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
/**
 * A one-dimensional text[] in PostgreSQL's binary array format (array_recv): dimensions, a null
 * flag, the element type, the length and lower bound, then each element's length (-1: null) and bytes.
 */
function textArrayBytes(value: unknown): Uint8Array {
  if (!Array.isArray(value)) throw new TypeError('Invalid input for text[]: not an array');
  const elements = value.map((e: unknown) => (e === null || e === undefined ? null : Buffer.from(textOf(e), 'utf8')));
  const header = value.length === 0 ? 12 : 20;
  const bytes = Buffer.allocUnsafe(header + elements.reduce((n, e) => n + 4 + (e?.length ?? 0), 0));
  bytes.writeInt32BE(value.length === 0 ? 0 : 1, 0);
  bytes.writeInt32BE(elements.includes(null) ? 1 : 0, 4);
  bytes.writeInt32BE(TEXT_OID, 8);
  if (value.length > 0) {
    bytes.writeInt32BE(value.length, 12);
    bytes.writeInt32BE(1, 16);
  }
  let at = header;
  for (const e of elements) {
    at = bytes.writeInt32BE(e === null ? -1 : e.length, at);
    if (e !== null) at += e.copy(bytes, at);
  }
  return bytes;
}

const BINARY_TEXT_SERIALIZERS: Readonly<Record<number, (value: unknown) => Uint8Array>> = {
  [TEXT_OID]: (value) => Buffer.from(textOf(value), 'utf8'),
  [JSON_OID]: (value) => Buffer.from(jsonOf(value), 'utf8'),
  [TEXT_ARRAY_OID]: textArrayBytes,
  [JSONB_OID]: (value) => {
    const text = jsonOf(value);
    const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
    bytes[0] = 1;
    bytes.write(text, 1, 'utf8');
    return bytes;
  },
};
// PGlite's types say a serializer returns a string; its bind message takes any ArrayBuffer view as
// a binary parameter (pglite-thread.test.ts holds it to that).
export const QUERY_OPTIONS: QueryOptions = { serializers: BINARY_TEXT_SERIALIZERS as unknown as NonNullable<QueryOptions['serializers']> };
