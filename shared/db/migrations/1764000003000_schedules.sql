-- Up Migration
-- Weekly hours in the professional's time zone and the booking rules (DESIGN 3.2). A professional
-- without a row has the defaults: no weekly hours, buffers 0, notice 0, horizon 365 days, step 5.
CREATE TABLE schedules (
  professional_id        text PRIMARY KEY REFERENCES professionals (id) ON DELETE CASCADE,
  -- [{ "day": "monday", "start": "09:00", "end": "17:00" }, …], validated by the API
  weekly                 jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(weekly) = 'array'),
  buffer_before_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
  buffer_after_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
  minimum_notice_minutes integer NOT NULL DEFAULT 0 CHECK (minimum_notice_minutes BETWEEN 0 AND 43200),
  booking_horizon_days   integer NOT NULL DEFAULT 365 CHECK (booking_horizon_days BETWEEN 1 AND 365),
  slot_step_minutes      integer NOT NULL DEFAULT 5 CHECK (slot_step_minutes BETWEEN 5 AND 240),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- A local date whose intervals replace that weekday's weekly hours ([] = not available).
CREATE TABLE schedule_overrides (
  professional_id text NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
  local_date      date NOT NULL,
  intervals       jsonb NOT NULL CHECK (jsonb_typeof(intervals) = 'array'),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (professional_id, local_date)
);

-- Down Migration
DROP TABLE schedule_overrides;
DROP TABLE schedules;
