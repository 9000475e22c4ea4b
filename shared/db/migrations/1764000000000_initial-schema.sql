-- Up Migration
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE professionals (
  id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  category        text NOT NULL CHECK (category = lower(category) AND length(category) BETWEEN 1 AND 64),
  rate_per_minute integer NOT NULL CHECK (rate_per_minute > 0),
  currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  long            double precision NOT NULL CHECK (long BETWEEN -180 AND 180),
  travel_modes    text[] NOT NULL CHECK (
                    cardinality(travel_modes) > 0
                    AND travel_modes <@ ARRAY['car', 'motorbike', 'bicycle', 'walking', 'transit']),
  time_zone       text NOT NULL DEFAULT 'UTC',
  active          boolean NOT NULL DEFAULT true,
  search_version  bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX professionals_category_rate_idx ON professionals (category, rate_per_minute);

CREATE TABLE availabilities (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  professional_id text NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
  start_time      timestamptz NOT NULL,
  end_time        timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT availabilities_end_after_start CHECK (end_time > start_time),
  CONSTRAINT availabilities_no_overlap EXCLUDE USING gist (
    professional_id WITH =,
    tstzrange(start_time, end_time, '[)') WITH &&
  )
);
CREATE INDEX availabilities_professional_time_idx ON availabilities (professional_id, start_time, end_time);

CREATE TABLE bookings (
  id                         uuid PRIMARY KEY,
  professional_id            text NOT NULL REFERENCES professionals (id),
  client_id                  text NOT NULL,
  start_time                 timestamptz NOT NULL,
  end_time                   timestamptz NOT NULL,
  status                     text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'expired')),
  price_amount               integer NOT NULL CHECK (price_amount > 0),
  currency                   char(3) NOT NULL,
  payment_intent_id          text UNIQUE,
  hold_expires_at            timestamptz NOT NULL,
  idempotency_key            text NOT NULL,
  contact_email              text,
  payment_error              text,
  refund_id                  text,
  refund_amount              integer CHECK (refund_amount >= 0),
  refund_status              text,
  refunded_at                timestamptz,
  cancellation_reason        text,
  confirmed_at               timestamptz,
  cancelled_at               timestamptz,
  expired_at                 timestamptz,
  confirmation_email_sent_at timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bookings_end_after_start CHECK (end_time > start_time),
  CONSTRAINT bookings_client_idempotency_key UNIQUE (client_id, idempotency_key),
  -- The safety net no code path can bypass: two live bookings of one professional never overlap.
  CONSTRAINT bookings_no_double_booking EXCLUDE USING gist (
    professional_id WITH =,
    tstzrange(start_time, end_time, '[)') WITH &&
  ) WHERE (status IN ('pending', 'confirmed'))
);
CREATE INDEX bookings_professional_start_status_idx ON bookings (professional_id, start_time, status);
CREATE INDEX bookings_pending_hold_idx ON bookings (hold_expires_at) WHERE status = 'pending';

CREATE TABLE idempotency_keys (
  client_id       text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  state           text NOT NULL CHECK (state IN ('running', 'completed')),
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  locked_until    timestamptz,
  PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE stripe_events (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text
);

-- Down Migration
DROP TABLE stripe_events;
DROP TABLE idempotency_keys;
DROP TABLE bookings;
DROP TABLE availabilities;
DROP TABLE professionals;
