-- Up Migration
-- A booking blocks [start − buffer_before, end + buffer_after) with the buffers of booking time, and
-- the no-double-booking constraint moves to that range. Existing bookings had no buffers.
ALTER TABLE bookings ADD COLUMN blocked_start timestamptz, ADD COLUMN blocked_end timestamptz;
UPDATE bookings SET blocked_start = start_time, blocked_end = end_time;

-- Writers that do not name the blocked range (older code paths, fixtures) block exactly the booking;
-- moving a booking's times moves its blocked range with the buffers it was booked with.
CREATE FUNCTION bookings_fill_blocked_range() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.blocked_start := COALESCE(NEW.blocked_start, NEW.start_time);
    NEW.blocked_end := COALESCE(NEW.blocked_end, NEW.end_time);
  ELSIF (NEW.start_time, NEW.end_time) IS DISTINCT FROM (OLD.start_time, OLD.end_time)
        AND (NEW.blocked_start, NEW.blocked_end) IS NOT DISTINCT FROM (OLD.blocked_start, OLD.blocked_end) THEN
    NEW.blocked_start := NEW.start_time - (OLD.start_time - OLD.blocked_start);
    NEW.blocked_end := NEW.end_time + (OLD.blocked_end - OLD.end_time);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER bookings_fill_blocked_range BEFORE INSERT OR UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_fill_blocked_range();

ALTER TABLE bookings
  ALTER COLUMN blocked_start SET NOT NULL,
  ALTER COLUMN blocked_end SET NOT NULL,
  ADD CONSTRAINT bookings_blocked_range_covers_booking CHECK (blocked_start <= start_time AND blocked_end >= end_time),
  DROP CONSTRAINT bookings_no_double_booking,
  ADD CONSTRAINT bookings_no_double_booking EXCLUDE USING gist (
    professional_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
  ) WHERE (status IN ('pending', 'confirmed'));

-- Down Migration
ALTER TABLE bookings
  DROP CONSTRAINT bookings_no_double_booking,
  DROP CONSTRAINT bookings_blocked_range_covers_booking,
  ADD CONSTRAINT bookings_no_double_booking EXCLUDE USING gist (
    professional_id WITH =,
    tstzrange(start_time, end_time, '[)') WITH &&
  ) WHERE (status IN ('pending', 'confirmed'));
DROP TRIGGER bookings_fill_blocked_range ON bookings;
DROP FUNCTION bookings_fill_blocked_range();
ALTER TABLE bookings DROP COLUMN blocked_start, DROP COLUMN blocked_end;
