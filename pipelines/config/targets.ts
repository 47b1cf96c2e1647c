// Where the stores live, as the config names them. Declared here, below the connectors that open
// them (connectors/clickhouse/store-client.ts, connectors/postgres/sql-client.ts), so that the
// config can be parsed without knowing how a store is reached.

/** The analytics store: the embedded engine in a folder, or a ClickHouse server over HTTP. */
export type StoreTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly username?: string;
      readonly password?: string;
      /** One request's limit; 30 s unless configured (see DEFAULTS.storeTimeoutSeconds for why). */
      readonly requestTimeoutMs?: number;
    };

/** The operational store: PGlite in a folder, or a PostgreSQL server. */
export type StateTarget =
  /**
   * `bufferMb`: PGlite's shared_buffers, its page cache inside the process (default
   * DEFAULTS.stateBufferMb); `checkpointMb`: the WAL written between checkpoints (default
   * DEFAULTS.stateCheckpointMb).
   */
  | { readonly kind: 'embedded'; readonly path: string; readonly bufferMb?: number; readonly checkpointMb?: number }
  | { readonly kind: 'server'; readonly url: string };
