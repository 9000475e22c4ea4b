import { withTransaction } from '../../shared/db/pool.ts';
import type { CommandDeps } from '../deps.ts';
import { confirmationMessage } from './confirmation-message.ts';
import { findConfirmationEmail, lockConfirmationEmail, markConfirmationEmailSent } from './confirmation-email.repository.ts';

export type EmailOutcome = 'sent' | 'already_sent' | 'no_contact_email' | 'not_confirmed' | 'booking_not_found';

/**
 * Sends a booking's confirmation email once. Senders of one booking are serialised by a lock held
 * until `confirmation_email_sent_at` commits, so concurrent or repeated jobs find it set and skip.
 * An SMTP failure throws: the job is retried with backoff and the email is never lost.
 *
 * At-least-once caveat: if the process dies (or the commit fails) after the SMTP server accepted the
 * message and before the mark commits, the retry sends it again. That window is one round trip to
 * PostgreSQL wide; the resend carries the same Message-ID and calendar UID, so mail and calendar
 * clients treat it as the same message and event.
 */
export async function sendConfirmationEmail(deps: CommandDeps, bookingId: string): Promise<EmailOutcome> {
  let outcome: EmailOutcome;
  try {
    outcome = await withTransaction(deps.pool, async (tx): Promise<EmailOutcome> => {
      await lockConfirmationEmail(tx, bookingId);
      const row = await findConfirmationEmail(tx, bookingId);
      if (!row) return 'booking_not_found';
      if (row.sentAt) return 'already_sent';
      // Cancelled before the email went out: a "confirmed" email would now be wrong.
      if (row.status !== 'confirmed' || !row.confirmedAt) return 'not_confirmed';
      if (!row.contactEmail) return 'no_contact_email';
      const message = confirmationMessage({ ...row, contactEmail: row.contactEmail, confirmedAt: row.confirmedAt }, deps.config.mail.from);
      await deps.mailer.sendMail(message);
      await markConfirmationEmailSent(tx, bookingId);
      return 'sent';
    });
  } catch (err) {
    deps.metrics.emails.inc({ result: 'failed' });
    deps.logger.warn({ err: { message: (err as Error).message }, booking_id: bookingId }, 'confirmation email failed; the job will retry');
    throw err;
  }
  deps.metrics.emails.inc({ result: outcome });
  if (outcome === 'sent') deps.logger.info({ booking_id: bookingId }, 'confirmation email sent');
  else if (outcome !== 'already_sent') deps.logger.warn({ booking_id: bookingId, reason: outcome }, 'confirmation email skipped');
  return outcome;
}
