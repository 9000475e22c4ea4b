import dns from 'node:dns/promises';
import type { Principal } from '../../shared/auth.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import { fail, ok, type Result } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import { wakeLanes } from '../webhook-deliveries/record-event.ts';
import {
  findDelivery,
  listDeliveries,
  pendingLanes,
  reopenDelivery,
  type DeliveryRow,
  type DeliveryStatus,
} from '../webhook-deliveries/webhook-deliveries.repository.ts';
import { generateSecret, ROTATION_OVERLAP_MS } from './signing.ts';
import { checkWebhookUrl, classifyAddress, isAllowed, refusal } from './webhook-url-policy.ts';
import {
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type EndpointScope,
  type WebhookEndpoint,
} from './webhook-endpoints.repository.ts';

/** Admins see and receive everything; a professional only its own endpoints, bookings and profile. */
export function scopeOf(principal: Principal): EndpointScope {
  return principal.role === 'admin' ? { all: true } : { professionalId: principal.professionalId ?? principal.sub };
}

const clock = (deps: CommandDeps) => deps.now();
const DNS_TIMEOUT_MS = 2000;

type UrlFailure = 'validation_error' | 'webhook_url_not_allowed';

/**
 * The URL policy, then the addresses the host resolves to now. A host that does not resolve (yet) is
 * accepted: every connection is checked again when a delivery is sent.
 */
