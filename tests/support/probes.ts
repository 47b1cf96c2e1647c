// Waiting on a running process from a test: polling with a bound and a clear failure, and reading
// one sample out of a Prometheus text exposition.

/** The value of an unlabelled sample (or of `labels`, e.g. `{dependency="store"}`), or the sum over a labelled metric's series. */
export function sample(text: string, name: string, labels = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}${labels} `) || (labels === '' && line.startsWith(`${name}{`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Polls `probe` every 200 ms until it returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
