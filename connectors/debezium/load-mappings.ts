// Loads Debezium mapping files (one YAML file, or every .yaml/.yml in a folder), collecting every
// problem across files before failing, and rejects mappings that could claim the same event.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readYamlFile } from '../../pipelines/config/yaml-file.ts';
import { DefinitionError } from '../../pipelines/errors.ts';
import { MappingFile, type DebeziumMapping } from './mapping-file.ts';

/** The shipped example (legacy-crm.yaml); real deployments point VERITY_MAPPINGS at their own folder. */
export const EXAMPLE_MAPPINGS_DIR = fileURLToPath(new URL('./mappings', import.meta.url));

async function yamlFilesIn(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new DefinitionError('MAPPING_INVALID', [`${path}: cannot read mappings (${(cause as Error).message})`]);
  });
  if (info.isFile()) return [path];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) throw new DefinitionError('MAPPING_INVALID', [`${path}: no .yaml mapping files in this folder`]);
  return names.map((n) => join(path, n));
}

type Match = DebeziumMapping['match'];

/** Two matches overlap when one event could satisfy both; an unset db/schema matches any. */
function overlap(a: Match, b: Match): boolean {
  const same = (x: string | undefined, y: string | undefined) => x === undefined || y === undefined || x === y;
  return a.name === b.name && a.table === b.table && same(a.db, b.db) && same(a.schema, b.schema);
}

/** Throws DefinitionError('MAPPING_INVALID') listing every `file:line: message` problem. */
export async function loadMappings(dirOrFile: string): Promise<DebeziumMapping[]> {
  const problems: string[] = [];
  const loaded: { mapping: DebeziumMapping; at: (key: string) => string }[] = [];
  for (const file of await yamlFilesIn(dirOrFile)) {
    const parsed = await readYamlFile(file, MappingFile);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const mapping = parsed.value;
    const at = (key: string) => `${file}:${parsed.lineAt([key])}`;
    for (const other of loaded) {
      if (other.mapping.name === mapping.name) {
        problems.push(`${at('mapping')}: mapping name ${mapping.name} is already used at ${other.at('mapping')}`);
      }
      if (overlap(other.mapping.match, mapping.match)) {
        problems.push(
          `${at('match')}: matches the same Debezium source (name ${mapping.match.name}, table ${mapping.match.table}) ` +
            `as mapping ${other.mapping.name} at ${other.at('match')}; give them different db/schema or merge them`,
        );
      }
    }
    loaded.push({ mapping, at });
  }
  if (problems.length > 0) throw new DefinitionError('MAPPING_INVALID', problems);
  return loaded.map((l) => l.mapping);
}
