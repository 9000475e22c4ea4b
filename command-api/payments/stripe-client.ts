import Stripe from 'stripe';

export type { Stripe };

/** The official client; STRIPE_API_URL points it at another host (the local stand-in in development and tests). */
export function createStripeClient(opts: { secretKey: string; apiUrl?: string; timeoutMs: number }): Stripe {
  const target = opts.apiUrl ? new URL(opts.apiUrl) : undefined;
  return new Stripe(opts.secretKey, {
    timeout: opts.timeoutMs,
    maxNetworkRetries: 1,
    telemetry: false,
    ...(target
      ? {
          host: target.hostname,
          port: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
          protocol: target.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}
