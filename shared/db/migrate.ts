import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { DatabaseConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the versioned SQL migrations; safe to run from several processes at once (advisory lock). */
export async function migrate(database: DatabaseConfig, logger: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl: { connectionString: database.connectionString, ssl: database.ssl },
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: () => {},
  });
  if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
}
