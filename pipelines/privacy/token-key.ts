// The tokenisation key (secret-key.ts): VERITY_TOKEN_KEY, else the token key file.
import { decodeSecretKey, loadSecretKey, type SecretKeyNames, type SecretKeySource } from './secret-key.ts';

export { ConfigError } from './secret-key.ts';

export const TOKEN_KEY_ENV = 'VERITY_TOKEN_KEY';
export const TOKEN_KEY_FILE_ENV = 'VERITY_TOKEN_KEY_FILE';
const NAMES: SecretKeyNames = { env: TOKEN_KEY_ENV, fileEnv: TOKEN_KEY_FILE_ENV, what: 'token key' };

export type TokenKeySource = SecretKeySource;
export const decodeTokenKey = decodeSecretKey;

export function loadTokenKey(source: TokenKeySource): Promise<Buffer> {
  return loadSecretKey(source, NAMES);
}
