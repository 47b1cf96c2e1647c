// Canonical forms of contact and identity values. Masks and tokens share them so that the same
// number written two ways ("+86 139-1234-5678" / "13912345678") masks and tokenises identically —
// cross-customer pattern detection joins on tokens, so a formatting difference must not hide a match.

/** NFKC folds full-width digits and letters (１３９, ＠) that Chinese input methods produce. */
function fold(value: string): string {
  return value.normalize('NFKC');
}

/** Mobile: separators and the +86 / 0086 country prefix removed. */
export function normaliseMobile(value: string): string {
  const compact = fold(value).replace(/[\s\-().]/g, '');
  if (compact.startsWith('+86')) return compact.slice(3);
  if (compact.startsWith('0086')) return compact.slice(4);
  // A bare "86" is only a country code when what follows is a full 11-digit mobile.
  if (/^861\d{10}$/.test(compact)) return compact.slice(2);
  return compact;
}

/** ID number: whitespace removed, check character X uppercased. */
export function normaliseIdNumber(value: string): string {
  return fold(value).replace(/\s/g, '').toUpperCase();
}

/** Bank account: digits only, so grouping spaces or dashes never split one account into two. */
export function normaliseBankAccount(value: string): string {
  return fold(value).replace(/\D/g, '');
}

export function normaliseEmail(value: string): string {
  return fold(value).trim().toLowerCase();
}

/** Names and addresses: whitespace carries no meaning in Chinese text ("张 伟" is 张伟). */
export function normaliseText(value: string): string {
  return fold(value).replace(/\s/g, '').toLowerCase();
}

/** Record identifiers (customerId, policyId, agentId) are exact keys: only stray padding goes. */
export function normaliseIdentifier(value: string): string {
  return value.trim();
}
