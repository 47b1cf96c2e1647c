// Converts Debezium column values (JSON converter) to the contract's types. A failure names what
// was expected, never the value: reasons are logged and stored with dead letters.
import { epochDay, fromEpochDay } from '../../pipelines/calendar/calendar-date.ts';
import type { Conversion } from './contract-targets.ts';

export type Converted =
  | { readonly ok: true; readonly value: string | number | boolean }
  | { readonly ok: false; readonly expected: string };

// JSON.parse has already rounded integers beyond 2^53 (a BIGINT account number, a DECIMAL with
// many digits); converting them would publish a plausible but wrong number, so they fail instead.
const PRECISION_LOST =
  'a number JSON can hold exactly (an integer beyond 2^53 has lost digits: have the connector emit the column as a string)';
const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;
const MAX_EXACT_DIGITS = 15;

const ok = (value: string | number | boolean): Converted => ({ ok: true, value });
const fail = (expected: string): Converted => ({ ok: false, expected });

export function convert(raw: unknown, as: Conversion): Converted {
  switch (as) {
    case 'string':
      if (typeof raw === 'string') return ok(raw);
      if (typeof raw === 'number') return isExact(raw) ? ok(String(raw)) : fail(PRECISION_LOST);
      return fail('a string or number');
    case 'number':
      if (typeof raw === 'number') return isExact(raw) ? ok(raw) : fail(PRECISION_LOST);
      // Debezium's decimal.handling.mode=string delivers DECIMAL columns as text.
      if (typeof raw === 'string' && DECIMAL.test(raw)) {
        return significantDigits(raw) <= MAX_EXACT_DIGITS ? ok(Number(raw)) : fail(PRECISION_LOST);
      }
      return fail('a number or a decimal string');
    case 'date':
      return toDate(raw);
    case 'boolean':
      if (typeof raw === 'boolean') return ok(raw);
      if (raw === 0 || raw === '0' || raw === 'false') return ok(false);
      if (raw === 1 || raw === '1' || raw === 'true') return ok(true);
      return fail('a boolean, 0/1 or "true"/"false"');
  }
}

const DATE_EXPECTED = 'a date: Debezium epoch days (io.debezium.time.Date), YYYY-MM-DD or YYYYMMDD';

function toDate(raw: unknown): Converted {
  try {
    // io.debezium.time.Date and Kafka Connect's Date are whole days since 1970-01-01.
    if (typeof raw === 'number' && Number.isInteger(raw)) return ok(fromEpochDay(raw));
    if (typeof raw === 'string') {
      // Legacy systems often keep dates as CHAR(8).
      const text = /^\d{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6)}` : raw;
      epochDay(text);
      return ok(text);
    }
  } catch {
    // RangeError from the calendar: not a real date; reported below without the value.
  }
  return fail(DATE_EXPECTED);
}

function isExact(n: number): boolean {
  return Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n));
}

function significantDigits(decimal: string): number {
  const digits = decimal.replace(/^[+-]/, '').replace('.', '');
  const trimmed = decimal.includes('.') ? digits.replace(/0+$/, '') : digits;
  return trimmed.replace(/^0+/, '').length;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/**
 * Epoch milliseconds (Debezium `ts_ms`) → `YYYY-MM-DDTHH:mm:ss.sss+08:00`. The instant is the same
 * in any offset; +08:00 matches the contract's examples and how the bank's staff read times.
 */
export function epochMillisToInstant(ms: unknown): string | undefined {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms)) return undefined;
  const shifted = new Date(ms + SHANGHAI_OFFSET_MS);
  if (Number.isNaN(shifted.getTime())) return undefined;
  const iso = shifted.toISOString();
  // Years outside 0000–9999 come out as ±YYYYYY, which is not an ISO-8601 instant the contract accepts.
  return /^\d{4}-/.test(iso) ? `${iso.slice(0, -1)}+08:00` : undefined;
}
