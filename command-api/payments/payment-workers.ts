import type { JobResult, JobWithMetadata } from 'pg-boss';
import { QUEUES } from '../../shared/queue.ts';
import type { CommandDeps } from '../deps.ts';
import { sendConfirmationEmail } from '../notifications/send-confirmation-email.ts';
import { sendChangeEmail, type ChangeEmailJob } from '../notifications/change-emails.ts';
import { processStripeEvent } from './process-stripe-event.ts';

/**
 * Registers the Stripe event and confirmation email workers. A job that throws is retried with the
 * queue's exponential backoff; after its last attempt pg-boss moves it to the queue's dead-letter
 * queue. Dead-lettered jobs are left there on purpose (a worker consuming them would complete them,
 * and `npm run replay-dead-letters` could no longer move them back): they are counted here when they
 * move, and show as `queue_depth_jobs{queue="…-dead-letter"}` until replayed.
 */
export async function registerPaymentWorkers(deps: CommandDeps): Promise<void> {
  // A burst drains fast: each fetch takes a batch whose jobs run side by side, and a full batch
  // fetches the next at once. NOTIFY wakes idle workers for new jobs but not for retries coming due;
  // without a short poll a retry would wait for pg-boss's 30-second backstop poll on top of its backoff.
  const options = { includeMetadata: true, perJobResults: true, batchSize: JOB_BATCH_SIZE, burstWhenBatchFull: true, notifyPollingIntervalSeconds: 2 } as const;
  await deps.boss.work(
    QUEUES.stripeEvent,
    options,
    deadLetterAware(deps, QUEUES.stripeEventDeadLetter, (data: { event_id: string }) => processStripeEvent(deps, data.event_id)),
  );
  await deps.boss.work(
    QUEUES.confirmationEmail,
    options,
    // One queue for every booking email: the confirmation ({ booking_id }) and the emails of later changes.
    deadLetterAware(deps, QUEUES.confirmationEmailDeadLetter, (data: { booking_id: string } | ChangeEmailJob) =>
      'kind' in data ? sendChangeEmail(deps, data) : sendConfirmationEmail(deps, data.booking_id),
    ),
  );
}

/** Jobs of one queue in flight at once; each holds a worker-pool connection while it runs. */
export const JOB_BATCH_SIZE = 4;

/**
 * Runs a batch's jobs concurrently and settles each on its own: one failing job is retried (or
 * dead-lettered) without sending the others of its batch round again.
 */
function deadLetterAware<T>(deps: CommandDeps, deadLetterQueue: string, handle: (data: T) => Promise<unknown>) {
  return (jobs: JobWithMetadata<T>[]): Promise<JobResult[]> =>
    Promise.all(
      jobs.map(async (job): Promise<JobResult> => {
        try {
          await handle(job.data);
          return { id: job.id, status: 'completed' };
        } catch (err) {
          const message = (err as Error).message;
          const context = { err: { message }, queue: job.name, job_id: job.id, data: job.data, attempt: job.retryCount + 1 };
          if (job.retryCount >= job.retryLimit) {
            deps.metrics.deadLetters.inc({ queue: deadLetterQueue });
            deps.logger.error(
              { ...context, dead_letter_queue: deadLetterQueue },
              'job failed its last attempt and moved to the dead-letter queue; replay with npm run replay-dead-letters',
            );
          } else {
            deps.logger.warn(context, 'job failed; it will be retried with backoff');
          }
          return { id: job.id, status: 'failed', output: { message } };
        }
      }),
    );
}
