// Finds which raw personal values occur anywhere in a body of text (table dumps, logs, reports).
// A plain `includes` per value is quadratic at test sizes (tens of thousands of values over
// megabytes of text), so values are indexed by their first characters and the text is walked once.

export interface PiiHit {
  readonly kind: string;
  readonly value: string;
}

export function scanForRawValues(text: string, rawValues: Readonly<Record<string, readonly string[]>>, minLength = 2): PiiHit[] {
  const byPrefix = new Map<string, PiiHit[]>();
  const seen = new Set<string>();
  for (const [kind, values] of Object.entries(rawValues)) {
    for (const value of values) {
      if (value.length < minLength || seen.has(value)) continue;
      seen.add(value);
      const key = value.slice(0, minLength);
      let list = byPrefix.get(key);
      if (!list) byPrefix.set(key, (list = []));
      list.push({ kind, value });
    }
  }
  const hits = new Map<string, PiiHit>();
  for (let i = 0; i + minLength <= text.length; i++) {
    const candidates = byPrefix.get(text.slice(i, i + minLength));
    if (!candidates) continue;
    for (const candidate of candidates) {
      if (!hits.has(candidate.value) && text.startsWith(candidate.value, i)) hits.set(candidate.value, candidate);
    }
  }
  return [...hits.values()];
}
