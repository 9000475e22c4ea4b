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

/** Query parameters whose values are credentials (`?access_token=…`, `?api_key=…`), by name. */
const SENSITIVE_PARAM = /token|secret|password|passwd|pwd|signature|sig$|api[-_]?key|^key$|auth|session|code$|jwt|credential/i;

/** A request URL as it may be logged: the values of sensitive query parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // an undecodable name is compared as written
      }
      return eq >= 0 && SENSITIVE_PARAM.test(name) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** The longest a log line waits in the buffer: logs reach their file within a second, at any traffic. */
export const LOG_FLUSH_INTERVAL_MS = 1000;

export function createLogger(opts: { name: string; level: string; destination?: number | string }): Logger {
  // Buffered, asynchronous writes: one syscall per few kB of logs instead of one per line under load,
  // and a timer so that a quiet process (or one about to be killed) does not hold its last lines.
  // pino flushes the rest when the process exits.
  const destination = pino.destination({ dest: opts.destination ?? 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    if ((destination as unknown as { destroyed: boolean }).destroyed) return clearInterval(timer);
    try {
      destination.flush();
    } catch {
      // not ready yet (a file still opening) or closing: the next tick or exit flushes
    }
  }, LOG_FLUSH_INTERVAL_MS);
  timer.unref();
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
