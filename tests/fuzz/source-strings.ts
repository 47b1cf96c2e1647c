// The text of every string literal in a JavaScript/TypeScript source file, with template literals
// split at their `${…}` holes. The leak check uses it to learn the fixed words a reason is built
// from, from the code that builds reasons, instead of from a list kept by hand that would drift.
// A small scanner, not a parser: enough for comments, the three quote kinds, nested templates and
// regex literals (whose quotes must not start a string).

const REGEX_BEFORE = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'in', 'of', 'new', 'delete', 'void', 'throw', 'else', 'do', 'yield', 'await']);

function unescape(raw: string): string {
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.length > 1 && (e[0] === 'u' || e[0] === 'x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

export function stringLiterals(source: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = source.length;

  const quoted = (quote: string) => {
    let raw = '';
    i++;
    while (i < n && source[i] !== quote) {
      if (source[i] === '\\') raw += source[i++];
      raw += source[i++];
    }
    i++;
    out.push(unescape(raw));
  };

  const regex = () => {
    i++;
    let inClass = false;
    while (i < n) {
      const c = source[i]!;
      if (c === '\\') i += 2;
      else if (c === '[') (inClass = true), i++;
      else if (c === ']') (inClass = false), i++;
      else if (c === '/' && !inClass) break;
      else if (c === '\n') break;
      else i++;
    }
    i++;
    while (i < n && /[a-z]/.test(source[i]!)) i++;
  };

  const template = () => {
    let raw = '';
    i++;
    while (i < n) {
      const c = source[i]!;
      if (c === '\\') {
        raw += source.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        i++;
        break;
      } else if (c === '$' && source[i + 1] === '{') {
        out.push(unescape(raw));
        raw = '';
        i += 2;
        code('}');
      } else {
        raw += c;
        i++;
      }
    }
    out.push(unescape(raw));
  };

  /** Code up to an unmatched `until` (a template hole's closing brace), or to the end. */
  const code = (until?: '}') => {
    let depth = 0;
    let last = '';
    let word = '';
    while (i < n) {
      const c = source[i]!;
      if (c === '/' && source[i + 1] === '/') {
        while (i < n && source[i] !== '\n') i++;
      } else if (c === '/' && source[i + 1] === '*') {
        const end = source.indexOf('*/', i + 2);
        i = end === -1 ? n : end + 2;
      } else if (c === "'" || c === '"') {
        quoted(c);
        last = 'x';
        word = '';
      } else if (c === '`') {
        template();
        last = 'x';
        word = '';
      } else if (c === '/') {
        if (REGEX_BEFORE.has(last) || REGEX_AFTER_WORD.has(word)) regex();
        else i++;
        last = c === '/' && (REGEX_BEFORE.has(last) || REGEX_AFTER_WORD.has(word)) ? 'x' : '/';
        word = '';
      } else if (/\s/.test(c)) {
        i++;
      } else {
        if (c === '{') depth++;
        if (c === '}') {
          if (until && depth === 0) {
            i++;
            return;
          }
          depth--;
        }
        word = /[A-Za-z0-9_$]/.test(c) ? (/[A-Za-z0-9_$]/.test(last) ? word + c : c) : '';
        last = c;
        i++;
      }
    }
  };

  code();
  return out.filter((s) => s !== '');
}
