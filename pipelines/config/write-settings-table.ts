// `npm run docs:settings`: rewrites the README's configuration table from run-settings.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderSettingsTable, SETTINGS_TABLE_MARKERS } from './run-settings.ts';

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The README with its table between the markers replaced by `table`. */
export function withSettingsTable(readme: string, table: string): string {
  const [open, close] = SETTINGS_TABLE_MARKERS;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start === -1 || end < start) throw new Error(`README.md has no ${open} … ${close} section`);
  return `${readme.slice(0, start + open.length)}\n${table}\n${readme.slice(end)}`;
}

if (import.meta.main) {
  await writeFile(README, withSettingsTable(await readFile(README, 'utf8'), renderSettingsTable()));
  process.stdout.write('README.md: configuration table rewritten\n');
}