export async function vetUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: (host: string) => Promise<Array<{ address: string }>> = (host) => dns.lookup(host, { all: true }),
): Promise<Result<string, UrlFailure>> {
  const checked = checkWebhookUrl(raw, allowPrivate);
  if (!checked.ok) {
    return checked.code === 'validation_error'
      ? fail('validation_error', checked.reason, [{ field: 'url', message: checked.reason }])
      : fail('webhook_url_not_allowed', checked.reason);
  }
  if (!checked.isLiteral) {
    let timer: NodeJS.Timeout | undefined;
    const addresses = await Promise.race([
      resolve(checked.host).catch(() => []),
      new Promise<[]>((resolve) => (timer = setTimeout(() => resolve([]), DNS_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    const refused = addresses.find((a) => !isAllowed(classifyAddress(a.address), allowPrivate));
    if (refused) return fail('webhook_url_not_allowed', refusal(`${checked.host} (${refused.address})`, classifyAddress(refused.address)));
  }
  return ok(raw); // stored as given: integrators find their URL as they wrote it
}

export async function createEndpoint(
  deps: CommandDeps,
  principal: Principal,
  input: { url: string; events: string[]; description?: string },
): Promise<Result<WebhookEndpoint, UrlFailure>> {
  const url = await vetUrl(input.url, deps.config.webhooks.allowPrivateUrls);
  if (!url.ok) return url;
  const scope = scopeOf(principal);
  const endpoint = await insertEndpoint(deps.pool, {
    professionalId: 'all' in scope ? null : scope.professionalId,
    createdBy: principal.sub,
    url: url.value,
    events: input.events,
    description: input.description || null,
    secret: generateSecret(),
  });
  deps.logger.info({ endpoint_id: endpoint.id, professional_id: endpoint.professionalId, events: endpoint.events }, 'webhook endpoint created');
  return ok(endpoint);
}

export function findEndpoints(deps: CommandDeps, principal: Principal): Promise<WebhookEndpoint[]> {
  return listEndpoints(deps.pool, scopeOf(principal));
}

export async function getEndpoint(deps: CommandDeps, principal: Principal, id: string): Promise<Result<WebhookEndpoint, 'webhook_endpoint_not_found'>> {
  const endpoint = await findEndpoint(deps.pool, id, scopeOf(principal));
  return endpoint ? ok(endpoint) : fail('webhook_endpoint_not_found');
}

export async function changeEndpoint(
  deps: CommandDeps,
  principal: Principal,
  id: string,
  changes: { url?: string; events?: string[]; description?: string | null; status?: 'enabled' | 'disabled' },
): Promise<Result<WebhookEndpoint, UrlFailure | 'webhook_endpoint_not_found'>> {
  let url: string | undefined;
  if (changes.url !== undefined) {
    const vetted = await vetUrl(changes.url, deps.config.webhooks.allowPrivateUrls);
    if (!vetted.ok) return vetted;
    url = vetted.value;
  }
  return withTransaction(deps.pool, async (tx) => {
    const current = await findEndpoint(tx, id, scopeOf(principal), { forUpdate: true });
    if (!current) return fail('webhook_endpoint_not_found');
    const updated = (await updateEndpoint(
      tx,
      id,
      {
        ...(url !== undefined ? { url } : {}),
        ...(changes.events ? { events: changes.events } : {}),
        ...(changes.description !== undefined ? { description: changes.description || null } : {}),
        ...(changes.status ? { status: changes.status, disabledReason: `Disabled by ${principal.role} ${principal.sub}.` } : {}),
      },
      clock(deps),
    ))!;
    // Deliveries that waited while the endpoint was disabled go out again.
    if (current.status === 'disabled' && updated.status === 'enabled') await wakeLanes(deps.boss, tx, await pendingLanes(tx, id));
    if (current.status !== updated.status) deps.logger.info({ endpoint_id: id, status: updated.status, by: principal.sub }, 'webhook endpoint status changed');
    return ok(updated);
  });
}

export async function removeEndpoint(deps: CommandDeps, principal: Principal, id: string): Promise<Result<void, 'webhook_endpoint_not_found'>> {
  return withTransaction(deps.pool, async (tx) => {
    if (!(await findEndpoint(tx, id, scopeOf(principal), { forUpdate: true }))) return fail('webhook_endpoint_not_found');
    await deleteEndpoint(tx, id);
    deps.logger.info({ endpoint_id: id, by: principal.sub }, 'webhook endpoint deleted');
    return ok(undefined);
  });
}

/** A new secret; deliveries carry a signature with each of the old and the new one for 24 h. */
export async function rotateEndpointSecret(
  deps: CommandDeps,
  principal: Principal,
  id: string,
): Promise<Result<WebhookEndpoint, 'webhook_endpoint_not_found'>> {
  return withTransaction(deps.pool, async (tx) => {
    if (!(await findEndpoint(tx, id, scopeOf(principal), { forUpdate: true }))) return fail('webhook_endpoint_not_found');
    const now = clock(deps);
    const rotated = (await rotateSecret(tx, id, generateSecret(), now, new Date(now.getTime() + ROTATION_OVERLAP_MS)))!;
    deps.logger.info({ endpoint_id: id, by: principal.sub }, 'webhook endpoint secret rotated');
    return ok(rotated);
  });
}

export async function endpointDeliveries(
  deps: CommandDeps,
  principal: Principal,
  id: string,
  q: { status?: DeliveryStatus; limit: number; beforeSeq?: number },
): Promise<Result<DeliveryRow[], 'webhook_endpoint_not_found'>> {
  if (!(await findEndpoint(deps.pool, id, scopeOf(principal)))) return fail('webhook_endpoint_not_found');
  return ok(await listDeliveries(deps.pool, id, q));
}

/**
 * Sends a delivery again now, whatever its status, with the same `webhook-id`. It re-enters its lane
 * by its original place, so it goes before later events of the same booking that are still pending.
 */
export async function retryDelivery(
  deps: CommandDeps,
  principal: Principal,
  id: string,
  deliveryId: string,
): Promise<Result<DeliveryRow, 'webhook_endpoint_not_found' | 'webhook_delivery_not_found' | 'webhook_endpoint_disabled'>> {
  return withTransaction(deps.pool, async (tx) => {
    const endpoint = await findEndpoint(tx, id, scopeOf(principal), { forUpdate: true });
    if (!endpoint) return fail('webhook_endpoint_not_found');
    if (endpoint.status === 'disabled')
      return fail('webhook_endpoint_disabled', 'Enable the endpoint (PATCH status "enabled") before retrying its deliveries.');
    const reopened = await reopenDelivery(tx, id, deliveryId, clock(deps));
    if (!reopened) return fail('webhook_delivery_not_found');
    await wakeLanes(deps.boss, tx, [{ endpointId: id, orderingKey: reopened.orderingKey }]);
    deps.logger.info({ endpoint_id: id, delivery_id: deliveryId, by: principal.sub }, 'webhook delivery retry requested');
    return ok((await findDelivery(tx, id, deliveryId))!);
  });
}
