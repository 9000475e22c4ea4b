import { Gauge } from 'prom-client';
import { QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { processLane, sweepWebhookLanes } from './deliver-webhooks.ts';
import { failingEndpointCount, oldestDueAgeSeconds } from './webhook-deliveries.repository.ts';
import { createWebhookSender } from './webhook-sender.ts';

/** Deliveries in flight to one endpoint at most, across all instances: its share of the workers. */
export const PER_ENDPOINT_CONCURRENCY = 4;

/** Endpoints failing for longer than this are counted by `webhook_endpoints_failing` (alerting). */
const FAILING_ALERT_SECONDS = 3600;

/**
 * Outgoing webhook workers: each job works one lane. Jobs are grouped by endpoint and at most
 * PER_ENDPOINT_CONCURRENCY of an endpoint's run at once (across instances), so a slow or dead endpoint
 * cannot hold every worker.
 */
export async function registerWebhookWorkers(deps: CommandDeps): Promise<void> {
  const sender = createWebhookSender(deps.config.webhooks);
  await deps.boss.work<{ endpoint_id: string; ordering_key: string }>(
    QUEUES.webhookDelivery,
    { batchSize: 1, localConcurrency: 16, groupConcurrency: PER_ENDPOINT_CONCURRENCY, notifyPollingIntervalSeconds: 1, pollingIntervalSeconds: 1 },
    async ([job]) => {
      try {
        await processLane(deps, sender, { endpointId: job!.data.endpoint_id, orderingKey: job!.data.ordering_key });
      } catch (err) {
        // Retried by pg-boss; a delivery it had leased is attempted again once the lease lapses.
        deps.logger.warn({ err: { message: (err as Error).message }, job_id: job!.id, endpoint_id: job!.data.endpoint_id }, 'webhook lane job failed');
        throw err;
      }
    },
  );
  await deps.boss.work(QUEUES.webhookSweep, async () => {
    const { woken, purged } = await sweepWebhookLanes(deps);
    if (woken > 0 || purged > 0) deps.logger.info({ woken, purged }, 'webhook sweep');
  });
  await deps.boss.schedule(QUEUES.webhookSweep, '* * * * *');

  const now = () => deps.now();
  new Gauge({
    name: 'webhook_queue_age_seconds',
    // the same value on every instance: not summed across a cluster
    aggregator: 'max',
    help: 'Age of the oldest outgoing webhook delivery that is due and waiting for a worker',
    registers: [deps.registry],
    async collect() {
      this.set(await oldestDueAgeSeconds(deps.pool, now()));
    },
  });
  new Gauge({
    name: 'webhook_endpoints_failing',
    // the same value on every instance: not summed across a cluster
    aggregator: 'max',
    help: `Enabled webhook endpoints whose every attempt has failed for more than ${FAILING_ALERT_SECONDS} s`,
    registers: [deps.registry],
    async collect() {
      this.set(await failingEndpointCount(deps.pool, now(), FAILING_ALERT_SECONDS));
    },
  });
}
