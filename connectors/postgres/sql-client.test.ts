// Which failures of the state store are an outage to wait out (the server down, restarting,
// refusing connections, a connection cut) and which are the request's own (retrying would fail
// the same way), and how a run that cannot open the store at start says so.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../pipelines/errors.ts';
import { classifyStateFailure, createSqlClient, poolConnection, SESSION_OPTIONS, stateOpenFailure } from './sql-client.ts';

const withCode = (code: string, message = 'synthetic') => Object.assign(new Error(message), { code });

describe('classifyStateFailure', () => {
  it.each([
    ['ECONNREFUSED', 'ECONNREFUSED'],
    ['ECONNRESET', 'ECONNRESET'],
    ['ETIMEDOUT', 'ETIMEDOUT'],
    ['57P01', 'SQLSTATE 57P01'], // admin_shutdown: the server is stopping
    ['57P02', 'SQLSTATE 57P02'], // crash_shutdown
    ['57P03', 'SQLSTATE 57P03'], // cannot_connect_now: starting up, in recovery
    ['08000', 'SQLSTATE 08000'], // connection_exception
    ['08001', 'SQLSTATE 08001'],
    ['08006', 'SQLSTATE 08006'], // connection_failure
    ['40001', 'SQLSTATE 40001'],
    ['40P01', 'SQLSTATE 40P01'],
    ['53300', 'SQLSTATE 53300'], // too_many_connections
  ])('%s is retriable', (code, label) => {
    expect(classifyStateFailure(withCode(code))).toEqual({ retriable: true, label });
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    // pg-pool: no connection could be checked out in time.
    'timeout exceeded when trying to connect',
  ])('pg’s "%s" is retriable', (message) => {
    expect(classifyStateFailure(new Error(message))).toEqual({ retriable: true, label: 'connection lost' });
  });

  it.each([
    ['28P01', 'SQLSTATE 28P01'], // wrong password
    ['3D000', 'SQLSTATE 3D000'], // no such database
    ['42P01', 'SQLSTATE 42P01'],
    ['23505', 'SQLSTATE 23505'],
    ['22P05', 'SQLSTATE 22P05'],
  ])('%s is not', (code, label) => {
    expect(classifyStateFailure(withCode(code))).toEqual({ retriable: false, label });
  });

  it('never labels with the server’s message (it may quote values)', () => {
    expect(classifyStateFailure(withCode('23505', 'Key (mobile)=(13912345678) already exists')).label).toBe('SQLSTATE 23505');
    expect(classifyStateFailure(new TypeError('13912345678')).label).toBe('TypeError');
  });
});

describe('poolConnection', () => {
  it('gives the session options beside a URL without options of its own, and leaves the URL as it is', () => {
    const url = 'postgres://verity:s%40cret@db.example:5432/verity?sslmode=require';
    expect(poolConnection(url)).toEqual({ connectionString: url, options: SESSION_OPTIONS });
  });

  it("puts the session options ahead of a URL's own, inside the URL (pg takes the URL's over the config's), and changes nothing else", () => {
    const text = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(text, fc.dictionary(fc.constantFrom('sslmode', 'application_name', 'sslrootcert', 'x'), text), (given, others) => {
        const url = new URL('postgres://verity:s%40cret@db.example:5432/verity');
        for (const [k, v] of Object.entries(others)) url.searchParams.set(k, v);
        url.searchParams.set('options', given);
        const result = poolConnection(url.href);
        expect(result.options).toBeUndefined();
        const merged = new URL(result.connectionString);
        expect(merged.searchParams.get('options')).toBe(`${SESSION_OPTIONS} ${given}`);
        for (const [k, v] of Object.entries(others)) expect(merged.searchParams.get(k)).toBe(v);
        expect([merged.username, merged.password, merged.host, merged.pathname]).toEqual(['verity', 's%40cret', 'db.example:5432', '/verity']);
      }),
    );
  });
});

describe('a PostgreSQL server nobody listens for', () => {
  it('fails a query as a retriable outage, naming no password', async () => {
    // Port 1 on loopback: nothing listens there, the kernel refuses at once.
    const client = await createSqlClient({ kind: 'server', url: 'postgres://u:unit-secret@127.0.0.1:1/x' });
    try {
      const failure = await client.query('SELECT 1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StoreError);
      expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true, message: 'state store: query failed: ECONNREFUSED' });
      const inTransaction = await client.transaction(async (tx) => tx.query('SELECT 1')).catch((error: unknown) => error);
      expect(inTransaction).toMatchObject({ retriable: true, message: 'state store: connecting failed: ECONNREFUSED' });
    } finally {
      await client.close();
    }
  });
});

describe('stateOpenFailure', () => {
  const server = { kind: 'server', url: 'postgres://verity:unit-secret@db.example:6543/quality' } as const;

  it('names the store without its password, and the settings that fix it', () => {
    const error = stateOpenFailure(server, new StoreError('STORE_UNAVAILABLE', 'state store: connecting failed: SQLSTATE 28P01'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('STORE_UNAVAILABLE');
    expect((error as StoreError).retriable).toBe(false);
    expect((error as Error).message).toMatch(
      /^cannot open the state store, PostgreSQL at db\.example:6543\/quality: state store: connecting failed: SQLSTATE 28P01\. Check .*--state postgres:\/\/… \(env VERITY_STATE_URL, config key state\)$/,
    );
    expect((error as Error).message).not.toContain('unit-secret');
  });

  it('leaves usage errors, other failures and the embedded store as they are', () => {
    const usage = new ConfigError('data/pg', 'in use by process 1');
    expect(stateOpenFailure(server, usage)).toBe(usage);
    const migration = new StoreError('MIGRATION_FAILED', 'state schema migration 2 failed');
    expect(stateOpenFailure(server, migration)).toBe(migration);
    const embedded = new StoreError('STORE_UNAVAILABLE', 'state store: opening failed');
    expect(stateOpenFailure({ kind: 'embedded', path: 'data/pg' }, embedded)).toBe(embedded);
    const plain = new Error('bug');
    expect(stateOpenFailure(server, plain)).toBe(plain);
  });
});
