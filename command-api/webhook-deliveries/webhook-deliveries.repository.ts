import type { Queryable } from '../../shared/db/pool.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface NewEvent {
  type: string;
  professionalId: string;
  bookingId: string | null;
  body: string;
  dedupeKey: string | null;
  orderingKey: string;
  /** When the deliveries become due (the change's time). */
  at: Date;
}

/**
 * Stores the event and one pending delivery per enabled endpoint subscribed to it and allowed to see
 * it (admin endpoints: all; a professional's: its own). A repeated `dedupeKey` stores nothing.
 */
export async function insertEventWithDeliveries(db: Queryable, e: NewEvent): Promise<Array<{ id: string; endpointId: string }>> {
  const { rows } = await db.query(
    `WITH event AS (
       INSERT INTO webhook_events (type, professional_id, booking_id, body, dedupe_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
     )
     INSERT INTO webhook_deliveries (endpoint_id, event_id, ordering_key, next_attempt_at)
     SELECT e.id, event.id, $6, $7 FROM event JOIN webhook_endpoints e
       ON e.status = 'enabled' AND $1 = ANY (e.events) AND (e.professional_id IS NULL OR e.professional_id = $2)
     ORDER BY e.id
     RETURNING id, endpoint_id`,
    [e.type, e.professionalId, e.bookingId, e.body, e.dedupeKey, e.orderingKey, e.at],
  );
  return rows.map((r) => ({ id: r.id, endpointId: r.endpoint_id }));
}

export interface Lane {
  endpointId: string;
  orderingKey: string;
}

export interface LaneHeadRow {
  id: string;
  attemptCount: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  endpointEnabled: boolean;
}

/** The lane's oldest pending delivery, row-locked so claimers of one lane take turns. */
export async function lockLaneHead(db: Queryable, lane: Lane): Promise<LaneHeadRow | undefined> {
  const { rows } = await db.query(
    `SELECT d.id, d.attempt_count, d.next_attempt_at, d.lease_until, e.status = 'enabled' AS endpoint_enabled
     FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.endpoint_id = $1 AND d.ordering_key = $2 AND d.status = 'pending'
     ORDER BY d.seq LIMIT 1 FOR UPDATE OF d`,
    [lane.endpointId, lane.orderingKey],
  );
  const r = rows[0];
  return r
    ? { id: r.id, attemptCount: r.attempt_count, nextAttemptAt: r.next_attempt_at, leaseUntil: r.lease_until, endpointEnabled: r.endpoint_enabled }
    : undefined;
}

export interface ClaimedDelivery {
  id: string;
  attemptCount: number;
  body: string;
  eventType: string;
}

export async function leaseDelivery(db: Queryable, id: string, token: string, until: Date): Promise<ClaimedDelivery> {
  const { rows } = await db.query(
    `UPDATE webhook_deliveries d SET lease_token = $2, lease_until = $3, attempt_count = attempt_count + 1
     FROM webhook_events ev WHERE d.id = $1 AND ev.id = d.event_id
     RETURNING d.id, d.attempt_count, ev.body::text AS body, ev.type`,
    [id, token, until],
  );
  const r = rows[0];
  return { id: r.id, attemptCount: r.attempt_count, body: r.body, eventType: r.type };
}

export async function insertAttempt(
  db: Queryable,
  a: { deliveryId: string; attemptedAt: Date; responseStatus: number | null; durationMs: number; result: string; error: string | null },
): Promise<void> {
  await db.query(`INSERT INTO webhook_attempts (delivery_id, attempted_at, response_status, duration_ms, result, error) VALUES ($1, $2, $3, $4, $5, $6)`, [
    a.deliveryId,
    a.attemptedAt,
    a.responseStatus,
    a.durationMs,
    a.result,
    a.error,
  ]);
}

/**
 * Settles an attempt, only while this worker still holds the lease (a worker that stalled past it
 * lost the delivery to another one, which sends it again). `nextAttemptAt` null: no retry.
 */
export async function settleDelivery(
  db: Queryable,
  d: { id: string; token: string; status: DeliveryStatus; nextAttemptAt: Date | null; at: Date; responseStatus: number | null; error: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = $3::text, next_attempt_at = COALESCE($4::timestamptz, next_attempt_at), lease_token = NULL,
            lease_until = NULL, last_attempt_at = $5::timestamptz, last_response_status = $6, last_error = $7,
            completed_at = CASE WHEN $3::text = 'pending' THEN NULL ELSE $5::timestamptz END, updated_at = $5::timestamptz
     WHERE id = $1 AND lease_token = $2 AND status = 'pending'`,
    [d.id, d.token, d.status, d.nextAttemptAt, d.at, d.responseStatus, d.error],
  );
  return rowCount === 1;
}

/** Lanes of an endpoint that have pending deliveries (to wake them when it is enabled again). */
export async function pendingLanes(db: Queryable, endpointId: string): Promise<Lane[]> {
  const { rows } = await db.query(`SELECT DISTINCT ordering_key FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId]);
  return rows.map((r) => ({ endpointId, orderingKey: r.ordering_key }));
}

