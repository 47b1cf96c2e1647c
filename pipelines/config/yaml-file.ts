// Reads a YAML definition file and validates it with a zod schema, reporting every problem as
// `file:line: path: message` so an author can jump straight to it.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isCollection, type Document } from 'yaml';
import type { z } from 'zod';

export type YamlResult<T> =
  | { ok: true; value: T; lineAt: (path: readonly PropertyKey[]) => number }
  | { ok: false; problems: string[] };

export function lineOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number {
  // Walk up the path until a node exists: a missing key is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
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
        return `${file}:${lineOf(document, lineCounter, issue.path)}: ${where}${issue.message}`;
      }),
    };
  }
  return { ok: true, value: parsed.data, lineAt: (path) => lineOf(document, lineCounter, path) };
}

export async function readYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<YamlResult<z.infer<S>>> {
  return parseYamlText(await readFile(file, 'utf8'), file, schema);
}
