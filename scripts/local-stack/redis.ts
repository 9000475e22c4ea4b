import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { freePort, portInUse } from './ports.ts';
import type { RunningService } from './elasticsearch.ts';

export function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A real redis-server child process; it exits when this process's stdin pipe closes. */
export async function startRedis(opts: { dir: string; port?: number; log?: (msg: string) => void }): Promise<RunningService & { port: number; restart(): Promise<void> }> {
  const port = opts.port || (await freePort());
  if (opts.port && (await portInUse(port))) throw new Error(`Redis: port ${port} is already in use; set REDIS_URL to use that server.`);
  await mkdir(opts.dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;

  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', opts.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exitKill = () => child?.kill('SIGKILL');
    process.once('exit', exitKill);
    child.once('exit', () => process.removeListener('exit', exitKill));
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('redis-server did not start');
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  opts.log?.(`Redis started on port ${port}`);
  return { url, port, stop, restart: async () => { await stop(); await launch(); } };
}
