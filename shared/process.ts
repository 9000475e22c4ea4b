import { ConfigError } from './config.ts';

/** Runs a process's start(); a bad configuration or start-up failure exits non-zero with a plain message. */
export function runProcess(name: string, start: () => Promise<unknown>): void {
  // Started by a supervisor (npm start) with an IPC channel: when the supervisor is gone, this
  // process shuts down the normal, graceful way instead of running on as an orphan.
  if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  start().catch((err: unknown) => {
    const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name} failed to start: ${message}\n`);
    process.exit(1);
  });
}

/** True when this module is the process's entry point (node main.ts / tsx main.ts). */
export function isEntryPoint(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return importMetaUrl === new URL(`file://${entry}`).href || importMetaUrl.endsWith(entry.replace(/^\.\//, ''));
}
