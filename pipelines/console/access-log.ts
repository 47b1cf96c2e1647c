// The access log as CSV for auditors: RFC 4180 quoting, and a leading ' before a cell a
// spreadsheet would run as a formula (= + - @), since purposes are typed by people.
import type { AccessLogEntry } from './api-schemas.ts';

const COLUMNS = ['at', 'username', 'role', 'action', 'issueId', 'customerToken', 'purpose', 'fields'] as const;

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(entries: readonly AccessLogEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const e of entries) {
    lines.push(COLUMNS.map((c) => csvCell(c === 'fields' ? e.fields.join(' ') : e[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
