import { QUEUES } from '../shared/queue.ts';
import type { CommandDeps } from './deps.ts';
import { expireHold, sweepLapsedHolds } from './holds/expire-holds.ts';
import { findBooking } from './bookings/bookings.repository.ts';
import { purgeExpiredKeys } from './idempotency/idempotency.repository.ts';
import { registerPaymentWorkers } from './payments/payment-workers.ts';
import { registerWebhookWorkers } from './webhook-deliveries/webhook-workers.ts';

async function assertSettled(deps: CommandDeps, bookingId: string): Promise<void> {
  const booking = await findBooking(deps.pool, bookingId);
  if (booking?.status === 'pending') throw new Error(`hold of booking ${bookingId} has not lapsed yet`);
}

/** The command side's background jobs; they run in the command-api process (or a copy of it). */
export async function startWorkers(deps: CommandDeps): Promise<void> {
  const { boss } = deps;
  await boss.work<{ booking_id: string }>(QUEUES.holdExpiry, { batchSize: 5, pollingIntervalSeconds: 1 }, async (jobs) => {
    for (const job of jobs) {
      // A job fetched a moment before the hold lapses is retried rather than lost.
      if ((await expireHold(deps, job.data.booking_id)) === 'not_due') await assertSettled(deps, job.data.booking_id);
    }
  });
  await boss.work(QUEUES.holdSweep, async () => {
    const expired = await sweepLapsedHolds(deps);
    if (expired > 0) deps.logger.info({ expired }, 'hold sweep expired lapsed holds');
  });
  await boss.schedule(QUEUES.holdSweep, deps.config.booking.holdSweepCron);
  await boss.work(QUEUES.idempotencyPurge, async () => {
    const purged = await purgeExpiredKeys(deps.pool);
    if (purged > 0) deps.logger.info({ purged }, 'expired idempotency keys purged');
  });
  await boss.schedule(QUEUES.idempotencyPurge, '17 * * * *');
  await registerPaymentWorkers(deps);
  await registerWebhookWorkers(deps);
}
