import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { Registry } from 'prom-client';
import { redactUrl, type Logger } from '../logger.ts';
import { errorHandler, HttpProblem, notFoundHandler, problem, sendProblem } from '../errors.ts';
import { httpMetrics, metricsEndpoint } from '../metrics.ts';

/**
 * A dependency probe for /health/ready: resolves when the dependency answers. A check marked
 * `critical: false` is reported but does not make the process unready (it can serve without it).
 */
export type ReadinessCheck = (() => Promise<unknown>) | { check: () => Promise<unknown>; critical: false };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const CHECK_TIMEOUT_MS = 1500;

export interface BaseAppOptions {
  logger: Logger;
  registry: Registry;
  readiness: Record<string, ReadinessCheck>;
  openapi?: object;
  /** Express `trust proxy` value, e.g. "loopback, uniquelocal" behind the gateway. */
  trustProxy?: string;
  /**
   * Tried on every request before the middleware: answers it completely (request id, security headers,
   * log line and metrics included) and returns true, or returns false and leaves it to the app.
   */
  fastPath?: (req: Request, res: Response) => boolean;
}

/** The request's id: the client's X-Request-Id when it is a sane token, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * A request's log line, written once its response is done: level by status, the request (URL with
 * sensitive query values redacted), the status and the time taken.
 */
export function logRequest(logger: Logger, id: string, req: IncomingMessage, url: string | undefined, statusCode: number, ms: number): void {
  const line = { req: { id, method: req.method, url: redactUrl(url), remoteAddress: req.socket.remoteAddress }, res: { statusCode }, responseTime: ms };
  if (statusCode >= 500) logger.error(line, 'request errored');
  else if (statusCode >= 400) logger.warn(line, 'request completed');
  else logger.info(line, 'request completed');
}

/** Gives each request its id (echoed as X-Request-Id) and logs it once answered or abandoned; not health checks and scrapes. */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    const id = requestIdOf(req);
    res.setHeader('X-Request-Id', id);
    const url = req.originalUrl;
    if (url === '/metrics' || url.startsWith('/health')) return next();
    const done = () => {
      res.off('close', done);
      res.off('finish', done);
      logRequest(logger, id, req, url, res.statusCode, Date.now() - started);
    };
    res.on('close', done);
    res.on('finish', done);
    next();
  };
}

/**
 * Helmet's headers (its defaults, without the CSP an API has no use for), computed once: they never
 * depend on the request, and setting a precomputed list costs a fraction of running helmet's
 * middleware chain on every request.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = (() => {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]),
    removeHeader: () => {},
  };
  helmet({ contentSecurityPolicy: false })({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
})();

/** Everything each process serves the same way: request ids, logs, security headers, health, metrics, API docs. */
export function createBaseApp(opts: BaseAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const fastPath = opts.fastPath;
  if (fastPath) app.use((req, res, next) => void (fastPath(req, res) || next()));
  app.set(
    'trust proxy',
    (opts.trustProxy ?? 'loopback').split(',').map((s) => s.trim()),
  );
  app.set('query parser', 'simple');
  app.use(requestLog(opts.logger));
  app.use((_req, res, next) => {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    next();
  });
  app.use(httpMetrics(opts.registry));

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(opts.readiness).map(async ([name, probe]) => {
        const critical = typeof probe === 'function';
        try {
          await withTimeout(critical ? probe() : probe.check(), CHECK_TIMEOUT_MS);
          return [name, 'up', critical] as const;
        } catch {
          return [name, 'down', critical] as const;
        }
      }),
    );
    const down = results.filter(([, state, critical]) => state === 'down' && critical).map(([name]) => name);
    if (down.length === 0) {
      const degraded = results.some(([, state]) => state === 'down');
      res.json({ status: degraded ? 'degraded' : 'ok', checks: Object.fromEntries(results.map(([name, state]) => [name, state])) });
      return;
    }
    sendProblem(res, {
      ...problem(503, 'dependency_unavailable', `Not ready: ${down.join(', ')} unavailable.`),
      errors: down.map((name) => ({ field: name, message: 'down' })),
    });
  });
  app.get('/metrics', metricsEndpoint(opts.registry));

  if (opts.openapi) {
    const doc = opts.openapi;
    app.get('/openapi.json', (_req, res) => {
      res.json(doc);
    });
    app.use('/api', swaggerUi.serve, swaggerUi.setup(doc));
  }
  return app;
}

const BODY_LIMIT = '100kb';

/**
 * The body parser of every JSON endpoint: a body must be declared JSON (415 otherwise, rather than
 * being ignored as if absent) and decode with its Content-Encoding (gzip, deflate, br); limit 100 kB.
 * A request without a body passes, whatever its Content-Type, with `req.body` undefined.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  return (req, res, next) => {
    const empty = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
    if (!empty && !req.is(['application/json', 'application/*+json'])) {
      return next(new HttpProblem(problem(415, 'unsupported_media_type', 'The body must be JSON (Content-Type: application/json).')));
    }
    parse(req, res, next);
  };
}

/** The raw bytes of a body whatever its type (for signatures computed over them), limit 100 kB. */
export const rawBody = (): RequestHandler => express.raw({ type: () => true, limit: BODY_LIMIT });

/** Unknown routes and the error middleware; call after the app's own routes. */
export function finishApp(app: Express, logger: Logger): Express {
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
