// Where a secret key comes from (the tokenisation key, the vault key): a key given in the
// environment, else a key file created on first use. Tokens are only comparable under one key and
// sealed vault values only open under theirs, so a key must survive restarts (the file) or be shared
// by all instances (the variable). It is a secret, so it never appears in an error message or log,
// and a key file anyone else can read is refused.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';
import { MIN_TOKEN_KEY_BYTES } from './tokens.ts';

export { ConfigError };

/** What a key is called where an error names it: its variables and its name for people. */
export interface SecretKeyNames {
  readonly env: string;
  readonly fileEnv: string;
  /** e.g. 'token key', 'vault key' */
  readonly what: string;
}

const GENERATED_KEY_BYTES = 32;

export interface SecretKeySource {
  /** The value of the key's variable, if set. Blank counts as unset (compose files often pass ''). */
  readonly keyHex?: string | undefined;
  /** Used when no explicit key is given; created on first run. */
  readonly keyFile: string;
}

const ALLOWED = `at least ${MIN_TOKEN_KEY_BYTES} bytes, written as hex (${MIN_TOKEN_KEY_BYTES * 2}+ hex digits) or base64`;

/**
 * Decodes hex (preferred: a string of hex digits is read as hex even though it is also valid
 * base64) or standard/URL-safe base64. Returns undefined when the text is neither or too short.
 */
export function decodeSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) {
    key = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0) {
    key = Buffer.from(value, 'base64');
  } else if (/^[A-Za-z0-9_-]+$/.test(value)) {
    key = Buffer.from(value, 'base64url');
  }
  return key !== undefined && key.length >= MIN_TOKEN_KEY_BYTES ? key : undefined;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

async function readKeyFile(keyFile: string, names: SecretKeyNames): Promise<Buffer | undefined> {
  let mode: number;
  try {
    const info = await stat(keyFile);
    if (!info.isFile()) throw new ConfigError(names.fileEnv, `${names.what} file ${keyFile} is not a regular file`);
    mode = info.mode;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(names.fileEnv, `cannot inspect ${names.what} file ${keyFile}`, { cause: error });
  }
  // POSIX permissions mean nothing on Windows; there the directory's ACL has to do.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new ConfigError(
      names.fileEnv,
      `${names.what} file ${keyFile} has mode ${octal}: group or others may access it; run chmod 600 on it`,
    );
  }
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    throw new ConfigError(names.fileEnv, `cannot read ${names.what} file ${keyFile}`, { cause: error });
  }
  const key = decodeSecretKey(text);
  if (key === undefined) throw new ConfigError(names.fileEnv, `${names.what} file ${keyFile} must hold a key of ${ALLOWED}`);
  return key;
}

/** Writes a fresh key as hex, so an operator can copy it into VERITY_TOKEN_KEY for other hosts. */
async function createKeyFile(keyFile: string, names: SecretKeyNames): Promise<Buffer | undefined> {
  const key = randomBytes(GENERATED_KEY_BYTES);
  // Written aside and linked into place: another instance starting at the same moment sees either
  // no file or a complete one, and if it won the race its key is used instead of overwriting it.
  const pending = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    await writeFile(pending, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await link(pending, keyFile);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    throw new ConfigError(names.fileEnv, `cannot create ${names.what} file ${keyFile}`, { cause: error });
  } finally {
    await rm(pending, { force: true });
  }
  return key;
}

/**
 * A secret key: the variable's value when set, else the key file, created (mode 0600, parent
 * directories included) with 32 random bytes when missing and reused on later runs.
 */
export async function loadSecretKey(source: SecretKeySource, names: SecretKeyNames): Promise<Buffer> {
  const explicit = source.keyHex?.trim();
  if (explicit !== undefined && explicit !== '') {
    const key = decodeSecretKey(explicit);
    if (key === undefined) {
      throw new ConfigError(names.env, `must be ${ALLOWED}; the value given (${explicit.length} characters) is not`);
    }
    return key;
  }
  const existing = await readKeyFile(source.keyFile, names);
  if (existing !== undefined) return existing;
  const created = await createKeyFile(source.keyFile, names);
  if (created !== undefined) return created;
  const raced = await readKeyFile(source.keyFile, names);
  if (raced === undefined) throw new ConfigError(names.fileEnv, `${names.what} file ${source.keyFile} vanished while being created`);
  return raced;
}
