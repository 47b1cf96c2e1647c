// Reads a YAML definition file and validates it with a zod schema, reporting every problem as
// `file:line: path: message` so an author can jump straight to it.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isCollection, isMap, isScalar, type Document } from 'yaml';
import type { z } from 'zod';

export type YamlResult<T> =
  | { ok: true; value: T; lineAt: (path: readonly PropertyKey[], options?: LineOptions) => number }
  | { ok: false; problems: string[] };

export interface LineOptions {
  /** The path's last segment names a key: report the key's own line, not its value's. */
  readonly key?: boolean;
}

/** The line of the key `path[-1]` in the mapping at `path[..-1]`, if that key is there. */
function keyLineOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  const parent = document.getIn(path.slice(0, -1) as unknown[], true);
  if (!isMap(parent)) return undefined;
  // zod names keys as strings; YAML may have parsed `2:` as a number.
  const name = String(path.at(-1));
  const pair = parent.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === name);
  const range = (pair?.key as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

/** Where a zod issue belongs: an unrecognized key at that key's line, anything else at its path. */
export function issueLocation(issue: z.core.$ZodIssue): { path: readonly PropertyKey[]; options: LineOptions } {
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    return { path: [...issue.path, issue.keys[0]], options: { key: true } };
  }
  return { path: issue.path, options: {} };
}

export function lineOf(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  options: LineOptions = {},
): number {
  // A key that is not in the document (or a non-map parent) falls back to its parent's node.
  const keyLine = options.key && path.length > 0 ? keyLineOf(document, lineCounter, path) : undefined;
  if (keyLine !== undefined) return keyLine;
  // Walk up the path until a node exists: a missing key is reported at its parent.
  for (let depth = options.key ? path.length - 1 : path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    if (depth === 0 && isCollection(document.contents) && document.contents.range) {
      return lineCounter.linePos(document.contents.range[0]).line;
    }
  }
  return 1;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S): YamlResult<z.infer<S>> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((e) => `${file}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    };
  }
  const parsed = schema.safeParse(document.toJS());
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const where = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
        const { path, options } = issueLocation(issue);
        return `${file}:${lineOf(document, lineCounter, path, options)}: ${where}${issue.message}`;
      }),
    };
  }
  return { ok: true, value: parsed.data, lineAt: (path, options) => lineOf(document, lineCounter, path, options) };
}

export async function readYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<YamlResult<z.infer<S>>> {
  return parseYamlText(await readFile(file, 'utf8'), file, schema);
}
