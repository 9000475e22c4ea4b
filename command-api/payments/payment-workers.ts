import type { JobWithMetadata } from 'pg-boss';
import { QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { sendConfirmationEmail } from '../notifications/send-confirmation-email.ts';
import { processStripeEvent } from './process-stripe-event.ts';

/**
 * Registers the Stripe event and confirmation email workers. A job that throws is retried with the
 * queue's exponential backoff; after its last attempt pg-boss moves it to the queue's dead-letter
 * queue. Dead-lettered jobs are left there on purpose (a worker consuming them would complete them,
 * and `npm run replay-dead-letters` could no longer move them back): they are counted here when they
 * move, and show as `queue_depth_jobs{queue="…-dead-letter"}` until replayed.
 */
export async function registerPaymentWorkers(deps: CommandDeps): Promise<void> {
  // NOTIFY wakes workers for new jobs but not for retries coming due; without a short poll a retry
  // would wait for pg-boss's 30-second backstop poll on top of its backoff.
  const polling = { notifyPollingIntervalSeconds: 2 };
  await deps.boss.work(
    QUEUES.stripeEvent,
    { includeMetadata: true, batchSize: 1, localConcurrency: 2, ...polling },
    deadLetterAware(deps, QUEUES.stripeEventDeadLetter, (data: { event_id: string }) => processStripeEvent(deps, data.event_id)),
  );
  await deps.boss.work(
    QUEUES.confirmationEmail,
    { includeMetadata: true, batchSize: 1, ...polling },
    deadLetterAware(deps, QUEUES.confirmationEmailDeadLetter, (data: { booking_id: string }) => sendConfirmationEmail(deps, data.booking_id)),
  );
}

function deadLetterAware<T>(deps: CommandDeps, deadLetterQueue: string, handle: (data: T) => Promise<unknown>) {
  return async (jobs: JobWithMetadata<T>[]): Promise<void> => {
    for (const job of jobs) {
      try {
        await handle(job.data);
      } catch (err) {
        const context = { err: { message: (err as Error).message }, queue: job.name, job_id: job.id, data: job.data, attempt: job.retryCount + 1 };
        if (job.retryCount >= job.retryLimit) {
          deps.metrics.deadLetters.inc({ queue: deadLetterQueue });
          deps.logger.error({ ...context, dead_letter_queue: deadLetterQueue }, 'job failed its last attempt and moved to the dead-letter queue; replay with npm run replay-dead-letters');
        } else {
          deps.logger.warn(context, 'job failed; it will be retried with backoff');
        }
        throw err;
      }
    }
  };
}
