import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

// A long-running daemon an e2e test starts (dockerd, containerd, docker-registry): spawned with
// its output collected, polled until it serves, stopped by its own PID. What the daemon is and
// what it leaves behind (temp dirs, an orphaned containerd) stays with the caller's spec.

export interface DaemonSpec {
  /** For messages: `dockerd exited (1) before serving`. */
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** How much of stdout + stderr output() keeps (the tail). */
  outputLimitChars: number;
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: number;
  /** Removes what the daemon used; runs once the process has exited, on stop() and after a failed start. */
  cleanUp: () => Promise<void>;
}

export interface DaemonReadiness {
  /** Resolves once the daemon serves; throws (why not yet) while it does not. */
  probe: () => Promise<void>;
  timeoutMs: number;
  pollIntervalMs: number;
}

export interface DaemonProcess {
  /** Everything the daemon wrote to stdout and stderr so far (tail, capped). */
  output(): string;
  /**
   * Waits for the spawn, then polls `probe` until it resolves, and resolves with the PID. If the
   * daemon cannot start, exits first or misses the deadline, it is stopped (cleanUp included)
   * and the error thrown.
   */
  ready(readiness: DaemonReadiness): Promise<number>;
  /** SIGTERM by PID, SIGKILL after the grace period, then cleanUp; the same promise on every call. */
  stop(): Promise<void>;
}

export function spawnDaemon(spec: DaemonSpec): DaemonProcess {
  const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-spec.outputLimitChars);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // Listens for 'error' from the start, so a binary that cannot be spawned is an error of ready(), never an unhandled event.
  const started = spawned(child, spec.command);
  started.catch(() => undefined);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopChild(child, spec.stopGraceMs).finally(spec.cleanUp));
  return {
    output: () => output,
    ready: async (readiness) => {
      try {
        const pid = await started;
        await waitUntilReady(child, spec.name, readiness, () => output);
        return pid;
      } catch (error) {
        await stop();
        throw error;
      }
    },
    stop,
  };
}

async function spawned(child: ChildProcess, command: string): Promise<number> {
  const [outcome] = await Promise.race([once(child, 'spawn').then(() => ['spawn']), once(child, 'error')]);
  if (outcome !== 'spawn' || child.pid === undefined) {
    throw new Error(`cannot start ${command} (sudo .ci/install-deps.sh): ${String(outcome)}`);
  }
  return child.pid;
}

async function waitUntilReady(child: ChildProcess, name: string, readiness: DaemonReadiness, output: () => string): Promise<void> {
  const deadline = Date.now() + readiness.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    }
    try {
      await readiness.probe();
      return;
    } catch (error) {
      lastError = error; // sockets and ports appear only once the daemon is initialised
    }
    await delay(readiness.pollIntervalMs);
  }
  throw new Error(`${name} not ready within ${readiness.timeoutMs} ms (${String(lastError)}):\n${output()}`);
}

/** SIGTERM by PID, SIGKILL after the grace period; resolves once the process has exited (at once if it never started). */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
  }, graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
