/**
 * `npm run check-scale-out`: runs `npm start -- --instances 2 --es-nodes 3` on free ports and checks that it
 * comes up (every health/ready 200, two instances of each app, three Elasticsearch nodes, cluster green or
 * yellow), that a killed instance is restarted, and that Ctrl-C (SIGINT) stops everything: exit code 0,
 * no process left. Takes a few minutes (three JVMs), so it is a script, not part of `npm test`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { freePort } from './local-stack/ports.ts';
import { runProcess } from '../shared/process.ts';

const STEP_TIMEOUT_MS = 300_000;
const say = (msg: string) => process.stdout.write(`[check] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pid → [ppid, command line] of every process. */
function processTable(): Map<number, { ppid: number; args: string }> {
  const table = new Map<number, { ppid: number; args: string }>();
  for (const line of execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) table.set(Number(m[1]), { ppid: Number(m[2]), args: m[3]! });
  }
  return table;
}

function descendants(root: number): Array<{ pid: number; args: string }> {
  const table = processTable();
  const out: Array<{ pid: number; args: string }> = [];
  const walk = (pid: number) => {
    for (const [child, p] of table) {
      if (p.ppid !== pid) continue;
      out.push({ pid: child, args: p.args });
      walk(child);
    }
  };
  walk(root);
  return out;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function main(): Promise<void> {
  const ports = { COMMAND_API_PORT: await freePort(), QUERY_API_PORT: await freePort(), INDEXER_PORT: await freePort() };
  const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  delete env.ELASTICSEARCH_URL;
  const started = Date.now();
  const child = spawn('npm', ['start', '--', '--instances', '2', '--es-nodes', '3'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await until('"Booking marketplace is up"', async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return output.includes('Booking marketplace is up');
    });
    say(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    for (const [name, port] of Object.entries(ports)) {
      const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status)));
      say(`${name} ${port}: /health/ready ×6 → ${statuses.join(' ')}`);
      if (statuses.some((s) => s !== 200)) throw new Error(`${name} is not ready`);
    }

    const tree = descendants(child.pid!);
    const instancesOf = (entry: string) => tree.filter((p) => p.args.endsWith(entry));
    for (const entry of ['command-api/main.ts', 'query-api/main.ts', 'indexer/main.ts']) {
      say(
        `${entry}: ${instancesOf(entry).length} instances (pids ${instancesOf(entry)
          .map((p) => p.pid)
          .join(', ')})`,
      );
      if (instancesOf(entry).length !== 2) throw new Error(`expected 2 instances of ${entry}`);
    }
    const esUrls = /Elasticsearch cluster of 3 nodes is \w+ \(([^)]+)\)/.exec(output)?.[1]?.split(', ');
    if (!esUrls) throw new Error('no Elasticsearch cluster in the output');
    const health = (await (await fetch(`${esUrls[0]}/_cluster/health?wait_for_status=yellow&timeout=30s`)).json()) as {
      status: string;
      number_of_nodes: number;
      active_shards: number;
      unassigned_shards: number;
    };
    say(
      `Elasticsearch: ${health.number_of_nodes} nodes, status ${health.status}, ${health.active_shards} active shards, ${health.unassigned_shards} unassigned`,
    );
    if (health.number_of_nodes !== 3 || !['green', 'yellow'].includes(health.status)) throw new Error('Elasticsearch cluster is not healthy');
    const replicas = (await (await fetch(`${esUrls[0]}/_cat/indices?format=json&h=index,rep,health`)).json()) as Array<{
      index: string;
      rep: string;
      health: string;
    }>;
    say(`indices: ${replicas.map((r) => `${r.index} replicas=${r.rep} ${r.health}`).join('; ')}`);

    // A booking storm through the shared port: one slot of pro1 (a random one, as .data persists between runs)
    const token = /export TOKEN=(\S+)/.exec(output)?.[1];
    const day = new Date(Date.now() + (2 + Math.floor(Math.random() * 10)) * 86_400_000);
    const slot = new Date(
      Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 8 + Math.floor(Math.random() * 8), 15 * Math.floor(Math.random() * 4)),
    );
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`http://127.0.0.1:${ports.COMMAND_API_PORT}/bookings`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `check-${Date.now()}-${i}` },
          body: JSON.stringify({ professional_id: 'pro1', start_time: slot.toISOString(), duration_minutes: 30 }),
        }).then((r) => r.status),
      ),
    );
    const count = (status: number) => statuses.filter((s) => s === status).length;
    say(`20 concurrent bookings of pro1 at ${slot.toISOString()}: ${count(201)} × 201, ${count(409)} × 409`);
    if (count(201) !== 1 || count(409) !== 19) throw new Error(`expected one 201 and 19 × 409, got ${statuses.join(' ')}`);

    const victim = instancesOf('query-api/main.ts')[0]!;
    process.kill(victim.pid, 'SIGKILL');
    await until('the killed query-api instance to be replaced', async () => {
      const now = descendants(child.pid!).filter((p) => p.args.endsWith('query-api/main.ts'));
      return now.length === 2 && !now.some((p) => p.pid === victim.pid) && (await fetch(`http://127.0.0.1:${ports.QUERY_API_PORT}/health/ready`)).ok;
    });
    say(`killed query-api instance ${victim.pid} (SIGKILL): restarted, ready again`);

    const all = descendants(child.pid!).map((p) => p.pid);
    const stopStarted = Date.now();
    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(120_000).then(() => 'timeout' as const)]);
    say(`SIGINT: npm start exited with ${code} in ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`);
    await sleep(1000);
    const left = [...processTable().keys()].filter((pid) => all.includes(pid));
    say(`processes left of the ${all.length} it ran: ${left.length}`);
    const stopLines = output.split('\n').filter((l) => /stopp|exited/.test(l));
    for (const line of stopLines) say(`  ${line}`);
    if (code !== 0 || left.length > 0) throw new Error('did not stop cleanly');
    say('OK');
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, sleep(60_000)]);
    }
  }
}

runProcess('check-scale-out', main);
