import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { checkWebhookUrl, classifyAddress, isAllowed, refusal } from '../webhook-endpoints/webhook-url-policy.ts';

/** Longest response body read; a receiver that sends more has failed the attempt. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const EXCERPT_BYTES = 512;

export type AttemptResult = 'success' | 'http_error' | 'redirect' | 'timeout' | 'body_too_large' | 'refused_address' | 'connection_error';

export interface AttemptOutcome {
  result: AttemptResult;
  status: number | null;
  durationMs: number;
  /** Why it failed, for the delivery log (never includes our headers). */
  error: string | null;
}

/** The port the delivery use case sends through: one POST, never throws, never follows redirects. */
export type WebhookSender = (url: string, headers: Record<string, string>, body: string) => Promise<AttemptOutcome>;

class RefusedAddressError extends Error {}

/** `dns.lookup` with `all: true`; replaceable so tests can play a DNS that rebinds a name. */
export type Resolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

/**
 * Every address a host name resolves to is classified at connection time, so a name that resolved
 * to a public address when the endpoint was created cannot be rebound to a private one later.
 */
function guardedLookup(allowPrivate: boolean, resolve: Resolver): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const refused = addresses.find((a) => !isAllowed(classifyAddress(a.address), allowPrivate));
      if (refused) return callback(new RefusedAddressError(refusal(`${hostname} (${refused.address})`, classifyAddress(refused.address))));
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

export function createWebhookSender(opts: { allowPrivateUrls: boolean; timeoutMs: number; resolve?: Resolver }): WebhookSender {
  // request-filtering-agent checks the address of every connection too (literal IPs included);
  // development mode lets private and loopback through it, our lookup still refuses the rest.
  const agentOptions = { keepAlive: true, maxSockets: 16, allowPrivateIPAddress: opts.allowPrivateUrls, allowMetaIPAddress: false };
  const agents = { http: new RequestFilteringHttpAgent(agentOptions), https: new RequestFilteringHttpsAgent(agentOptions) };
  const lookup = guardedLookup(opts.allowPrivateUrls, opts.resolve ?? dns.lookup);

  return (url, headers, body) =>
    new Promise<AttemptOutcome>((resolve) => {
      const started = performance.now();
      // The URL is checked again at delivery time: the policy may have changed since it was stored.
      const checked = checkWebhookUrl(url, opts.allowPrivateUrls);
      if (!checked.ok) return resolve({ result: 'refused_address', status: null, durationMs: 0, error: checked.reason });
      const done = (result: AttemptResult, status: number | null, error: string | null) => {
        clearTimeout(timer);
        resolve({ result, status, durationMs: Math.round(performance.now() - started), error });
      };
      const isHttps = checked.url.protocol === 'https:';
      let settled = false;
      const settle = (result: AttemptResult, status: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        req.destroy();
        done(result, status, error);
      };
      const timer = setTimeout(() => settle('timeout', null, `no complete answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
      const req = (isHttps ? https : http).request(
        checked.url,
        {
          method: 'POST',
          agent: isHttps ? agents.https : agents.http,
          lookup,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'booking-marketplace-webhooks/1.0',
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) return settle('body_too_large', status, `response body larger than ${MAX_RESPONSE_BYTES} bytes`);
            if (size - chunk.length < EXCERPT_BYTES) chunks.push(chunk);
          });
          res.on('end', () => {
            if (status >= 200 && status <= 299) return settle('success', status, null);
            const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
            if (status >= 300 && status <= 399) {
              return settle('redirect', status, `redirect to ${res.headers.location ?? '(no location)'} not followed`);
            }
            settle('http_error', status, `HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`);
          });
          res.on('error', (err) => settle('connection_error', status, err.message));
        },
      );
      req.on('error', (err) => {
        const refused = err instanceof RefusedAddressError || /is not allowed/.test(err.message);
        settle(refused ? 'refused_address' : 'connection_error', null, err.message);
      });
      req.end(body);
    });
}
