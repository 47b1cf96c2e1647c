// The analyst schema's columns are the snake_case spelling of the pipeline's camelCase fields, so
// one mechanical mapping serves every table and no column list is written twice.

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function toColumns(row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[snakeCase(key)] = value;
  return out;
}

export function fromColumns<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[camelCase(key)] = value;
  return out as T;
}
