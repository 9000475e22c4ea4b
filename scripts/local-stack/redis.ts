/**
 * A real Redis server without a system package: the `redis-server` binaries that
 * com.github.codemonstur:embedded-redis ships inside its jar on Maven Central (Linux x64/arm64, macOS),
 * unpacked once by Maven into ~/.cache, the way the local Elasticsearch comes from Maven Central jars.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, portInUse } from './ports.ts';
import { ensureMaven, findJava, run, type RunningService } from './elasticsearch.ts';

const ARTIFACT = 'com.github.codemonstur:embedded-redis:1.4.3:jar';
const BINARIES: Record<string, string> = {
  'linux-x64': 'redis-server-6.2.6-v5-linux-amd64',
  'linux-arm64': 'redis-server-6.2.7-linux-arm64',
  'darwin-x64': 'redis-server-6.2.6-v5-darwin-amd64',
  'darwin-arm64': 'redis-server-6.2.6-v5-darwin-arm64',
};
const CACHE_DIR = path.join(homedir(), '.cache', 'booking-marketplace', 'redis');

function works(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The path of a runnable redis-server: the one from Maven Central (unpacked on first use, ~2 s), or, on a
 * platform that jar has no binary for, a `redis-server` on PATH. Throws when neither can be had.
 */
export async function ensureRedisServer(log?: (msg: string) => void): Promise<string> {
  const name = BINARIES[`${process.platform}-${process.arch}`];
  if (!name) {
    if (works('redis-server')) return 'redis-server';
    throw new Error(`no Redis server binary for ${process.platform}-${process.arch} in ${ARTIFACT}, and no redis-server on PATH`);
  }
  const bin = path.join(CACHE_DIR, name);
  if (existsSync(bin) && works(bin)) return bin;
  const java = await findJava();
  await ensureMaven(java);
  log?.(`Redis: unpacking ${name} from ${ARTIFACT} (Maven Central)...`);
  // Unpack into a private folder, then rename: concurrent first starts never see a half-written binary.
  const staging = `${CACHE_DIR}.${process.pid}`;
  const { code, output } = await run(
    'mvn',
    ['-q', '-B', 'dependency:unpack', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${staging}`, `-Dmdep.unpack.includes=${name}`],
    { env: { ...process.env, JAVA_HOME: java.javaHome }, timeoutMs: 5 * 60_000 },
  );
  if (code !== 0 || !existsSync(path.join(staging, name))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`fetching ${ARTIFACT} with Maven failed (exit ${code}):\n${output.split('\n').slice(-20).join('\n')}`);
  }
  await mkdir(CACHE_DIR, { recursive: true });
  renameSync(path.join(staging, name), bin);
  rmSync(staging, { recursive: true, force: true });
  if (!works(bin)) throw new Error(`${bin} does not run on this machine`);
  return bin;
}

/** A real redis-server child process, killed when this process exits. */
export async function startRedis(opts: {
  dir: string;
  port?: number;
  log?: (msg: string) => void;
}): Promise<RunningService & { port: number; restart(): Promise<void> }> {
  const bin = await ensureRedisServer(opts.log);
  const port = opts.port || (await freePort());
  if (opts.port && (await portInUse(port))) throw new Error(`Redis: port ${port} is already in use; set REDIS_URL to use that server.`);
  await mkdir(opts.dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;

  const launch = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', opts.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // own process group: a terminal's Ctrl-C reaches npm start, which stops Redis after the apps
      detached: true,
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
  return {
    url,
    port,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
