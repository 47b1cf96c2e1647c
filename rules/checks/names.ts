// Name comparison for holder checks: upstream systems differ in full-width characters, spaces and
// the separator dot in transliterated minority and foreign names (阿依古丽·买买提).

// After NFKC the full-width dot is an ASCII '.'.
const NAME_DOTS = /[.·•・‧∙⋅]/gu;

export function normalizeName(name: string): string {
  return name.normalize('NFKC').replace(NAME_DOTS, '·').replace(/\s+/gu, '').toLowerCase();
}

export function namesEqual(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

/** Present and not only whitespace (full-width spaces included). */
export function hasText(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
