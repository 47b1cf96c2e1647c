// Reading many rows as one JSON value. PGlite hands every row and field through its JavaScript
// protocol parser, which costs far more than the query: a batch's 5,000 customers took 1 s over
// a run of 40,000 events, and 0.4 s as one json_agg parsed by JSON.parse. The server's `pg`
// parses one text field instead of thousands too. Column values come back as JSON represents
// them: text stays text, integers become numbers, jsonb nests (every timestamp column read this
// way is text in the schema, so nothing changes shape).
import type { SqlRunner } from './sql-client.ts';

/**
 * The rows of `select` (a query whose columns name the fields of T); `orderBy`, over its columns
 * as `x.<column>`, when their order matters (an aggregate keeps no order of its own).
 */
export async function selectRows<T>(sql: SqlRunner, select: string, params: readonly unknown[], orderBy?: string): Promise<T[]> {
  const [row] = await sql.query<{ j: string }>(`SELECT coalesce(json_agg(x${orderBy ? ` ORDER BY ${orderBy}` : ''}), '[]')::text AS j FROM (${select}) x`, params);
  return JSON.parse(row!.j) as T[];
}
