// `npm run schema:generate`: writes the contract's JSON Schemas for producers. The files are
// committed; json-schema.test.ts fails when they no longer match the zod contract.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SCHEMA_DIR, contractJsonSchemas, renderJsonSchema } from './json-schema.ts';

await mkdir(SCHEMA_DIR, { recursive: true });
for (const { file, schema } of contractJsonSchemas()) {
  const path = join(SCHEMA_DIR, file);
  await writeFile(path, renderJsonSchema(schema), 'utf8');
  process.stdout.write(`wrote ${relative(process.cwd(), path)}\n`);
}
