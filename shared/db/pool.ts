import pg from 'pg';
import { readFileSync } from 'node:fs';
import type { DatabaseConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs SQL: the pool itself or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

// timestamptz as Date, bigint (search_version, counts) as number: our bigints stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PoolOptions {
  /** Logs connection errors of idle clients (a restarted PostgreSQL); without a listener they would crash the process. */
  logger?: Logger;
  /**
   * Client-side bound on one query: a PostgreSQL that stops answering (paused, network gone) fails
   * the request within this time instead of hanging it. The connection is then discarded.
   */
  queryTimeoutMs?: number;
}

export function createPool(config: DatabaseConfig, applicationName: string, opts: PoolOptions = {}): Pool {
  const ssl = config.ssl ? { rejectUnauthorized: config.ssl.rejectUnauthorized, ...(config.ssl.ca ? { ca: readFileSync(config.ssl.ca, 'utf8') } : {}) } : false;
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    ssl,
    max: config.poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    keepAlive: true,
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
  });
  let down = false;
  // The pool drops the broken client itself and opens new ones on demand: logging is all there is to do.
  pool.on('error', (err) => {
    if (!down) opts.logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'postgres connection lost');
    down = true;
  });
  pool.on('connect', (client) => {
    if (down) opts.logger?.info('postgres connection re-established');
    down = false;
    // A checked-out client whose server goes away emits 'error' outside any query; the query in
    // flight (if any) fails on its own, so this listener only keeps the process alive.
    client.on('error', () => {});
  });
  return pool;
}

/**
 * Runs fn in one transaction. 'snapshot' is REPEATABLE READ, READ ONLY: everything fn reads comes
 * from one consistent state of the database.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, mode: 'read-write' | 'snapshot' = 'read-write'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(mode === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // A lost connection cannot roll back (and a timed-out one would wait again): discarding it makes
    // the server roll back. Any other error leaves a healthy connection that goes back to the pool.
    if (isConnectionError(err)) client.release(err as Error);
    else {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(rolledBack ? undefined : true);
    }
    throw err;
  }
}

/** SQLSTATEs that mean the server went away or refuses connections for now. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08007', '08P01']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection refused',
];

/** True when err says PostgreSQL is unreachable, restarting or not answering (not a bad query). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}

/** PostgreSQL's SQLSTATE and constraint name, for mapping expected violations to results. */
export function pgErrorInfo(err: unknown): { code?: string; constraint?: string } {
  const e = err as { code?: unknown; constraint?: unknown };
  return {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.constraint === 'string' ? { constraint: e.constraint } : {}),
  };
}
