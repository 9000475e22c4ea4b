import type { Registry } from 'prom-client';
import type { Transporter } from 'nodemailer';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import type { Pool } from '../shared/db/pool.ts';
import type { PgBoss } from '../shared/queue.ts';
import type { VerifyToken } from '../shared/auth.ts';
import type { Stripe } from './payments/stripe-client.ts';
import type { PaymentGateway } from './payments/payment-gateway.ts';
import type { CommandMetrics } from './metrics.ts';

export interface CommandDeps {
  config: Config;
  logger: Logger;
  pool: Pool;
  boss: PgBoss;
  /** Only for verifying Stripe's webhook signatures; payments go through `payments`. */
  stripe: Stripe;
  payments: PaymentGateway;
  mailer: Transporter;
  registry: Registry;
  metrics: CommandMetrics;
  verifyToken: VerifyToken;
  /** The one clock: hold expiry, the cancellation and reschedule policies and the booking rules read it. */
  now: () => Date;
}
