import { loadConfig } from '../shared/config.ts';
import { migrate } from '../shared/db/migrate.ts';
import { createLogger } from '../shared/logger.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';

if (isEntryPoint(import.meta.url)) {
  runProcess('migrate', async () => {
    const config = loadConfig(process.env, 'script');
    const logger = createLogger({ name: 'migrate', level: config.logLevel });
    await migrate(config.database, logger);
    logger.info('database schema is up to date');
  });
}
