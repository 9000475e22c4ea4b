import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { startTestSystem, type TestSystem } from '../testing/system.ts';
import { eventually } from '../testing/builders.ts';
import { freePort } from './ports.ts';
import { supervise, type Supervised } from './supervisor.ts';

/** One GET on a connection of its own, so the cluster hands each to the next instance. */
function get(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      })
      .on('error', reject);
  });
}

/** The app instances the primary forked (not the esbuild service tsx starts when its cache is cold). */
function instancesOf(primary: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(primary)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !line.includes('esbuild'))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when there is none
  }
}

/** The sum of a metric's samples whose labels include `match`. */
function sample(metrics: string, name: string, match: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(match))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('npm start --instances: a cluster of one app behind its port', function () {
  this.timeout(240_000);
  let system: TestSystem;
  let port: number;
  let cluster: Supervised | undefined;
  const said: string[] = [];

  before(async () => {
    system = await startTestSystem({ indexer: true, indexerWorkers: false });
    port = await freePort();
    cluster = supervise({
      name: 'query-api',
      entry: 'scripts/local-stack/cluster.ts',
      args: ['query-api', 'query-api/main.ts', '2'],
      // info: each instance says when it listens
      env: { ...process.env, ...system.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', QUERY_API_PORT: String(port) },
      say: (msg) => said.push(msg),
      onOutput: (chunk) => said.push(chunk.toString()),
    });
    try {
      await eventually(async () => instancesOf(cluster!.pid!).length === 2 && (await get(port, '/health/ready')).status === 200, 150_000, 200);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the cluster said:\n${said.join('').slice(-3000)}`);
    }
    // both listening, or the first takes every request
    await eventually(async () => said.join('').match(/"msg":"query-api listening"/g)?.length === 2, 30_000);
  });
  after(async () => {
    await cluster?.stop();
    await system.close();
  });

  it('runs two instances on one port and answers /metrics for both, summed', async () => {
    const before = sample((await get(port, '/metrics')).text, 'http_request_duration_seconds_count', 'route="/health/live"');
    for (let i = 0; i < 20; i++) expect((await get(port, '/health/live')).status).to.equal(200);
    // any instance may take the scrape; each answers with the sum over both
    for (let i = 0; i < 4; i++) {
      const metrics = await get(port, '/metrics');
      expect(metrics.status).to.equal(200);
      expect(sample(metrics.text, 'http_request_duration_seconds_count', 'route="/health/live"') - before).to.equal(20);
    }
  });

  it('restarts an instance that dies, and stops every instance when stopped', async () => {
    const primary = cluster!.pid!;
    const [victim, survivor] = instancesOf(primary);
    process.kill(victim!, 'SIGKILL');
    await eventually(
      async () => {
        const now = instancesOf(primary);
        return now.length === 2 && !now.includes(victim!) && now.includes(survivor!);
      },
      40_000,
      200,
    );
    expect(said.join('\n')).to.match(/query-api #\d exited \(SIGKILL\); restarting in 0\.5 s \(restart 1\)/);
    expect(cluster!.restarts, 'the cluster itself kept running').to.equal(0);

    const all = [primary, ...instancesOf(primary)];
    await cluster!.stop();
    cluster = undefined;
    const alive = all.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).to.deep.equal([]);
  });
});
