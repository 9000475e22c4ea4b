import { randomUUID } from 'node:crypto';
import { withTransaction } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import {
  disableEndpoint,
  findEndpoint,
  recordEndpointFailure,
  recordEndpointSuccess,
  type WebhookEndpoint,
} from '../webhook-endpoints/webhook-endpoints.repository.ts';
import { signedHeaders, signingSecrets } from '../webhook-endpoints/signing.ts';
import { disabledReason, laneDecision, LEASE_MARGIN_MS, retryDelaySeconds, shouldDisable } from './delivery-policy.ts';
import { wakeLanes } from './record-event.ts';
import type { WebhookSender } from './webhook-sender.ts';
import {
  insertAttempt,
  leaseDelivery,
  lockLaneHead,
  overdueLanes,
  purgeOldEvents,
  settleDelivery,
  type ClaimedDelivery,
  type Lane,
} from './webhook-deliveries.repository.ts';

/** A job keeps a lane this long at most, then hands it to a fresh job (job expiry is 60 s). */
const MAX_JOB_MS = 30_000;
const EVENT_RETENTION_DAYS = 30;

type Claim = { delivery: ClaimedDelivery; endpoint: WebhookEndpoint; token: string } | undefined;

/**
 * Works one lane (an endpoint and a booking or profile): attempts its oldest pending delivery, and the
 * next ones after it while they succeed or fail for good. A delivery waiting for a retry holds the
 * lane: later events of the same booking wait behind it. Other lanes are other jobs.
 */
export async function processLane(deps: CommandDeps, sender: WebhookSender, lane: Lane): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > MAX_JOB_MS) return wakeLanes(deps.boss, deps.pool, [lane]);
    const claim = await claimHead(deps, lane);
    if (!claim) return;
    if (!(await attempt(deps, sender, lane, claim))) return;
  }
}

const clock = (deps: CommandDeps) => deps.now();

async function claimHead(deps: CommandDeps, lane: Lane): Promise<Claim> {
  return withTransaction(deps.pool, async (tx) => {
    const now = clock(deps);
    const head = await lockLaneHead(tx, lane);
    const decision = laneDecision(head, head?.endpointEnabled ?? false, now);
    // Another worker's attempt, or a retry that is not due: look again then (a spare wake-up is harmless).
    if (decision.kind === 'busy' || decision.kind === 'wait') await wakeLanes(deps.boss, tx, [lane], decision.until);
    if (decision.kind !== 'attempt') return undefined;
    const token = randomUUID();
    const delivery = await leaseDelivery(tx, head!.id, token, new Date(now.getTime() + deps.config.webhooks.timeoutMs + LEASE_MARGIN_MS));
    const endpoint = (await findEndpoint(tx, lane.endpointId))!;
    return { delivery, endpoint, token };
  });
}

/** One attempt; true when the delivery is settled for good and the lane may move on. */
async function attempt(deps: CommandDeps, sender: WebhookSender, lane: Lane, { delivery, endpoint, token }: NonNullable<Claim>): Promise<boolean> {
  const attemptedAt = clock(deps);
  // Signed at each attempt: receivers refuse timestamps older than 5 minutes.
  const headers = signedHeaders(signingSecrets(endpoint, attemptedAt), delivery.id, attemptedAt, delivery.body);
  const outcome = await sender(endpoint.url, headers, delivery.body);
  const { metrics, logger } = deps;
  metrics.webhookAttempts.inc({ result: outcome.result });
  metrics.webhookAttemptDuration.observe({ result: outcome.result }, outcome.durationMs / 1000);
  const ok = outcome.result === 'success';
  const delay = ok ? undefined : retryDelaySeconds(deps.config.webhooks.retryScheduleSeconds, delivery.attemptCount);
  const status = ok ? 'succeeded' : delay === undefined ? 'failed' : 'pending';

  return withTransaction(deps.pool, async (tx) => {
    const now = clock(deps);
    await insertAttempt(tx, {
      deliveryId: delivery.id,
      attemptedAt,
      responseStatus: outcome.status,
      durationMs: outcome.durationMs,
      result: outcome.result,
      error: outcome.error,
    });
    const nextAttemptAt = status === 'pending' ? new Date(now.getTime() + delay! * 1000) : null;
    const settled = await settleDelivery(tx, {
      id: delivery.id,
      token,
      status,
      nextAttemptAt,
      at: now,
      responseStatus: outcome.status,
      error: outcome.error,
    });
    if (!settled) {
      logger.warn(
        { delivery_id: delivery.id, endpoint_id: lane.endpointId },
        'webhook attempt finished after its lease lapsed; another worker owns the delivery',
      );
      return false;
    }
    const context = {
      delivery_id: delivery.id,
      endpoint_id: lane.endpointId,
      type: delivery.eventType,
      attempt: delivery.attemptCount,
      status: outcome.status,
      result: outcome.result,
    };
    if (ok) {
      await recordEndpointSuccess(tx, lane.endpointId);
      metrics.webhookDeliveries.inc({ outcome: 'succeeded' });
      logger.info({ ...context, duration_ms: outcome.durationMs }, 'webhook delivered');
      return true;
    }
    const failing = (await recordEndpointFailure(tx, lane.endpointId, now))!;
    if (
      shouldDisable(failing.failingSince, now) &&
      (await disableEndpoint(tx, lane.endpointId, disabledReason(failing.failingSince!, outcome.error ?? outcome.result), now))
    ) {
      metrics.webhookEndpointsDisabled.inc();
      logger.warn({ endpoint_id: lane.endpointId, failing_since: failing.failingSince }, 'webhook endpoint disabled: every attempt failed for 5 days');
    }
    if (status === 'failed') {
      metrics.webhookDeliveries.inc({ outcome: 'failed' });
      logger.warn({ ...context, error: outcome.error }, 'webhook delivery failed: retry schedule spent');
      return true;
    }
    await wakeLanes(deps.boss, tx, [lane], nextAttemptAt!);
    logger.info({ ...context, error: outcome.error, next_attempt_at: nextAttemptAt }, 'webhook attempt failed; retry scheduled');
    return false;
  });
}

/** The safety net behind the wake-up jobs: lanes overdue by a minute are woken; old settled events go. */
export async function sweepWebhookLanes(deps: CommandDeps): Promise<{ woken: number; purged: number }> {
  const now = clock(deps);
  const lanes = await overdueLanes(deps.pool, new Date(now.getTime() - 60_000), 1000);
  await wakeLanes(deps.boss, deps.pool, lanes);
  const purged = await purgeOldEvents(deps.pool, new Date(now.getTime() - EVENT_RETENTION_DAYS * 86_400_000));
  return { woken: lanes.length, purged };
}
