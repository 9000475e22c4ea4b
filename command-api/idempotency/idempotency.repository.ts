import type { Queryable } from '../../shared/db/pool.ts';

export interface StoredKey {
  requestHash: string;
  state: 'running' | 'completed';
  responseStatus: number | null;
  /** The response body exactly as first sent. */
  responseBody: string | null;
}

/**
 * Claims the key for this request. A key is taken over only when it has expired, or when an
 * earlier run of the same request crashed and its lock lapsed. Returns the claim (its lock time,
 * which later writes must match so that a run that lost its claim cannot overwrite the new one).
 */
export async function claimKey(
  db: Queryable,
  k: { clientId: string; key: string; requestHash: string; ttlHours: number; lockSeconds: number },
): Promise<Claim | undefined> {
  const { rows } = await db.query(
    `INSERT INTO idempotency_keys (client_id, key, request_hash, state, created_at, expires_at, locked_until)
     VALUES ($1, $2, $3, 'running', now(), now() + make_interval(hours => $4), now() + make_interval(secs => $5))
     ON CONFLICT (client_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, state = 'running', response_status = NULL, response_body = NULL,
           created_at = now(), expires_at = EXCLUDED.expires_at, locked_until = EXCLUDED.locked_until
     WHERE idempotency_keys.expires_at <= now()
        OR (idempotency_keys.state = 'running' AND idempotency_keys.locked_until <= now()
            AND idempotency_keys.request_hash = EXCLUDED.request_hash)
     RETURNING locked_until::text AS claim`,
    [k.clientId, k.key, k.requestHash, k.ttlHours, k.lockSeconds],
  );
  return rows[0] ? { clientId: k.clientId, key: k.key, token: rows[0].claim } : undefined;
}

export interface Claim {
  clientId: string;
  key: string;
  token: string;
}

export async function findKey(db: Queryable, clientId: string, key: string): Promise<StoredKey | undefined> {
  const { rows } = await db.query(`SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE client_id = $1 AND key = $2`, [
    clientId,
    key,
  ]);
  const row = rows[0];
  return row ? { requestHash: row.request_hash, state: row.state, responseStatus: row.response_status, responseBody: row.response_body } : undefined;
}

/**
 * Stores the final answer. The body is kept as a JSON string (a jsonb string scalar) so that a
 * replay is byte for byte what was first sent: jsonb objects would reorder keys.
 */
export async function completeKey(db: Queryable, claim: Claim, response: { status: number; body: string }): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET state = 'completed', response_status = $4, response_body = to_jsonb($5::text), locked_until = NULL
     WHERE client_id = $1 AND key = $2 AND state = 'running' AND locked_until::text = $3`,
    [claim.clientId, claim.key, claim.token, response.status, response.body],
  );
}

/** Forgets a run that ended in a server error, so that a retry runs again. */
export async function releaseKey(db: Queryable, claim: Claim): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND state = 'running' AND locked_until::text = $3`, [
    claim.clientId,
    claim.key,
    claim.token,
  ]);
}

export async function purgeExpiredKeys(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM idempotency_keys WHERE expires_at <= now()`);
  return rowCount ?? 0;
}
