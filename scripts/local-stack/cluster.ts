/**
 * `npm start -- --instances N`: runs N instances of one app behind its one port with Node's cluster
 * module (this process accepts the connections and hands them round-robin to the instances).
 *
 * Usage: node --import tsx scripts/local-stack/cluster.ts <name> <entry> <instances>
 *
 * Each instance is supervised like a single app is by npm start: one that exits on its own is
 * restarted with backoff. SIGTERM (or losing npm start, see shared/process.ts) stops every instance
 * the graceful way, together, before this process exits. Whichever instance takes a /metrics scrape
 * answers for all of them, collected here (shared/metrics.ts).
 */
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { CLUSTER_METRICS_REQUEST, CLUSTER_METRICS_RESPONSE } from '../../shared/metrics.ts';
import { runProcess } from '../../shared/process.ts';
import { APP_NODE_FLAGS } from './app-process.ts';
import { supervise, type Supervised } from './supervisor.ts';

const [name, entry, count] = process.argv.slice(2);
const instances = Number(count);

runProcess(`${name} cluster`, async () => {
  if (!name || !entry || !Number.isInteger(instances) || instances < 1) throw new Error('usage: cluster.ts <name> <entry> <instances>');
  // silent: the instances' output comes through pipes, which the supervisor passes on to ours
  cluster.setupPrimary({ exec: entry, args: [], execArgv: APP_NODE_FLAGS, silent: true });
  const say = (msg: string) => process.stdout.write(`${msg}\n`);
  const members: Supervised[] = Array.from({ length: instances }, (_, i) =>
    supervise({
      name: `${name} #${i + 1}`,
      entry,
      env: process.env,
      say,
      fork: () => cluster.fork().process,
      onOutput: (chunk) => process.stdout.write(chunk),
    }),
  );
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== CLUSTER_METRICS_REQUEST) return;
    const reply = (answer: { metrics?: string; error?: string }) => {
      if (worker.isConnected()) worker.send({ type: CLUSTER_METRICS_RESPONSE, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (metrics) => reply({ metrics }),
      (err: Error) => reply({ error: err.message }),
    );
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void Promise.all(members.map((m) => m.stop())).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
