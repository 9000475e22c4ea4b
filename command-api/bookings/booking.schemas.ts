/** The request and response shapes of the booking endpoints: validators and OpenAPI both come from here. */
import { BOOKING_STATUSES, currencyOut, instantOut, professionalId, UUID_PATTERN } from '../../shared/api-shapes.ts';
import { isoInstant, Joi, multilineText } from '../../shared/validation.ts';

export const DURATION = { min: 15, max: 480, step: 5 } as const;

export const createBookingBody = Joi.object({
  professional_id: professionalId().required(),
  start_time: isoInstant().required().description('Start of the slot; must be in the future and, with the duration, inside one availability window.'),
  duration_minutes: Joi.number()
    .strict()
    .integer()
    .min(DURATION.min)
    .max(DURATION.max)
    .multiple(DURATION.step)
    .required()
    .description('A JSON number; strings are refused.'),
})
  .required()
  .messages({ 'any.required': '{{#label}} is required', 'object.base': 'the body must be a JSON object' });

export const cancelBookingBody = Joi.object({ reason: multilineText().trim().max(500).description('Trimmed; line breaks allowed.') });

const price = Joi.object({
  amount: Joi.number().integer().min(0).required().description('Minor units: `rate_per_minute × duration_minutes`.'),
  currency: currencyOut().required(),
}).id('Price');

const payment = Joi.object({
  provider: Joi.string().valid('stripe').required(),
  payment_intent_id: Joi.string().allow(null).required().description('Stripe PaymentIntent id; null until it has been created.'),
  client_secret: Joi.string().allow(null).description('Only in the answer to `POST /bookings` (and its replays): confirm the payment with Stripe.js using it.'),
  last_error: Joi.string().description('The last payment failure reported by Stripe; the hold is kept so the client may retry.'),
}).id('Payment');

const refund = Joi.object({
  id: Joi.string().allow(null).required().description('Stripe refund id; null when nothing was refunded.'),
  amount: Joi.number().integer().min(0).required().description('Refunded amount in minor units (0 when cancelled too late for a refund).'),
  currency: currencyOut().required(),
  status: Joi.string().allow(null).required().description('`none` when no refund was due, otherwise the Stripe refund status.'),
}).id('Refund');

export const bookingSchema = Joi.object({
  id: Joi.string().pattern(UUID_PATTERN).required(),
  professional_id: professionalId().required(),
  client_id: Joi.string().required().description('The `sub` of the client who booked.'),
  start_time: instantOut('Start of the booked interval (UTC).').required(),
  end_time: instantOut('End of the booked interval (exclusive, UTC).').required(),
  duration_minutes: Joi.number().integer().min(DURATION.min).max(DURATION.max).required(),
  status: Joi.string()
    .valid(...BOOKING_STATUSES)
    .required()
    .description(
      '`pending` holds the slot until `hold_expires_at`; `confirmed` once paid; `cancelled`; `expired` when the hold lapsed or the payment provider failed.',
    ),
  price: price.required(),
  hold_expires_at: instantOut('Until when a `pending` booking holds the slot.').required(),
  payment: payment.required(),
  refund,
  cancelled_at: instantOut('Present once cancelled.'),
  cancellation_reason: Joi.string().allow(null).description('Present once cancelled.'),
  cancelled_by: Joi.string().valid('client', 'professional', 'admin').description('Present once cancelled: who cancelled it.'),
  rescheduled_at: instantOut('Present once rescheduled: when it last moved.'),
  confirmed_at: instantOut('Present once confirmed.'),
  expired_at: instantOut('Present once expired.'),
  created_at: instantOut('Creation time.').required(),
  updated_at: instantOut('Last change.').required(),
});

export const webhookAckSchema = Joi.object({
  received: Joi.boolean().valid(true).required(),
  duplicate: Joi.boolean().required().description('true when this event id was already received; it is not processed again.'),
});

export const rescheduleBookingBody = Joi.object({
  start_time: isoInstant().required().description('The new start; the booking keeps its duration and price. Every booking rule of the schedule applies to it.'),
})
  .required()
  .messages({ 'any.required': '{{#label}} is required', 'object.base': 'the body must be a JSON object' });

export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,400}$/;

export const listBookingsQuery = Joi.object({
  status: Joi.string().valid(...BOOKING_STATUSES),
  from: isoInstant().description('Only bookings starting at or after this instant.'),
  to: isoInstant().description('Only bookings starting before this instant.'),
  professional_id: professionalId().description('Only this professional’s bookings (narrows what the caller may see).'),
  client_id: Joi.string().max(255).description('Only this client’s bookings (narrows what the caller may see).'),
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string()
    .pattern(CURSOR_PATTERN)
    .messages({ 'string.pattern.base': 'cursor must be a next_cursor returned by this endpoint' })
    .description('Opaque `page.next_cursor` of the previous page, with the same filters.'),
});
