import express, { Router, type Request, type Response } from 'express';
import { requireAuth } from '../../shared/auth.ts';
import { fail } from '../../shared/errors.ts';
import { validate } from '../../shared/validation.ts';
import type { CommandDeps } from '../deps.ts';
import { sendFailure } from '../problems.ts';
import type { DeliveryStatus } from '../webhook-deliveries/webhook-deliveries.repository.ts';
import {
  changeEndpoint,
  createEndpoint,
  endpointDeliveries,
  findEndpoints,
  getEndpoint,
  removeEndpoint,
  retryDelivery,
  rotateEndpointSecret,
} from './manage-webhook-endpoints.ts';
import { deliveryView, endpointView } from './webhook-endpoint-views.ts';
import { createEndpointBody, deliveriesQuery, updateEndpointBody, UUID } from './webhook-endpoints.schemas.ts';

const encodeCursor = (seq: number) => Buffer.from(JSON.stringify({ s: seq })).toString('base64url');

function decodeCursor(cursor: string): number | undefined {
  try {
    const s = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown }).s;
    return typeof s === 'number' && Number.isSafeInteger(s) && s > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Integrators' endpoints: admins (every event) and professionals (their own); clients get 403. */
export function webhookEndpointsRouter(deps: CommandDeps): Router {
  const router = Router();
  const json = express.json({ limit: '100kb' });
  const auth = requireAuth(deps.verifyToken, ['admin', 'professional']);
  const endpointId = (req: Request) => {
    const id = String(req.params.id);
    return UUID.test(id) ? id : undefined;
  };

  router.post('/webhook-endpoints', auth, json, async (req: Request, res: Response) => {
    const input = validate(createEndpointBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const result = await createEndpoint(deps, req.principal!, input.value as { url: string; events: string[]; description?: string });
    if (!result.ok) return sendFailure(res, result);
    res
      .status(201)
      .location(`/webhook-endpoints/${result.value.id}`)
      .json(endpointView(result.value, { withSecret: true }));
  });

  router.get('/webhook-endpoints', auth, async (req: Request, res: Response) => {
    const endpoints = await findEndpoints(deps, req.principal!);
    res.json({ data: endpoints.map((e) => endpointView(e)) });
  });

  router.get('/webhook-endpoints/:id', auth, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const result = await getEndpoint(deps, req.principal!, id);
    if (!result.ok) return sendFailure(res, result);
    res.json(endpointView(result.value));
  });

  router.patch('/webhook-endpoints/:id', auth, json, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const input = validate(updateEndpointBody, req.body);
    if (!input.ok) return sendFailure(res, input);
    const result = await changeEndpoint(deps, req.principal!, id, input.value as Parameters<typeof changeEndpoint>[3]);
    if (!result.ok) return sendFailure(res, result);
    res.json(endpointView(result.value));
  });

  router.delete('/webhook-endpoints/:id', auth, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const result = await removeEndpoint(deps, req.principal!, id);
    if (!result.ok) return sendFailure(res, result);
    res.status(204).end();
  });

  router.post('/webhook-endpoints/:id/rotate-secret', auth, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const result = await rotateEndpointSecret(deps, req.principal!, id);
    if (!result.ok) return sendFailure(res, result);
    res.json(endpointView(result.value, { withSecret: true }));
  });

  router.get('/webhook-endpoints/:id/deliveries', auth, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const query = validate(deliveriesQuery, req.query);
    if (!query.ok) return sendFailure(res, query);
    const q = query.value as { status?: DeliveryStatus; limit: number; cursor?: string };
    const beforeSeq = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && beforeSeq === undefined) {
      return sendFailure(
        res,
        fail('validation_error', 'cursor is not one this API issued', [{ field: 'cursor', message: 'cursor is not one this API issued' }]),
      );
    }
    // One extra row tells whether another page follows.
    const result = await endpointDeliveries(deps, req.principal!, id, { status: q.status, limit: q.limit + 1, beforeSeq });
    if (!result.ok) return sendFailure(res, result);
    const page = result.value.slice(0, q.limit);
    const next = result.value.length > q.limit ? encodeCursor(page[page.length - 1]!.seq) : null;
    res.json({ data: page.map(deliveryView), page: { limit: q.limit, next_cursor: next } });
  });

  router.post('/webhook-endpoints/:id/deliveries/:deliveryId/retry', auth, async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!id) return sendFailure(res, fail('webhook_endpoint_not_found'));
    const deliveryId = String(req.params.deliveryId);
    if (!UUID.test(deliveryId)) return sendFailure(res, fail('webhook_delivery_not_found'));
    const result = await retryDelivery(deps, req.principal!, id, deliveryId);
    if (!result.ok) return sendFailure(res, result);
    res.status(202).json(deliveryView(result.value));
  });

  return router;
}
