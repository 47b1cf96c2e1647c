import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skipWhen } from '../../tests/support/skips.ts';
import { ConfigError, decodeTokenKey, loadTokenKey } from './token-key.ts';

const posix = process.platform !== 'win32';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verity-token-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadTokenKey with an explicit key', () => {
  const key = randomBytes(32);
  const keyFile = () => join(dir, 'never-created', 'token.key');

  it('accepts hex and base64 and touches no file', async () => {
    expect(await loadTokenKey({ keyHex: key.toString('hex'), keyFile: keyFile() })).toEqual(key);
    expect(await loadTokenKey({ keyHex: key.toString('hex').toUpperCase(), keyFile: keyFile() })).toEqual(key);
    expect(await loadTokenKey({ keyHex: key.toString('base64'), keyFile: keyFile() })).toEqual(key);
    expect(await loadTokenKey({ keyHex: key.toString('base64url'), keyFile: keyFile() })).toEqual(key);
    await expect(stat(keyFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a short or garbled key without echoing it', async () => {
    for (const bad of ['0123456789abcdef0123456789abcdef', 'not a key at all: xyzzy-secret-value', key.toString('base64').slice(0, 30)]) {
      const error = await configErrorOf(loadTokenKey({ keyHex: bad, keyFile: keyFile() }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('VERITY_TOKEN_KEY');
      expect(error.message).toMatch(/32 bytes.*hex.*base64/);
      expect(error.message).not.toContain(bad);
      expect(error.message).not.toContain(bad.slice(0, 8));
    }
  });

  it('treats a blank value as unset', async () => {
    const loaded = await loadTokenKey({ keyHex: '  ', keyFile: keyFile() });
    expect(loaded).toHaveLength(32);
  });
});

describe('loadTokenKey with a key file', () => {
  it('creates the file (and its directory) with 32 random bytes, mode 0600', async () => {
    const keyFile = join(dir, 'nested', 'state', 'token.key');
    const key = await loadTokenKey({ keyFile });
    expect(key).toHaveLength(32);
    expect(decodeTokenKey(await readFile(keyFile, 'utf8'))).toEqual(key);
    if (posix) expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('reuses the file on later runs', async () => {
    const keyFile = join(dir, 'token.key');
    const first = await loadTokenKey({ keyFile });
    const second = await loadTokenKey({ keyFile, keyHex: undefined });
    expect(second).toEqual(first);
  });

  it('agrees with itself when several instances start at once', async () => {
    const keyFile = join(dir, 'token.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadTokenKey({ keyFile })));
    for (const key of keys) expect(key).toEqual(await loadTokenKey({ keyFile }));
  });

  it('refuses a key file group or others can read', skipWhen(!posix, 'file modes are POSIX-only'), async () => {
    const keyFile = join(dir, 'token.key');
    await loadTokenKey({ keyFile });
    await chmod(keyFile, 0o644);
    const error = await configErrorOf(loadTokenKey({ keyFile }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('644');
    expect(error.message).toContain('chmod 600');
  });

  it('refuses a key file holding no usable key, without echoing its content', async () => {
    const keyFile = join(dir, 'token.key');
    await writeFile(keyFile, 'short-secret-content\n', { mode: 0o600 });
    const error = await configErrorOf(loadTokenKey({ keyFile }));
    expect(error.message).toContain(keyFile);
    expect(error.message).not.toContain('short-secret-content');
  });

  it('reports an unusable location as a configuration error with its cause', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, '');
    const error = await configErrorOf(loadTokenKey({ keyFile: join(blocker, 'token.key') }));
    expect(error.cause).toBeDefined();
  });
});
