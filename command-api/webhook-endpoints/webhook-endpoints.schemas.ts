import { Joi } from '../../shared/validation.ts';
import { WEBHOOK_EVENT_TYPES } from '../webhook-deliveries/event-types.ts';

/** Every joi schema of the webhook endpoints API, in one module (they can feed the OpenAPI document). */
const url = Joi.string().trim().min(1).max(2048);
const events = Joi.array()
  .items(Joi.string().valid(...WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .unique()
  .messages({ 'array.min': 'events must name at least one event', 'array.unique': 'events must not repeat an event' });
// No control characters (PostgreSQL text refuses NUL; the others only hide things in a UI).
const description = Joi.string()
  .trim()
  .max(500)
  .allow('')
  .pattern(/^[^\u0000-\u001f\u007f]*$/)
  .messages({ 'string.pattern.base': 'description must not contain control characters' });

export const createEndpointBody = Joi.object({ url: url.required(), events: events.required(), description }).required();

export const updateEndpointBody = Joi.object({
  url,
  events,
  description: description.allow(null),
  status: Joi.string().valid('enabled', 'disabled'),
})
  .min(1)
  .required();

export const deliveriesQuery = Joi.object({
  status: Joi.string().valid('pending', 'succeeded', 'failed'),
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string()
    .max(200)
    .pattern(/^[A-Za-z0-9_-]+$/),
});

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
