import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './access-log.ts';

/** RFC 4180 parser for one line without embedded newlines, enough to read our cells back. */
function parseLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') (value += '"'), (i += 2);
        else if (line[i] === '"') break;
        else value += line[i++];
      }
      cells.push(value);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      cells.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return cells;
}

describe('the access log as CSV', () => {
  it('quotes what needs quoting and reads back as written, formulas defused', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/[\r\n]/.test(s)), (value) => {
        const [back] = parseLine(csvCell(value));
        return /^[=+\-@\t]/.test(value) ? back === `'${value}` : back === value;
      }),
    );
  });

  it('has a header and one line per entry', () => {
    const csv = toCsv([
      { id: '1', at: '2026-10-01T00:00:00.000Z', username: 'anna', role: 'steward', action: 'reveal', issueId: 'i1', customerToken: 'c1', purpose: '=HYPERLINK("x")', fields: ['name', 'mobile'] },
    ]);
    expect(csv).toBe('at,username,role,action,issueId,customerToken,purpose,fields\r\n2026-10-01T00:00:00.000Z,anna,steward,reveal,i1,c1,"\'=HYPERLINK(""x"")",name mobile\r\n');
  });
});
