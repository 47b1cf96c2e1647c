import { pino, type Logger } from 'pino';

/**
 * JSON logs on stderr (stdout stays free for summaries and piping). Log calls pass tokens, codes
 * and coordinates only; the redact list is a second line of defence for fields that must never
 * appear even if someone logs a whole event by mistake.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'verity' },
      redact: {
        paths: ['customer', 'agent', 'policy', '*.customer', '*.agent', '*.policy', 'payload', '*.payload', 'tokenKey'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

export type { Logger };
