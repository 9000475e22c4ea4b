import { spawn, type ChildProcess } from 'node:child_process';
import { APP_NODE_FLAGS } from './app-process.ts';

export interface SupervisedOptions {
  name: string;
  /** The process's entry point, run with tsx. */
  entry: string;
  /** Arguments after the entry point. */
  args?: string[];
  /**
   * Starts the process instead of spawning the entry (e.g. `() => cluster.fork().process` for an
   * instance of a cluster); it must give the child piped stdout and stderr.
   */
  fork?: () => ChildProcess;
  env: NodeJS.ProcessEnv;
  /** Says what happens (crash, restart); one line each. */
  say: (msg: string) => void;
  /** Every chunk the child writes to stdout or stderr. */
  onOutput?: (chunk: Buffer) => void;
  /** First restart delay; doubled on each crash in a row, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A child that ran this long before it crashed starts again from the first delay. */
  stableMs?: number;
  /** How long a stopping child may drain before it is killed. */
  stopTimeoutMs?: number;
}

export interface Supervised {
  readonly name: string;
  /** The running child's pid; undefined while it waits to be restarted. */
  readonly pid: number | undefined;
  readonly restarts: number;
  /** SIGTERM (the child drains), then SIGKILL after stopTimeoutMs; no restart afterwards. */
  stop(): Promise<void>;
}

/**
 * Runs one app process and restarts it with exponential backoff whenever it exits on its own.
 *
 * The child gets its own process group, so a terminal's Ctrl-C reaches only the supervisor, which
 * stops the children in order; and an IPC channel, whose loss (the supervisor died) makes the child
 * shut itself down (shared/process.ts): no orphans.
 */
export function supervise(opts: SupervisedOptions): Supervised {
  const backoffMs = opts.backoffMs ?? 500;
  const maxBackoffMs = opts.maxBackoffMs ?? 15_000;
  const stableMs = opts.stableMs ?? 30_000;
  let child: ChildProcess | undefined;
  let restarts = 0;
  let crashesInARow = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const launch = () => {
    const startedAt = Date.now();
    const proc =
      opts.fork?.() ??
      spawn(process.execPath, [...APP_NODE_FLAGS, opts.entry, ...(opts.args ?? [])], {
        env: opts.env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        detached: true,
      });
    child = proc;
    if (opts.onOutput) {
      proc.stdout!.on('data', opts.onOutput);
      proc.stderr!.on('data', opts.onOutput);
    } else {
      proc.stdout!.resume();
      proc.stderr!.resume();
    }
    proc.on('error', (err) => opts.say(`${opts.name} could not be started: ${err.message}`));
    proc.on('exit', (code, signal) => {
      child = undefined;
      if (stopping) return;
      crashesInARow = Date.now() - startedAt >= stableMs ? 1 : crashesInARow + 1;
      const delay = Math.min(backoffMs * 2 ** (crashesInARow - 1), maxBackoffMs);
      restarts += 1;
      opts.say(`${opts.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${restarts})`);
      timer = setTimeout(launch, delay);
    });
  };
  launch();

  return {
    name: opts.name,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    stop: () => {
      stopping = true;
      clearTimeout(timer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), opts.stopTimeoutMs ?? 25_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      });
    },
  };
}
