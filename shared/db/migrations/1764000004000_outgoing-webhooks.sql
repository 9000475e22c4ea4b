-- Up Migration
-- Outgoing webhooks (DESIGN 9): endpoints, the events (a transactional outbox written with the change
-- they describe), one delivery per event and endpoint, and every delivery attempt.

CREATE TABLE webhook_endpoints (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NULL: an admin's endpoint, every event; else only this professional's bookings and profile
  -- (the token's professional_id, which may subscribe before its profile exists).
  professional_id             text,
  created_by                  text NOT NULL,
  url                         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events                      text[] NOT NULL CHECK (cardinality(events) > 0),
  description                 text CHECK (length(description) <= 500),
  status                      text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  disabled_reason             text,
  disabled_at                 timestamptz,
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  -- First failed attempt since the last success; the endpoint is disabled when it gets too old.
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_professional_idx ON webhook_endpoints (professional_id);

CREATE TABLE webhook_events (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type            text NOT NULL,
  professional_id text NOT NULL,
  booking_id      uuid,
  -- The exact bytes sent (json, not jsonb: key order and spacing are what the signature covers).
  body            json NOT NULL,
  -- Set for events that several code paths may report (a refund): the second report is dropped.
  dedupe_key      text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- the `webhook-id` header, the same on every attempt
  seq              bigserial NOT NULL,                           -- order of the events within a lane
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  -- Events with the same key (one booking, or one professional's profile) reach the endpoint in order.
  ordering_key     text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count    integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  lease_token      uuid,
  lease_until      timestamptz,
  last_attempt_at  timestamptz,
  last_response_status integer,
  last_error       text,
  completed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_lane_idx ON webhook_deliveries (endpoint_id, ordering_key, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, seq DESC);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  id              bigserial PRIMARY KEY,
  delivery_id     uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at    timestamptz NOT NULL,
  response_status integer,
  duration_ms     integer NOT NULL,
  result          text NOT NULL,
  error           text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- Down Migration
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
