import { Counter, Histogram, type Registry } from 'prom-client';

export type CommandMetrics = ReturnType<typeof createCommandMetrics>;

export function createCommandMetrics(registry: Registry) {
  const registers = [registry];
  return {
    bookings: new Counter({
      name: 'bookings_total',
      help: 'Booking outcomes (created, conflict, confirmed, expired, cancelled, refunded, rescheduled, payment_provider_error, rejected)',
      labelNames: ['outcome'],
      registers,
    }),
    conflicts: new Counter({ name: 'booking_conflicts_total', help: 'Booking attempts refused because the slot was taken', registers }),
    idempotentReplays: new Counter({ name: 'idempotent_replays_total', help: 'Responses replayed for a repeated Idempotency-Key', registers }),
    idempotencyConflicts: new Counter({
      name: 'idempotency_conflicts_total',
      help: 'Idempotency-Key refusals by code',
      labelNames: ['code'],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Stripe webhook events by type and result',
      labelNames: ['type', 'result'],
      registers,
    }),
    paymentsFailed: new Counter({ name: 'payments_failed_total', help: 'payment_intent.payment_failed events processed', registers }),
    deadLetters: new Counter({ name: 'dead_letters_total', help: 'Jobs moved to a dead-letter queue', labelNames: ['queue'], registers }),
    emails: new Counter({ name: 'emails_total', help: 'Confirmation emails by result', labelNames: ['result'], registers }),
    webhookAttempts: new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Outgoing webhook attempts by result (success, http_error, redirect, timeout, body_too_large, refused_address, connection_error)',
      labelNames: ['result'],
      registers,
    }),
    webhookAttemptDuration: new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Outgoing webhook attempt latency by result',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Outgoing webhook deliveries settled, by outcome (succeeded, failed after the last retry)',
      labelNames: ['outcome'],
      registers,
    }),
    webhookEndpointsDisabled: new Counter({ name: 'webhook_endpoints_disabled_total', help: 'Webhook endpoints disabled after failing for 5 days', registers }),
    stripeLatency: new Histogram({
      name: 'stripe_request_duration_seconds',
      help: 'Stripe API latency by operation and result',
      labelNames: ['operation', 'result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
