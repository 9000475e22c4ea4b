import type { Booking } from './bookings.repository.ts';

/** The public JSON shape of a booking. */
export function bookingView(b: Booking, payment?: { clientSecret: string | null }) {
  return {
    id: b.id,
    professional_id: b.professionalId,
    client_id: b.clientId,
    start_time: b.startTime.toISOString(),
    end_time: b.endTime.toISOString(),
    duration_minutes: Math.round((b.endTime.getTime() - b.startTime.getTime()) / 60_000),
    status: b.status,
    price: { amount: b.priceAmount, currency: b.currency },
    hold_expires_at: b.holdExpiresAt.toISOString(),
    payment: {
      provider: 'stripe',
      payment_intent_id: b.paymentIntentId,
      ...(payment ? { client_secret: payment.clientSecret } : {}),
      ...(b.paymentError ? { last_error: b.paymentError } : {}),
    },
    ...(b.refundId || b.refundAmount !== null ? { refund: { id: b.refundId, amount: b.refundAmount ?? 0, currency: b.currency, status: b.refundStatus } } : {}),
    ...(b.cancelledAt ? { cancelled_at: b.cancelledAt.toISOString(), cancellation_reason: b.cancellationReason } : {}),
    ...(b.cancelledBy ? { cancelled_by: b.cancelledBy } : {}),
    ...(b.rescheduledAt ? { rescheduled_at: b.rescheduledAt.toISOString() } : {}),
    ...(b.confirmedAt ? { confirmed_at: b.confirmedAt.toISOString() } : {}),
    ...(b.expiredAt ? { expired_at: b.expiredAt.toISOString() } : {}),
    created_at: b.createdAt.toISOString(),
    updated_at: b.updatedAt.toISOString(),
  };
}
