import type { DeliveryRow } from '../webhook-deliveries/webhook-deliveries.repository.ts';
import type { WebhookEndpoint } from './webhook-endpoints.repository.ts';

/** An endpoint as the API shows it; the secret only when it has just been created or rotated. */
export function endpointView(e: WebhookEndpoint, opts: { withSecret?: boolean } = {}) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    status: e.status,
    ...(e.status === 'disabled' ? { disabled_reason: e.disabledReason, disabled_at: e.disabledAt?.toISOString() ?? null } : {}),
    professional_id: e.professionalId,
    ...(opts.withSecret ? { secret: e.secret } : {}),
    ...(opts.withSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > e.updatedAt
      ? { previous_secret_expires_at: e.previousSecretExpiresAt.toISOString() }
      : {}),
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/** One event sent to one endpoint: its state and every attempt. `id` is the `webhook-id` header. */
export function deliveryView(d: DeliveryRow) {
  const body = JSON.parse(d.eventBody) as { type: string; timestamp: string; data: unknown };
  return {
    id: d.id,
    endpoint_id: d.endpointId,
    event: { id: d.eventId, type: d.eventType, timestamp: body.timestamp },
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    last_attempt_at: d.lastAttemptAt?.toISOString() ?? null,
    last_response_status: d.lastResponseStatus,
    last_error: d.lastError,
    completed_at: d.completedAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
    attempts: d.attempts.map((a) => ({
      attempted_at: a.attemptedAt.toISOString(),
      response_status: a.responseStatus,
      duration_ms: a.durationMs,
      result: a.result,
      error: a.error,
    })),
    payload: body,
  };
}
