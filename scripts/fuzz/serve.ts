/**
 * The system under fuzzing: the test harness's real PostgreSQL, Elasticsearch and Redis, both APIs,
 * their workers and the indexer in this process, a few professionals, and tokens. Writes
 * `{ command, query, tokens }` to the file given as first argument once ready; stops on SIGTERM/SIGINT.
 */
import { writeFile } from 'node:fs/promises';
import { startTestServices } from '../testing/services.ts';
import { startTestSystem } from '../testing/system.ts';
import { givenProfessional } from '../testing/builders.ts';

const readyFile = process.argv[2];
if (!readyFile) throw new Error('usage: serve.ts <ready-file>');

const services = await startTestServices();
const system = await startTestSystem({
  command: true,
  commandWorkers: true,
  query: true,
  indexerWorkers: true,
  // fuzzing sends hundreds of requests a minute from one address
  env: { COMMAND_RATE_LIMIT_PER_MIN: '1000000', SEARCH_RATE_LIMIT_PER_MIN: '1000000', LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'silent' },
});
// Real data to find: professionals near the examples' coordinates, including the id `pro1`.
await givenProfessional(system, { id: 'pro1' });
for (const [lat, long] of [
  [0, 0],
  [5.6037, -0.187],
]) {
  await givenProfessional(system, { lat, long });
}
const tokens = {
  admin: await system.token('admin', 'fuzz-admin'),
  client: await system.token('client', 'fuzz-client', { email: 'fuzz@example.com' }),
  professional: await system.token('professional', 'pro1'),
};
await writeFile(readyFile, JSON.stringify({ command: system.command!.url, query: system.query!.url, tokens }));
process.stderr.write(`[fuzz] command-api ${system.command!.url}, query-api ${system.query!.url}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await system.close();
  await services.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// On the way down PostgreSQL terminates connections a closing pool may still hold (57P01); that must
// not abort the shutdown, which would leave PostgreSQL, Elasticsearch and Redis running.
process.on('uncaughtException', (err) => {
  if (stopping && (err as { code?: string }).code === '57P01') return;
  process.stderr.write(`[fuzz] ${err.stack ?? err}\n`);
  process.exitCode = 1;
  void stop();
});
