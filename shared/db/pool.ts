import pg from 'pg';
import { readFileSync } from 'node:fs';
import type { DatabaseConfig } from '../config.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs SQL: the pool itself or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

// timestamptz as Date, bigint (search_version, counts) as number: our bigints stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(config: DatabaseConfig, applicationName: string): Pool {
  const ssl = config.ssl
    ? { rejectUnauthorized: config.ssl.rejectUnauthorized, ...(config.ssl.ca ? { ca: readFileSync(config.ssl.ca, 'utf8') } : {}) }
    : false;
  return new pg.Pool({
    connectionString: config.connectionString,
    ssl,
    max: config.poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
  });
}

/**
 * Runs fn in one transaction. 'snapshot' is REPEATABLE READ, READ ONLY: everything fn reads comes
 * from one consistent state of the database.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  mode: 'read-write' | 'snapshot' = 'read-write',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(mode === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** PostgreSQL's SQLSTATE and constraint name, for mapping expected violations to results. */
export function pgErrorInfo(err: unknown): { code?: string; constraint?: string } {
  const e = err as { code?: unknown; constraint?: unknown };
  return {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.constraint === 'string' ? { constraint: e.constraint } : {}),
  };
}
