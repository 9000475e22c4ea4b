import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import type { Logger } from '../logger.ts';

export interface ListenOptions {
  port: number;
  host: string;
  tls?: { certFile: string; keyFile: string };
}

/** Listens over HTTP, or HTTPS when a certificate is configured; a port in use is a clear error. */
export function listen(app: Express, opts: ListenOptions, logger: Logger, name: string): Promise<http.Server> {
  const server = opts.tls ? https.createServer({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) }, app) : http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`${name}: port ${opts.port} is already in use; stop what uses it or set another port.`));
      else reject(err);
    });
    server.listen(opts.port, opts.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      logger.info({ port, tls: Boolean(opts.tls) }, `${name} listening`);
      resolve(server);
    });
  });
}

/**
 * Stops taking connections and lets the requests in flight finish. A request that still arrives on
 * an open keep-alive connection is answered too, with `Connection: close`; idle connections close
 * at once, and whatever is still open after 10 s is cut.
 */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    // before the app's listener, which may answer at once (search/hot-search.ts)
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.setHeader('Connection', 'close'));
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

/** SIGTERM/SIGINT: stop taking requests, let running ones finish, then close pools and workers. */
export function onShutdown(logger: Logger, close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** Listens, and on SIGTERM/SIGINT stops taking requests before closing what the process holds. */
export async function serve(app: Express, opts: ListenOptions, logger: Logger, name: string, close: () => Promise<void>): Promise<http.Server> {
  const server = await listen(app, opts, logger, name);
  onShutdown(logger, async () => {
    await closeServer(server);
    await close();
  });
  return server;
}
