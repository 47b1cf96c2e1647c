// The built-in pack without its pattern rules (patterns.yaml), next to which the bench measures
// what the pattern rules cost end to end.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_RULES_DIR } from '../../rules/engine/load-rule-pack.ts';

const PATTERNS_FILE = 'patterns.yaml';

/** Copies the built-in pack into `dir`, every file but patterns.yaml; returns `dir`. */
export async function writePackWithoutPatterns(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(BUILTIN_RULES_DIR)) {
    if (name !== PATTERNS_FILE) await copyFile(join(BUILTIN_RULES_DIR, name), join(dir, name));
  }
  return dir;
}