/** Lanes whose head is overdue and not being attempted: their wake-up job was lost (safety net). */
export async function overdueLanes(db: Queryable, olderThan: Date, limit: number): Promise<Lane[]> {
  const { rows } = await db.query(
    `SELECT DISTINCT d.endpoint_id, d.ordering_key FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND e.status = 'enabled' AND d.next_attempt_at < $1 AND (d.lease_until IS NULL OR d.lease_until < $1)
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e2 WHERE e2.endpoint_id = d.endpoint_id AND e2.ordering_key = d.ordering_key
                         AND e2.status = 'pending' AND e2.seq < d.seq)
     LIMIT $2`,
    [olderThan, limit],
  );
  return rows.map((r) => ({ endpointId: r.endpoint_id, orderingKey: r.ordering_key }));
}

/** Events older than the retention whose deliveries are all settled, with their deliveries and attempts. */
export async function purgeOldEvents(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM webhook_events ev WHERE ev.id IN (
       SELECT id FROM webhook_events WHERE created_at < $1 ORDER BY created_at LIMIT 5000)
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id AND d.status = 'pending')`,
    [before],
  );
  return rowCount ?? 0;
}

export interface DeliveryRow {
  id: string;
  seq: number;
  endpointId: string;
  eventId: string;
  eventType: string;
  eventBody: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  completedAt: Date | null;
  createdAt: Date;
  attempts: Array<{ attemptedAt: Date; responseStatus: number | null; durationMs: number; result: string; error: string | null }>;
}

const DELIVERY_SELECT = `SELECT d.id, d.seq, d.endpoint_id, d.event_id, ev.type, ev.body::text AS body, d.status, d.attempt_count, d.next_attempt_at,
         d.last_attempt_at, d.last_response_status, d.last_error, d.completed_at, d.created_at,
         COALESCE((SELECT json_agg(json_build_object('attempted_at', a.attempted_at, 'response_status', a.response_status,
                    'duration_ms', a.duration_ms, 'result', a.result, 'error', a.error) ORDER BY a.id)
                   FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
  FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toDelivery(r: any): DeliveryRow {
  return {
    id: r.id,
    seq: r.seq,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.type,
    eventBody: r.body,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastResponseStatus: r.last_response_status,
    lastError: r.last_error,
    completedAt: r.completed_at,
    createdAt: r.created_at,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    attempts: r.attempts.map((a: any) => ({
      attemptedAt: new Date(a.attempted_at),
      responseStatus: a.response_status,
      durationMs: a.duration_ms,
      result: a.result,
      error: a.error,
    })),
  };
}

/** An endpoint's deliveries, newest first; `beforeSeq` continues a page. */
export async function listDeliveries(
  db: Queryable,
  endpointId: string,
  q: { status?: DeliveryStatus; limit: number; beforeSeq?: number },
): Promise<DeliveryRow[]> {
  const { rows } = await db.query(
    `${DELIVERY_SELECT}
     WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR d.seq < $3)
     ORDER BY d.seq DESC LIMIT $4`,
    [endpointId, q.status ?? null, q.beforeSeq ?? null, q.limit],
  );
  return rows.map(toDelivery);
}

export async function findDelivery(db: Queryable, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  const { rows } = await db.query(`${DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND d.id = $2`, [endpointId, id]);
  return rows[0] ? toDelivery(rows[0]) : undefined;
}

/** A manual retry: the delivery is pending and due now, whatever it was (a running attempt keeps its lease). */
export async function reopenDelivery(db: Queryable, endpointId: string, id: string, now: Date): Promise<{ orderingKey: string } | undefined> {
  const { rows } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, completed_at = NULL, updated_at = $3
     WHERE endpoint_id = $1 AND id = $2 RETURNING ordering_key`,
    [endpointId, id, now],
  );
  return rows[0] ? { orderingKey: rows[0].ordering_key } : undefined;
}

/** Age of the oldest lane head that is due and not being attempted (0 when none): how far the workers lag. */
export async function oldestDueAgeSeconds(db: Queryable, now: Date): Promise<number> {
  const { rows } = await db.query(
    `SELECT COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(d.next_attempt_at))), 0)::float8 AS age
     FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
     WHERE d.status = 'pending' AND e.status = 'enabled' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $1)
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e2 WHERE e2.endpoint_id = d.endpoint_id AND e2.ordering_key = d.ordering_key
                         AND e2.status = 'pending' AND e2.seq < d.seq)`,
    [now],
  );
  return Math.max(0, rows[0].age);
}

/** Enabled endpoints whose attempts have all failed for at least `minSeconds`. */
export async function failingEndpointCount(db: Queryable, now: Date, minSeconds: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM webhook_endpoints
     WHERE status = 'enabled' AND failing_since IS NOT NULL AND failing_since <= $1::timestamptz - make_interval(secs => $2)`,
    [now, minSeconds],
  );
  return rows[0].n;
}
