/**
 * Moves dead-lettered jobs back to the queues they failed on, where they run again with the queue's
 * full retry budget. Stripe events and confirmation emails are idempotent, so replaying one whose
 * effect already happened is harmless.
 *
 *   npm run replay-dead-letters              replay everything that is dead-lettered now
 *   npm run replay-dead-letters -- --dry-run only say what would move
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { isEntryPoint, runProcess } from '../shared/process.ts';
import { createBoss, QUEUES, startBoss, type PgBoss } from '../shared/queue.ts';

export const DEAD_LETTER_QUEUES = [QUEUES.stripeEventDeadLetter, QUEUES.confirmationEmailDeadLetter] as const;

const BATCH = 1000;

/** Replays (or, dry, previews) every dead-letter queue; returns how many jobs moved (or would). */
export async function replayDeadLetters(boss: PgBoss, opts: { dryRun: boolean }, print: (line: string) => void): Promise<number> {
  // Only jobs dead-lettered before now: one that fails again at once must not be replayed in a loop.
  const createdBefore = new Date();
  let total = 0;
  for (const queue of DEAD_LETTER_QUEUES) {
    const preview = await boss.previewRedrive(queue, { createdBefore, limit: 100_000 });
    const targets = preview.destinations.map((d) => `${d.count} to ${d.name}`).join(', ');
    if (preview.unroutable > 0) print(`${queue}: ${preview.unroutable} job(s) have no source queue and stay where they are`);
    if (preview.total - preview.unroutable === 0) {
      print(`${queue}: nothing to replay`);
      continue;
    }
    if (opts.dryRun) {
      print(`${queue}: would move ${targets}`);
      total += preview.total - preview.unroutable;
      continue;
    }
    let moved = 0;
    for (;;) {
      const n = await boss.redrive(queue, { createdBefore, limit: BATCH });
      moved += n;
      if (n < BATCH) break;
    }
    print(`${queue}: moved ${moved} job(s) back (${targets})`);
    total += moved;
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
  const config = loadConfig(process.env, 'script');
  const logger = createLogger({ name: 'replay-dead-letters', level: config.logLevel });
  const boss = createBoss(config, logger, { poolMax: 2 });
  await startBoss(boss);
  try {
    const total = await replayDeadLetters(boss, { dryRun: values['dry-run'] }, (line) => console.log(line));
    console.log(values['dry-run'] ? `${total} job(s) would be replayed` : `${total} job(s) replayed`);
  } finally {
    await boss.stop({ graceful: false });
  }
}

if (isEntryPoint(import.meta.url)) runProcess('replay-dead-letters', main);
