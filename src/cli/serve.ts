import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import { redactedConfig } from '../config/redact.js';
import { startLading } from '../lading.js';
import { createJsonLogger } from '../log/logger.js';
import { StoreError } from '../store/store-error.js';
import { parseCommandArgs } from './command-args.js';
import { SERVE_USAGE } from './serve-usage.js';

/** `lading serve`: load config, start, print one line, shut down gracefully on SIGTERM/SIGINT. */
export async function runServe(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    command: 'serve',
    usage: SERVE_USAGE,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      data: { type: 'string' },
      upstream: { type: 'string' },
      'print-config': { type: 'boolean' },
    },
  });
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  let loaded;
  try {
    loaded = await loadConfig({
      flags: { config: values.config, listen: values.listen, data: values.data, upstream: values.upstream },
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lading: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { config } = loaded;
  if (values['print-config']) {
    process.stdout.write(`${JSON.stringify(redactedConfig(config), null, 2)}\n`);
    return 0;
  }
  const logger = createJsonLogger();
  // A stray rejection is a lading bug; it is logged loudly, but one client's broken
  // connection must not take the mirror down for every other client.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection (a bug: please report it)', { error: reason }));
  let running;
  try {
    running = await startLading(config, { logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lading: invalid configuration: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StoreError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`lading: cannot start: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
  const upstreams = config.upstreams
    .map((u) => `${u.name}=${u.url}${u.default ? ' (default)' : ''}`)
    .join(', ');

  const exitCode = new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        process.stderr.write(`lading: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      signalled = true;
      logger.info('shutting down', { signal });
      running.stop().then(
        () => {
          logger.info('stopped', {});
          resolve(0);
        },
        (error: unknown) => {
          logger.error('shutdown failed', { error });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Reload, as daemons do: the TLS pair (a renewed certificate) and the htpasswd file.
    process.on('SIGHUP', () => running.reload());
  });
  // Only now: a supervisor may signal as soon as it reads this line, and without the handlers
  // in place that signal kills the process (lock file left, responses cut).
  process.stdout.write(`lading listening on ${running.url} upstreams: ${upstreams} config: ${loaded.source}\n`);
  return exitCode;
}
