// The reveal vault's key (secret-key.ts): VERITY_VAULT_KEY, else the vault key file. Every process
// that fills or reads the vault (`verity run`, `verity console`) must use the same one.
import { loadSecretKey, type SecretKeySource } from './secret-key.ts';
import { VaultCipher } from './vault-crypto.ts';

export const VAULT_KEY_ENV = 'VERITY_VAULT_KEY';
export const VAULT_KEY_FILE_ENV = 'VERITY_VAULT_KEY_FILE';

export async function loadVaultCipher(source: SecretKeySource): Promise<VaultCipher> {
  return new VaultCipher(await loadSecretKey(source, { env: VAULT_KEY_ENV, fileEnv: VAULT_KEY_FILE_ENV, what: 'vault key' }));
}
