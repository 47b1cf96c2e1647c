// The small SQL scenario both PostgreSQL smoke tests run, once on a real server (pg) and once on
// PGlite, as Verity's state store will run one set of SQL on either: a table, a committed and a
// rolled-back transaction, an upsert. Needs one session (a pg PoolClient or Client, or a PGlite).
export interface SqlSession {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface SmokeRow {
  id: number;
  state: string;
  seen: number;
}

/** Creates `smoke_issue` and leaves exactly the rows {@link EXPECTED_ROWS} in it. */
export async function writeSmokeRows(db: SqlSession): Promise<void> {
  await db.query(`CREATE TABLE smoke_issue (
    id integer PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('open', 'closed')),
    seen integer NOT NULL DEFAULT 1,
    details jsonb NOT NULL DEFAULT '{}'::jsonb
  )`);

  await db.query('BEGIN');
  await db.query('INSERT INTO smoke_issue (id, state) VALUES ($1, $2), ($3, $4)', [1, 'open', 2, 'open']);
  await db.query('COMMIT');

  await db.query('BEGIN');
  await db.query('INSERT INTO smoke_issue (id, state) VALUES ($1, $2)', [3, 'open']);
  await db.query('UPDATE smoke_issue SET state = $1 WHERE id = $2', ['closed', 1]);
  await db.query('ROLLBACK');

  await db.query(
    `INSERT INTO smoke_issue (id, state, details) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (id) DO UPDATE SET seen = smoke_issue.seen + 1, details = smoke_issue.details || EXCLUDED.details`,
    [2, 'open', JSON.stringify({ rule: 'email-format' })],
  );
}

export async function readSmokeRows(db: SqlSession): Promise<SmokeRow[]> {
  const { rows } = await db.query('SELECT id, state, seen FROM smoke_issue ORDER BY id');
  return rows as SmokeRow[];
}

export const EXPECTED_ROWS: readonly SmokeRow[] = [
  { id: 1, state: 'open', seen: 1 },
  { id: 2, state: 'open', seen: 2 },
];
