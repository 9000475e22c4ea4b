import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from './logger.ts';
import { isConnectionError } from './db/pool.ts';

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** An expected failure of a use case, mapped to HTTP in one place (sendProblem). */
export type Failure<C extends string = string> = { ok: false; code: C; detail?: string; errors?: FieldError[] };
export type Result<T, C extends string = string> = { ok: true; value: T } | Failure<C>;

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <C extends string>(code: C, detail?: string, errors?: FieldError[]): Failure<C> => ({
  ok: false,
  code,
  ...(detail === undefined ? {} : { detail }),
  ...(errors === undefined ? {} : { errors }),
});

/** Thrown inside the HTTP layer to answer a problem; never used for surprises. */
export class HttpProblem extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail?: string, errors?: FieldError[]): Problem {
  return { status, code, title: TITLES[status] ?? 'Error', ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) };
}

/** The RFC 9457 body of a problem. */
export function problemJson(p: Problem): object {
  return {
    type: `https://errors.booking.example/${p.code}`,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    code: p.code,
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

export function sendProblem(res: Response, p: Problem): void {
  if (p.headers) res.set(p.headers);
  res
    .status(p.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemJson(p)));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/** A dependency is down or restarting (DESIGN §7 Faults). */
export const SERVICE_UNAVAILABLE: Problem = {
  ...problem(503, 'service_unavailable', 'A service this request needs is temporarily unavailable; try again shortly.'),
  headers: { 'Retry-After': '5' },
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/**
 * What a body parser's refusal means to the client: bad JSON, too large, an encoding or charset we do
 * not read, or a body that does not decode with its declared Content-Encoding (a gzip header on plain
 * JSON). Anything else from a parser is a surprise.
 */
export function bodyParserProblem(err: unknown): Problem | undefined {
  const e = err as BodyParserError;
  if (!e || typeof e !== 'object' || typeof e.status !== 'number') return undefined;
  if (e.type === 'entity.parse.failed') return problem(400, 'invalid_json', 'The body is not valid JSON.');
  if (e.type === 'entity.too.large') return problem(413, 'payload_too_large', 'The body exceeds 100 kB.');
  if (e.type === 'charset.unsupported') return problem(415, 'unsupported_media_type', e.message);
  if (e.type === 'encoding.unsupported') return problem(415, 'unsupported_media_type', `${e.message}; use gzip, deflate, br or none.`);
  if (e.type === 'request.aborted' || e.type === 'request.size.invalid') return problem(400, 'invalid_body', 'The body ended before its announced length.');
  // raw-body wraps decompression failures (zlib) as a plain 400
  if (e.status === 400 && e.type === undefined) return problem(400, 'invalid_body', 'The body does not decode with its Content-Encoding.');
  return undefined;
}

/** The one place where surprises end: logged in full, answered without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpProblem) return sendProblem(res, err.problem);
    const parserProblem = bodyParserProblem(err);
    if (parserProblem) return sendProblem(res, parserProblem);
    if (isConnectionError(err)) {
      // PostgreSQL is restarting or unreachable: the client may retry; nothing was half-written.
      ((req as { log?: Logger }).log ?? logger).warn({ err: { message: (err as Error).message } }, 'database unavailable');
      return sendProblem(res, SERVICE_UNAVAILABLE);
    }
    ((req as { log?: Logger }).log ?? logger).error({ err }, 'unhandled error');
    sendProblem(res, problem(500, 'internal_error', 'Something went wrong on our side; it has been logged.'));
  };
}
