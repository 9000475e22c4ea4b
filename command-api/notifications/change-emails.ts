import { withTransaction, type Queryable } from '../../shared/db/pool.ts';
import { enqueue, QUEUES, type PgBoss } from '../../shared/queue.ts';
import type { Booking } from '../bookings/bookings.repository.ts';
import type { CommandDeps } from '../deps.ts';
import { cancelledMessage, rescheduledMessage } from './confirmation-message.ts';
import { insertChangeEmail, lockChangeEmail, markChangeEmailSent, type ChangeEmailKind } from './booking-emails.repository.ts';
import type { EmailOutcome } from './send-confirmation-email.ts';

export interface ChangeEmailJob {
  booking_id: string;
  kind: ChangeEmailKind;
  sequence: number;
}

/**
 * Queues the email of a change inside the transaction that made it (`booking` as the change left it):
 * the email exists if and only if the change commits. The iCalendar SEQUENCE is the booking's number
 * of reschedules (0 for the confirmation), one more for the cancellation.
 */
export async function queueChangeEmail(boss: PgBoss, tx: Queryable, booking: Booking, kind: ChangeEmailKind): Promise<void> {
  const sequence = kind === 'rescheduled' ? booking.rescheduleCount : booking.rescheduleCount + 1;
  const recorded = await insertChangeEmail(tx, {
    bookingId: booking.id,
    kind,
    sequence,
    startTime: booking.startTime,
    endTime: booking.endTime,
    refundAmount: kind === 'cancelled' ? booking.refundAmount : null,
    changedAt: booking.updatedAt,
  });
  if (recorded) await enqueue(boss, tx, QUEUES.confirmationEmail, { booking_id: booking.id, kind, sequence } satisfies ChangeEmailJob);
}

/**
 * Sends one change email once: the row stays locked while SMTP answers and is marked sent in the same
 * transaction (the at-least-once caveat of sendConfirmationEmail applies, with a stable Message-ID).
 */
export async function sendChangeEmail(deps: CommandDeps, job: ChangeEmailJob): Promise<EmailOutcome> {
  let outcome: EmailOutcome;
  try {
    outcome = await withTransaction(deps.pool, async (tx): Promise<EmailOutcome> => {
      const row = await lockChangeEmail(tx, job.booking_id, job.kind, job.sequence);
      if (!row) return 'booking_not_found';
      if (row.sentAt) return 'already_sent';
      if (!row.contactEmail || !row.confirmedAt) return 'no_contact_email';
      const booking = { id: row.bookingId, ...row, contactEmail: row.contactEmail, confirmedAt: row.confirmedAt };
      const message =
        row.kind === 'rescheduled'
          ? rescheduledMessage(booking, deps.config.mail.from, { sequence: row.sequence, at: row.changedAt })
          : cancelledMessage(booking, deps.config.mail.from, { sequence: row.sequence, at: row.changedAt, refundAmount: row.refundAmount });
      await deps.mailer.sendMail(message);
      await markChangeEmailSent(tx, row.bookingId, row.kind, row.sequence);
      return 'sent';
    });
  } catch (err) {
    deps.metrics.emails.inc({ result: 'failed' });
    deps.logger.warn({ err: { message: (err as Error).message }, booking_id: job.booking_id, kind: job.kind }, 'booking email failed; the job will retry');
    throw err;
  }
  deps.metrics.emails.inc({ result: outcome });
  if (outcome === 'sent') deps.logger.info({ booking_id: job.booking_id, kind: job.kind, sequence: job.sequence }, 'booking email sent');
  else if (outcome !== 'already_sent') deps.logger.warn({ booking_id: job.booking_id, kind: job.kind, reason: outcome }, 'booking email skipped');
  return outcome;
}
