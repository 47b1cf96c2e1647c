// The reveal vault's table (migration 4), apart from migrations.ts so that vault-store.ts and
// migrations.ts do not import each other.
export const vaultMigrationSql = (S: string): string => `
  -- Raw contact data of customers with an active issue, sealed (AES-256-GCM, bound to the token);
  -- the masked contact beside it for the issue detail. Nothing else in this store is raw.
  CREATE TABLE ${S}.vault (
    customer_token text PRIMARY KEY,
    tier text NOT NULL,
    source text NOT NULL,
    masked jsonb NOT NULL,
    sealed text NOT NULL,
    key_id text NOT NULL,
    event_id text NOT NULL,
    updated_at text NOT NULL
  );
`;
