#!/usr/bin/env node
import { SERVE_USAGE } from './serve-usage.js';

// Subcommands load on demand: a HEALTHCHECK every 15 s should not load the whole server.

const USAGE = `Usage: lading <command> [options]

Commands:
  serve     run the mirror (default when no command is given)
  prewarm   pull images through a running mirror into its cache (lading prewarm --help)
  stats     print a running mirror's stats as tables (lading stats --help)
  health    check the local server's /_lading/health (exit 0 when it answers 200)
  verify    re-hash every cached blob, quarantine mismatches (lading verify --help)
  gc        remove orphans and stale temp files, apply cache.maxSize (lading gc --help)

${SERVE_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command.startsWith('-')) {
    if (command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    return (await import('./serve.js')).runServe(argv);
  }
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).runServe(rest);
    case 'prewarm':
      return (await import('./prewarm.js')).runPrewarm(rest);
    case 'health':
      return (await import('./health.js')).runHealth(rest);
    case 'stats':
      return (await import('./stats.js')).runStats(rest);
    case 'verify':
      return (await import('./verify.js')).runVerify(rest);
    case 'gc':
      return (await import('./gc.js')).runGc(rest);
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`lading: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lading: ${message}\n`);
    process.exitCode = 1;
  },
);
