import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Pool } from '../../shared/db/pool.ts';
import { fail, type Failure } from '../../shared/errors.ts';
import type { CommandDeps } from '../deps.ts';
import type { CommandMetrics } from '../metrics.ts';
import { failureResponse } from '../problems.ts';
import { claimKey, completeKey, findKey, releaseKey } from './idempotency.repository.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface HandlerResponse {
  status: number;
  body: unknown;
}

/** The Idempotency-Key header, or the failure to answer when it is missing or malformed. */
export function readIdempotencyKey(req: Request): { ok: true; key: string } | Failure<'idempotency_key_missing'> {
  const key = req.get('idempotency-key');
  if (key === undefined || !KEY.test(key)) return fail('idempotency_key_missing');
  return { ok: true, key };
}

/** Canonical JSON: keys sorted at every depth, so equal payloads hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

/**
 * Runs `handler` at most once per (client, key) following draft-ietf-httpapi-idempotency-key-header:
 * a finished request is replayed byte for byte, a running one answers 409, another payload 422,
 * and a run that ended in 5xx (or crashed, once its lock lapses) may be retried.
 */
/** What respondIdempotently needs of the command side's dependencies. */
export function idempotencyDeps(deps: CommandDeps, lockSeconds: number) {
  return { pool: deps.pool, metrics: deps.metrics, ttlHours: deps.config.booking.idempotencyTtlHours, lockSeconds };
}

export async function respondIdempotently(
  deps: { pool: Pool; metrics: CommandMetrics; ttlHours: number; lockSeconds: number },
  req: Request,
  res: Response,
  clientId: string,
  key: string,
  handler: () => Promise<HandlerResponse>,
): Promise<void> {
  const requestHash = requestFingerprint(req.method, req.baseUrl + req.path, req.body);
  const claim = await claimKey(deps.pool, { clientId, key, requestHash, ttlHours: deps.ttlHours, lockSeconds: deps.lockSeconds });
  if (!claim) {
    const stored = await findKey(deps.pool, clientId, key);
    if (!stored) {
      // Released between our claim and our read: the earlier run failed; let the client retry.
      return send(res, failureResponse(fail('idempotency_key_in_use')));
    }
    if (stored.requestHash !== requestHash) {
      deps.metrics.idempotencyConflicts.inc({ code: 'idempotency_key_reused' });
      return send(res, failureResponse(fail('idempotency_key_reused')));
    }
    if (stored.state === 'running') {
      deps.metrics.idempotencyConflicts.inc({ code: 'idempotency_key_in_use' });
      return send(res, failureResponse(fail('idempotency_key_in_use')));
    }
    deps.metrics.idempotentReplays.inc();
    res.set('Idempotent-Replayed', 'true');
    return sendText(res, stored.responseStatus ?? 200, stored.responseBody ?? '');
  }

  let response: HandlerResponse;
  try {
    response = await handler();
  } catch (err) {
    await releaseKey(deps.pool, claim).catch(() => {});
    throw err;
  }
  const body = JSON.stringify(response.body);
  if (response.status >= 500) await releaseKey(deps.pool, claim);
  else await completeKey(deps.pool, claim, { status: response.status, body });
  sendText(res, response.status, body);
}

function send(res: Response, r: HandlerResponse): void {
  sendText(res, r.status, JSON.stringify(r.body));
}

function sendText(res: Response, status: number, body: string): void {
  res
    .status(status)
    .type(status >= 400 ? 'application/problem+json' : 'application/json')
    .send(body);
}
