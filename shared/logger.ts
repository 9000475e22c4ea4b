import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Paths never written to logs, whatever logs them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'password',
  'secret',
  'token',
  'client_secret',
  '*.client_secret',
  '*.password',
  '*.secret',
  '*.token',
  '*.secretKey',
  '*.webhookSecret',
  '*.jwtSecret',
  'config.stripe',
  'config.auth',
];

export function createLogger(opts: { name: string; level: string }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Buffered, asynchronous writes: one syscall per few kB of logs instead of one per line under
    // load. pino flushes the buffer when the process exits.
    pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}
