import type { Queryable } from '../../shared/db/pool.ts';
import { enqueueMany, QUEUES, type PgBoss } from '../../shared/queue.ts';
import type { Booking } from '../bookings/bookings.repository.ts';
import { bookingView } from '../bookings/booking-view.ts';
import type { Professional } from '../professionals/professionals.repository.ts';
import { professionalView } from '../professionals/professional-view.ts';
import { orderingKey } from './delivery-policy.ts';
import type { BookingEventType } from './event-types.ts';
import { insertEventWithDeliveries, type Lane, type NewEvent } from './webhook-deliveries.repository.ts';

/**
 * The transactional outbox: call inside the transaction that changed the booking, after the change.
 * The event, its deliveries and the jobs that send them commit (or roll back) with the change.
 * `booking` is the row as the change left it; its `updatedAt` (the transaction's time) is the event's timestamp.
 */
export async function recordBookingEvent(boss: PgBoss, db: Queryable, type: BookingEventType, booking: Booking): Promise<void> {
  await record(boss, db, {
    type,
    professionalId: booking.professionalId,
    bookingId: booking.id,
    body: eventBody(type, booking.updatedAt, bookingView(booking)),
    // Stripe's charge.refunded and our own refund call may both report one refund: one event per refund state.
    dedupeKey: type === 'booking.refunded' ? `${booking.id}:${booking.refundId}:${booking.refundAmount}:${booking.refundStatus}` : null,
    orderingKey: orderingKey({ bookingId: booking.id }),
    at: booking.updatedAt,
  });
}

/** `professional.updated`, inside the transaction that changed the profile. */
export async function recordProfessionalEvent(boss: PgBoss, db: Queryable, professional: Professional): Promise<void> {
  await record(boss, db, {
    type: 'professional.updated',
    professionalId: professional.id,
    bookingId: null,
    body: eventBody('professional.updated', professional.updatedAt, professionalView(professional)),
    dedupeKey: null,
    orderingKey: orderingKey({ professionalId: professional.id }),
    at: professional.updatedAt,
  });
}

function eventBody(type: string, at: Date, data: object): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

async function record(boss: PgBoss, db: Queryable, event: NewEvent): Promise<void> {
  const deliveries = await insertEventWithDeliveries(db, event);
  await wakeLanes(
    boss,
    db,
    deliveries.map((d) => ({ endpointId: d.endpointId, orderingKey: event.orderingKey })),
  );
}

/** Sends the jobs that make workers look at these lanes (at `at`, or at once). Extra wake-ups are harmless. */
export async function wakeLanes(boss: PgBoss, db: Queryable, lanes: Lane[], at?: Date): Promise<void> {
  await enqueueMany(
    boss,
    db,
    QUEUES.webhookDelivery,
    lanes.map((lane) => ({
      data: { endpoint_id: lane.endpointId, ordering_key: lane.orderingKey },
      // Grouped by endpoint: a slow or dead endpoint holds at most a few workers, never all of them.
      group: { id: lane.endpointId },
      ...(at ? { startAfter: at } : {}),
    })),
  );
}
