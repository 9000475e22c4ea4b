import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import type { RequestHandler as ExpressHandler } from 'express';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  if (cluster.isWorker) {
    // One of several instances behind one port (scripts/local-stack/cluster.ts): the primary collects
    // this registry from every instance on request. Constructing an aggregator installs that listener.
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
  }
  return registry;
}

/** Messages between an instance and its cluster's primary: "send me every instance's metrics, summed". */
export const CLUSTER_METRICS_REQUEST = 'booking:cluster-metrics-request';
export const CLUSTER_METRICS_RESPONSE = 'booking:cluster-metrics-response';
const CLUSTER_METRICS_TIMEOUT_MS = 10_000;

/** The metrics of every instance of this cluster, aggregated by the primary. */
function clusterMetrics(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('no answer from the cluster primary')), CLUSTER_METRICS_TIMEOUT_MS);
    const onMessage = (message: { type?: string; id?: string; metrics?: string; error?: string }) => {
      if (message?.type === CLUSTER_METRICS_RESPONSE && message.id === id) finish(message.error ? new Error(message.error) : undefined, message.metrics);
    };
    const finish = (err: Error | undefined, metrics?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(metrics ?? '');
    };
    process.on('message', onMessage);
    process.send!({ type: CLUSTER_METRICS_REQUEST, id });
  });
}

const HTTP_DURATION = 'http_request_duration_seconds';

/** Request latency per method, route template (never the raw URL, which would explode cardinality) and status; one per registry. */
export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(HTTP_DURATION);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: HTTP_DURATION,
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

export function httpMetrics(registry: Registry): ExpressHandler {
  const histogram = httpDurationHistogram(registry);
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/**
 * GET /metrics. In a cluster any instance may take the scrape, so it answers for all of them (counters and
 * histograms summed; gauges that every instance reads alike declare `aggregator: 'max'`); when they
 * cannot be collected, 503: half the counts would look like a counter reset.
 */
export function metricsEndpoint(registry: Registry): ExpressHandler {
  return async (_req, res) => {
    if (!cluster.isWorker) {
      res.type(registry.contentType).send(await registry.metrics());
      return;
    }
    try {
      res.type(registry.contentType).send(await clusterMetrics());
    } catch (err) {
      res
        .status(503)
        .set('Retry-After', '5')
        .type('text/plain')
        .send(`metrics of every instance could not be collected: ${(err as Error).message}\n`);
    }
  };
}
