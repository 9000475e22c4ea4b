import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets for the local stack, generated once per checkout and kept under .data/ (never committed),
 * so that demo tokens keep working across restarts.
 */
export function devSecrets(dataDir: string): { jwtSecret: string; stripeWebhookSecret: string } {
  const file = path.join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { jwtSecret: randomBytes(32).toString('hex'), stripeWebhookSecret: `whsec_${randomBytes(24).toString('hex')}` };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export const DATA_DIR = path.resolve(process.cwd(), '.data');
