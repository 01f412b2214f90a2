import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

const OUTPUT_LIMIT_CHARS = 64 * 1024;
const STOP_GRACE_MS = 10_000;

export interface TrackedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout + stderr so far (tail, capped), for error messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in stdout + stderr; rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM by PID, SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Every process the benchmark started and has not stopped yet, so a failure can end them all by PID. */
const running = new Set<TrackedProcess>();

export function startTracked(name: string, command: string, args: string[], options: SpawnOptions = {}): Promise<TrackedProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT_CHARS);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(() => undefined);

  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${name}: cannot start ${command}: ${error.message}`)));
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) {
        reject(new Error(`${name}: no pid`));
        return;
      }
      let stopping: Promise<void> | undefined;
      const tracked: TrackedProcess = {
        name,
        pid,
        child,
        output: () => output,
        waitForOutput: (pattern, timeoutMs) =>
          new Promise((resolveMatch, rejectMatch) => {
            const finish = (error: Error | undefined, match?: RegExpExecArray): void => {
              clearTimeout(timer);
              listeners.delete(check);
              child.off('exit', onExit);
              if (error !== undefined) rejectMatch(error);
              else resolveMatch(match!);
            };
            const check = (): void => {
              const match = pattern.exec(output);
              if (match !== null) finish(undefined, match);
            };
            const onExit = (): void => finish(new Error(`${name} exited before printing ${pattern}:\n${output}`));
            const timer = setTimeout(() => finish(new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
            listeners.add(check);
            child.once('exit', onExit);
            check();
          }),
        stop: () =>
          (stopping ??= (async () => {
            running.delete(tracked);
            if (child.exitCode !== null || child.signalCode !== null) return;
            process.kill(pid, 'SIGTERM');
            const timer = setTimeout(() => {
              if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
            }, STOP_GRACE_MS);
            try {
              await exited;
            } finally {
              clearTimeout(timer);
            }
          })()),
      };
      running.add(tracked);
      resolve(tracked);
    });
  });
}

/** Stops every process still running (used on failure and at the end). */
export async function stopAllTracked(): Promise<void> {
  await Promise.allSettled([...running].map((tracked) => tracked.stop()));
}
