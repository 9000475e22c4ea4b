import type { Queryable } from '../../shared/db/pool.ts';

export interface WebhookEndpoint {
  id: string;
  professionalId: string | null;
  createdBy: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  disabledAt: Date | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, professional_id, created_by, url, events, description, status, disabled_reason, disabled_at, secret,
  previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toEndpoint(r: any): WebhookEndpoint {
  return {
    id: r.id,
    professionalId: r.professional_id,
    createdBy: r.created_by,
    url: r.url,
    events: r.events,
    description: r.description,
    status: r.status,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    failingSince: r.failing_since,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Which endpoints a caller sees: all (admin) or those of one professional. */
export type EndpointScope = { all: true } | { professionalId: string };

function scopeClause(scope: EndpointScope, param: number): { sql: string; values: unknown[] } {
  return 'all' in scope ? { sql: 'TRUE', values: [] } : { sql: `professional_id = $${param}`, values: [scope.professionalId] };
}

export async function insertEndpoint(
  db: Queryable,
  e: { professionalId: string | null; createdBy: string; url: string; events: string[]; description: string | null; secret: string },
): Promise<WebhookEndpoint> {
  const { rows } = await db.query(
    `INSERT INTO webhook_endpoints (professional_id, created_by, url, events, description, secret)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [e.professionalId, e.createdBy, e.url, e.events, e.description, e.secret],
  );
  return toEndpoint(rows[0]);
}

export async function listEndpoints(db: Queryable, scope: EndpointScope): Promise<WebhookEndpoint[]> {
  const where = scopeClause(scope, 1);
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE ${where.sql} ORDER BY created_at, id LIMIT 1000`, where.values);
  return rows.map(toEndpoint);
}

export async function findEndpoint(
  db: Queryable,
  id: string,
  scope: EndpointScope = { all: true },
  opts: { forUpdate?: boolean } = {},
): Promise<WebhookEndpoint | undefined> {
  const where = scopeClause(scope, 2);
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND ${where.sql}${opts.forUpdate ? ' FOR UPDATE' : ''}`, [
    id,
    ...where.values,
  ]);
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export async function updateEndpoint(
  db: Queryable,
  id: string,
  changes: { url?: string; events?: string[]; description?: string | null; status?: 'enabled' | 'disabled'; disabledReason?: string | null },
  now: Date,
): Promise<WebhookEndpoint | undefined> {
  // Enabling clears the failure record, so the 5-day rule starts afresh; disabling records when and why.
  const { rows } = await db.query(
    `UPDATE webhook_endpoints SET
       url = COALESCE($2::text, url),
       events = COALESCE($3::text[], events),
       description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
       status = COALESCE($6::text, status),
       disabled_reason = CASE WHEN $6::text = 'enabled' THEN NULL WHEN $6::text = 'disabled' AND status = 'enabled' THEN $7::text ELSE disabled_reason END,
       disabled_at = CASE WHEN $6::text = 'enabled' THEN NULL WHEN $6::text = 'disabled' AND status = 'enabled' THEN $8::timestamptz ELSE disabled_at END,
       failing_since = CASE WHEN $6::text = 'enabled' THEN NULL ELSE failing_since END,
       updated_at = $8::timestamptz
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      changes.url ?? null,
      changes.events ?? null,
      changes.description !== undefined,
      changes.description ?? null,
      changes.status ?? null,
      changes.disabledReason ?? null,
      now,
    ],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export async function deleteEndpoint(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
}

/** The old secret keeps signing until `previousExpiresAt`; a second rotation within that time drops the oldest. */
export async function rotateSecret(db: Queryable, id: string, secret: string, now: Date, previousExpiresAt: Date): Promise<WebhookEndpoint | undefined> {
  const { rows } = await db.query(
    `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = $4
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, secret, previousExpiresAt, now],
  );
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

/** After a failed attempt: start (or keep) the failure record; returns the endpoint as it now is. */
export async function recordEndpointFailure(db: Queryable, id: string, now: Date): Promise<WebhookEndpoint | undefined> {
  const { rows } = await db.query(`UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, now]);
  return rows[0] ? toEndpoint(rows[0]) : undefined;
}

export async function recordEndpointSuccess(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [id]);
}

export async function disableEndpoint(db: Queryable, id: string, reason: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, disabled_at = $3, updated_at = $3
     WHERE id = $1 AND status = 'enabled'`,
    [id, reason, now],
  );
  return rowCount === 1;
}
