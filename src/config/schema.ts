// The configuration as lading uses it after loading and validation, and the embedded defaults.
// Defaults live here only; mirror.config.json at the repository root holds exactly these values
// in their textual form (test/unit/config/defaults.test.ts keeps the two equal).

export interface UpstreamTimeouts {
  /** TCP/TLS connect timeout. */
  connectMs: number;
  /** Time to receive response headers. */
  headersMs: number;
  /** Longest silence between two body chunks. */
  bodyIdleMs: number;
}

export interface UpstreamConfig {
  /** Registry host name clients know the upstream by: `docker.io`, `ghcr.io`, or any name. */
  name: string;
  /** Base URL of the registry API (without `/v2`), e.g. `https://registry-1.docker.io`. */
  url: string;
  /** More host names `?ns=` may use for this upstream (besides its name and URL host). */
  aliases: string[];
  /** PEM file of extra CA certificates trusted for this upstream. */
  caFile?: string;
  /** Requests that name no upstream go here; exactly one upstream is the default. */
  default: boolean;
  username?: string;
  /** Resolved password (from `passwordEnv` or `passwordFile`); never logged. */
  password?: string;
  /** Where the password came from, for --print-config (e.g. `env:HUB_TOKEN`). */
  passwordSource?: string;
  /** A tag → digest answer is used this long without asking upstream again. */
  tagTtlMs: number;
  /** Upstream 404 for a tag or repository is remembered this long. */
  negativeTtlMs: number;
  /** Concurrent requests (whole transfers) to this upstream. */
  maxConnections: number;
  timeouts: UpstreamTimeouts;
  /** Glob patterns on the upstream-side repository name; when given, only these are served. */
  allow?: string[];
  /** Glob patterns refused with 403 DENIED (checked before `allow`). */
  deny?: string[];
}

export interface CacheConfig {
  /** Byte cap of the blob cache; 0 means no cap. */
  maxSizeBytes: number;
}

export interface LadingConfig {
  /** `host:port` to listen on. */
  listen: { host: string; port: number };
  dataDir: string;
  upstreams: UpstreamConfig[];
  cache: CacheConfig;
  /** Longest a graceful shutdown waits for running responses before closing them. */
  shutdownGraceMs: number;
  /** Serve only from the cache: no upstream is contacted (503 for what is not cached). */
  offline: boolean;
  admin: AdminConfig;
  /** Images never evicted, as users write them (`alpine:3.20`, `ghcr.io/org/app:1`). */
  pins: { image: string; platforms: string[] | 'all' }[];
  /** Serve HTTPS with this certificate and key (re-read on SIGHUP); plain HTTP without it. */
  tls?: TlsConfig;
  /** Require Basic credentials from an htpasswd file on /v2; open without it. */
  auth?: ClientAuthConfig;
  /** Proxies (addresses or CIDRs) whose `X-Forwarded-For` names the client. */
  trustProxy: string[];
  /** Client connections served at once; one more gets a plain 503 and is closed. */
  maxConnections: number;
}

export interface TlsConfig {
  /** PEM certificate chain (absolute path). */
  certFile: string;
  /** PEM private key (absolute path). */
  keyFile: string;
}

export interface ClientAuthConfig {
  /** htpasswd file with bcrypt entries (`htpasswd -B`), absolute path. */
  htpasswdFile: string;
}

export interface AdminConfig {
  /** Bearer token for /_lading/api/*; without one the admin API is off (404). Never logged. */
  token?: string;
  /** Where the token came from, for --print-config (e.g. `env:LADING_ADMIN_TOKEN`). */
  tokenSource?: string;
  /** Also require the token for /metrics and /_lading/stats. */
  protectStats: boolean;
}

/** The embedded defaults, in the textual form a config file uses. */
export const DEFAULT_CONFIG_TEXT = {
  listen: '0.0.0.0:5000',
  dataDir: './data',
  upstreams: [
    {
      name: 'docker.io',
      url: 'https://registry-1.docker.io',
      default: true,
      tagTtl: '5m',
      negativeTtl: '30s',
      maxConnections: 32,
      timeouts: { connect: '10s', headers: '30s', bodyIdle: '60s' },
    },
  ],
  cache: { maxSize: '50GiB' },
  shutdownGrace: '10s',
  offline: false,
  admin: { protectStats: false },
  pins: [],
  trustProxy: [],
  maxConnections: 4096,
} as const;

/** Per-upstream defaults applied to every upstream entry that leaves a key out. */
export const UPSTREAM_DEFAULTS = {
  default: false,
  tagTtl: '5m',
  negativeTtl: '30s',
  maxConnections: 32,
  timeouts: { connect: '10s', headers: '30s', bodyIdle: '60s' },
} as const;

/** Docker Hub is known by several host names (PROTOCOL.md §3.3: regclient sends registry-1.docker.io). */
export const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'] as const;
