import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** How long deliveries stay signed with the previous secret after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The secrets a delivery is signed with now: the current one, and the previous one for 24 h after a rotation. */
export function signingSecrets(e: EndpointSecrets, now: Date): string[] {
  const previousValid = e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > now.getTime();
  return previousValid ? [e.secret, e.previousSecret!] : [e.secret];
}

/** The Standard Webhooks headers of one attempt; the signature list is space-separated `v1,<base64>`. */
export function signedHeaders(secrets: string[], msgId: string, timestamp: Date, body: string): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, timestamp, body)).join(' '),
  };
}
