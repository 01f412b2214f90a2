import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { getRequestListener } from '@hono/node-server';
import type { TlsPair } from '../config/tls-pair.js';
import type { Logger } from '../log/logger.js';
import { answerClientErrors } from './client-error-response.js';
import { limitConnections, type ConnectionLimit } from './connection-limit.js';

/** How long and how much a client may take before lading stops waiting for it. */
export interface ServerLimits {
  /** The request head must be complete within this (slowloris); also closes connections that send nothing. */
  headersTimeoutMs: number;
  /**
   * The whole request (head and body) must arrive within this. Node stops the clock once the
   * request is received, so long blob responses are not bounded by it.
   */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** No traffic either way for this long (a client that stopped reading a blob) destroys the socket. */
  socketIdleTimeoutMs: number;
  tlsHandshakeTimeoutMs: number;
  /** A request head larger than this is refused with 431. */
  maxHeaderSizeBytes: number;
  /** How often Node checks the headers and request timeouts (its default, 30 s, would blur them). */
  timeoutCheckIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  // Longer than any wait lading itself may cause (upstream headers 30 s, body idle 60 s by default).
  socketIdleTimeoutMs: 5 * 60_000,
  tlsHandshakeTimeoutMs: 10_000,
  maxHeaderSizeBytes: 16 * 1024,
  timeoutCheckIntervalMs: 1_000,
};

export interface HttpServerOptions {
  fetch: Parameters<typeof getRequestListener>[0];
  host: string;
  port: number;
  /** Serve HTTPS with this pair; plain HTTP without it. */
  tls?: TlsPair;
  maxConnections: number;
  limits: ServerLimits;
  logger: Logger;
}

export interface ListeningServer {
  server: Server;
  /** `http(s)://host:port` as bound. */
  url: string;
  connections: ConnectionLimit;
  /** Serves new TLS handshakes with `pair` (running connections keep theirs); only with tls. */
  replaceTlsPair?(pair: TlsPair): void;
}

/** The Node server under the hono app: HTTP or HTTPS, with connection bounds and timeouts. */
export async function startHttpServer(options: HttpServerOptions): Promise<ListeningServer> {
  const { limits, tls } = options;
  const serverOptions = {
    maxHeaderSize: limits.maxHeaderSizeBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
  const listener = requestListener(options.fetch, options.logger);
  const server: Server = tls
    ? createHttpsServer({ ...serverOptions, cert: tls.cert, key: tls.key, handshakeTimeout: limits.tlsHandshakeTimeoutMs }, listener)
    : createHttpServer(serverOptions, listener);
  server.setTimeout(limits.socketIdleTimeoutMs);
  answerClientErrors(server, options.logger, limits);
  const connections = limitConnections(server, tls ? 'secureConnection' : 'connection', options.maxConnections);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  return {
    server,
    url,
    connections,
    ...(tls ? { replaceTlsPair: (pair: TlsPair) => (server as unknown as HttpsServer).setSecureContext({ cert: pair.cert, key: pair.key }) } : {}),
  };
}

/**
 * hono's Node listener, plus an OCI answer for a request target it cannot turn into a URL (a
 * backslash in the path, a bad Host header): its default is a bare 400 that bypasses hono, so
 * also no log line. hono builds the URL synchronously before its first await, so the request
 * being parsed is known when its errorHandler runs.
 */
function requestListener(fetch: HttpServerOptions['fetch'], logger: Logger): (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> {
  let parsing: IncomingMessage | undefined;
  const listener = getRequestListener(fetch, {
    errorHandler: (error) => {
      const body = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: `malformed request: ${(error as Error).message}`, detail: null }] });
      logger.info('request', { method: parsing?.method, path: parsing?.url, client: parsing?.socket.remoteAddress, status: 400 });
      return new Response(body, {
        status: 400,
        headers: { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' },
      });
    },
  });
  return (incoming, outgoing) => {
    parsing = incoming;
    try {
      return listener(incoming, outgoing);
    } finally {
      parsing = undefined;
    }
  };
}
