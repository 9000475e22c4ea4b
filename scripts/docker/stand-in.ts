/**
 * The local Stripe stand-in or mail sink as a docker-compose service (profile `local`): the same as
 * `npx tsx scripts/stand-ins/stripe-stand-in.ts` / `scripts/stand-ins/mail-sink.ts`, but listening
 * on every interface so the other containers can reach it (those scripts listen on 127.0.0.1).
 *
 *   npx tsx scripts/docker/stand-in.ts stripe   PORT (12111), STRIPE_WEBHOOK_SECRET, WEBHOOK_URL
 *   npx tsx scripts/docker/stand-in.ts mail     SMTP_PORT (1025), HTTP_PORT (1080), MAIL_DIR
 */
import { startStripeStandIn } from '../stand-ins/stripe-stand-in.ts';
import { startMailSink } from '../stand-ins/mail-sink.ts';

const HOST = process.env.STAND_IN_HOST ?? '0.0.0.0';
const which = process.argv[2];

async function main(): Promise<() => Promise<void>> {
  if (which === 'stripe') {
    const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;
    if (!webhookSecret) throw new Error('STRIPE_WEBHOOK_SECRET is required (the same value the command-api uses)');
    const standIn = await startStripeStandIn({
      host: HOST,
      port: Number(process.env.PORT ?? 12111),
      webhookSecret,
      ...(process.env.WEBHOOK_URL ? { webhookUrl: process.env.WEBHOOK_URL } : {}),
      log: (msg, extra) => console.log(msg, extra ? JSON.stringify(extra) : ''),
    });
    console.log(`Stripe stand-in listening on ${HOST}:${standIn.port}`);
    return () => standIn.stop();
  }
  if (which === 'mail') {
    const sink = await startMailSink({
      host: HOST,
      port: Number(process.env.SMTP_PORT ?? 1025),
      httpPort: Number(process.env.HTTP_PORT ?? 1080),
      dir: process.env.MAIL_DIR ?? '/tmp/mail',
      log: (msg) => console.log(msg),
    });
    console.log(`Mail sink listening on ${HOST}: SMTP ${sink.port}, messages at ${sink.httpUrl}/messages`);
    return () => sink.stop();
  }
  throw new Error(`usage: tsx scripts/docker/stand-in.ts stripe|mail (got ${which ?? 'nothing'})`);
}

main().then(
  (stop) => {
    const shutdown = (): void => void stop().then(() => process.exit(0));
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  },
  (err: unknown) => {
    process.stderr.write(`stand-in failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
