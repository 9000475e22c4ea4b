-- Up Migration
-- Booking lifecycle (DESIGN 3.3): reschedules, per-professional cancellation policies, who cancelled,
-- the "rescheduled" and "cancelled" emails (an outbox written with the change), and the indexes of
-- GET /bookings (ordered by start_time, then id, per client, per professional and for admins).
ALTER TABLE bookings
  ADD COLUMN rescheduled_at timestamptz,
  ADD COLUMN reschedule_count integer NOT NULL DEFAULT 0 CHECK (reschedule_count >= 0),
  ADD COLUMN cancelled_by text CHECK (cancelled_by IN ('client', 'professional', 'admin'));

-- Tiers [{hours_before, refund_percent}], validated by the API (at most 10, distinct hours_before).
ALTER TABLE professionals
  ADD COLUMN cancellation_policy jsonb NOT NULL DEFAULT '[{"hours_before": 24, "refund_percent": 100}]'
    CHECK (jsonb_typeof(cancellation_policy) = 'array' AND jsonb_array_length(cancellation_policy) <= 10);

-- One row per email to send; the sender marks it sent. `sequence` is the iCalendar SEQUENCE, so each
-- reschedule has its own email and a retried job never sends one twice.
CREATE TABLE booking_emails (
  booking_id    uuid NOT NULL REFERENCES bookings (id),
  kind          text NOT NULL CHECK (kind IN ('rescheduled', 'cancelled')),
  sequence      integer NOT NULL CHECK (sequence >= 0),
  start_time    timestamptz NOT NULL,
  end_time      timestamptz NOT NULL,
  refund_amount integer CHECK (refund_amount >= 0),
  changed_at    timestamptz NOT NULL,
  sent_at       timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booking_id, kind, sequence)
);

CREATE INDEX bookings_client_start_id_idx ON bookings (client_id, start_time, id);
CREATE INDEX bookings_professional_start_id_idx ON bookings (professional_id, start_time, id);
CREATE INDEX bookings_start_id_idx ON bookings (start_time, id);

-- Down Migration
DROP INDEX bookings_start_id_idx;
DROP INDEX bookings_professional_start_id_idx;
DROP INDEX bookings_client_start_id_idx;
DROP TABLE booking_emails;
ALTER TABLE professionals DROP COLUMN cancellation_policy;
ALTER TABLE bookings DROP COLUMN cancelled_by, DROP COLUMN reschedule_count, DROP COLUMN rescheduled_at;
