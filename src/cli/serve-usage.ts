// Kept apart from serve.ts so `lading --help` and `lading health` do not load the server.
export const SERVE_USAGE = `Usage: lading serve [--config FILE] [--listen HOST:PORT] [--data DIR] [--upstream URL] [--print-config]

  --config FILE     config file (default: ./mirror.config.json when present, else embedded defaults)
  --listen H:P      address to listen on (default 0.0.0.0:5000; env LADING_LISTEN)
  --data DIR        cache directory (default ./data; env LADING_DATA_DIR)
  --upstream URL    URL of the default upstream, docker.io (env LADING_UPSTREAM)
  --print-config    print the effective configuration (secrets redacted) and exit`;
