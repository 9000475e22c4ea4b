/** The events integrators can subscribe to (DESIGN 9). */
export const WEBHOOK_EVENT_TYPES = [
  'booking.created',
  'booking.confirmed',
  'booking.rescheduled',
  'booking.cancelled',
  'booking.expired',
  'booking.refunded',
  'professional.updated',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type BookingEventType = Extract<WebhookEventType, `booking.${string}`>;
