import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, lineOf, parseYamlText } from './yaml-file.ts';

const Schema = z.strictObject({
  name: z.string(),
  inner: z
    .strictObject({
      size: z.number().int(),
      nested: z.strictObject({ flag: z.boolean() }).optional(),
    })
    .optional(),
  list: z.array(z.strictObject({ code: z.string() })).optional(),
  codes: z.record(z.string(), z.string()).optional(),
});

function problemsOf(text: string): string[] {
  const result = parseYamlText(text, 'f.yaml', Schema);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('parseYamlText', () => {
  it('returns the value and a lineAt for valid text', () => {
    const result = parseYamlText('name: a\ninner:\n  size: 3\nlist:\n  - code: x\n  - code: y\n', 'f.yaml', Schema);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.value).toEqual({ name: 'a', inner: { size: 3 }, list: [{ code: 'x' }, { code: 'y' }] });
    expect(result.lineAt(['name'])).toBe(1);
    expect(result.lineAt(['inner', 'size'])).toBe(3);
    expect(result.lineAt(['list', 1, 'code'])).toBe(6);
    // A missing key is reported at its parent's node.
    expect(result.lineAt(['inner', 'absent'])).toBe(3);
    // key: true reports the key itself, e.g. `inner:` rather than its block's first line.
    expect(result.lineAt(['inner'], { key: true })).toBe(2);
    expect(result.lineAt(['inner', 'absent'], { key: true })).toBe(3);
  });

  it('reports an unrecognized key at the key\'s own line, not its parent\'s', () => {
    // Before the fix these were reported at lines 3 (the `inner` block) and 1 (the document).
    expect(problemsOf('name: a\ninner:\n  size: 3\n  colour: red\n')).toEqual(['f.yaml:4: inner: Unrecognized key: "colour"']);
    expect(problemsOf('name: a\nextra:\n  deep: 1\n')).toEqual(['f.yaml:2: Unrecognized key: "extra"']);
    expect(problemsOf('name: a\ninner:\n  size: 3\n  nested:\n    flag: true\n    flg: false\n')).toEqual([
      'f.yaml:6: inner.nested: Unrecognized key: "flg"',
    ]);
    expect(problemsOf('name: a\nlist:\n  - code: x\n  - code: y\n    cod: z\n')).toEqual(['f.yaml:5: list[1]: Unrecognized key: "cod"']);
  });

  it('reports several unknown keys at the first one\'s line, naming them all', () => {
    expect(problemsOf('name: a\ninner:\n  size: 3\n  b1: 1\n  b2: 2\n')).toEqual(['f.yaml:4: inner: Unrecognized keys: "b1", "b2"']);
  });

  it('finds a numeric-looking unknown key', () => {
    expect(problemsOf('name: a\ninner:\n  size: 3\n  7: seven\n')).toEqual(['f.yaml:4: inner: Unrecognized key: "7"']);
  });

  it('reports type errors at the value\'s line and missing keys at the parent', () => {
    expect(problemsOf('name: a\ninner:\n  size: big\n')).toEqual([expect.stringMatching(/^f\.yaml:3: inner\.size: /)]);
    expect(problemsOf('inner:\n  size: 1\n')).toEqual([expect.stringMatching(/^f\.yaml:1: name: /)]);
    expect(problemsOf('name: a\ncodes:\n  x: 1\n  y: 2\n')).toEqual([
      expect.stringMatching(/^f\.yaml:3: codes\.x: /),
      expect.stringMatching(/^f\.yaml:4: codes\.y: /),
    ]);
  });

  it('reports YAML errors at their line', () => {
    expect(problemsOf('name: a\ninner: x: y\n')).toEqual([expect.stringMatching(/^f\.yaml:2: /)]);
    expect(problemsOf('name: a\nname: b\n')).toEqual([expect.stringMatching(/^f\.yaml:2: Map keys must be unique/)]);
  });
});

describe('lineOf', () => {
  it('falls back to the document start for an empty path', () => {
    const lineCounter = new LineCounter();
    const doc = parseDocument('\n\nname: a\n', { lineCounter });
    expect(lineOf(doc, lineCounter, [])).toBe(3);
    expect(lineOf(doc, lineCounter, ['missing'])).toBe(3);
  });
});

describe('formatPath', () => {
  it('joins keys with dots and indices with brackets', () => {
    expect(formatPath(['rules', 0, 'issue', 'deadline', 1])).toBe('rules[0].issue.deadline[1]');
    expect(formatPath([])).toBe('');
  });
});
