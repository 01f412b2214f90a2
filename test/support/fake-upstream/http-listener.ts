import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCodeForStatus, ociErrorResponse, type FakeResponse } from './fake-response.js';
import type { FaultList, FaultTarget, ServerName } from './faults.js';
import type { MemoryRequestLog } from './request-log.js';
import { closedPromise, delayUnlessClosed, writeResponse, type BodyShaping } from './response-writer.js';

export interface FakeRequest {
  server: ServerName;
  method: string;
  /** Raw path without the query string (percent-encoding kept). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * One fake listener on 127.0.0.1: logs every request when its response ends or aborts, applies
 * the request-level faults (delay, hang, status) before the handler and the body faults to
 * 2xx bodies after it. `close()` stops listening and destroys every socket, so a later
 * `listen(samePort)` models an upstream that went down and came back.
 */
export class FakeListener {
  readonly name: ServerName;
  #handler: FakeHandler;
  #faults: FaultList;
  #log: MemoryRequestLog;
  #server: Server | undefined;
  #port = 0;

  constructor(name: ServerName, handler: FakeHandler, faults: FaultList, log: MemoryRequestLog) {
    this.name = name;
    this.#handler = handler;
    this.#faults = faults;
    this.#log = log;
  }

  get port(): number {
    return this.#port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  async listen(port: number = this.#port): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const target: FaultTarget = { server: this.name, method, path: url.pathname };
    let bodyBytesSent = 0;
    res.once('close', () => {
      this.#log.record({
        server: this.name,
        method,
        path: url.pathname,
        query: queryRecord(url.searchParams),
        headers: { ...req.headers },
        status: res.headersSent ? res.statusCode : 0,
        bodyBytesSent,
      });
    });
    try {
      const body = await readBody(req);
      const closed = closedPromise(res);
      const delay = this.#faults.take('delay', target);
      if (delay !== undefined && !(await delayUnlessClosed(delay.ms, closed))) return;
      if (this.#faults.take('hang', target) !== undefined) return; // answered by close() only
      const statusFault = this.#faults.take('status', target);
      const response: FakeResponse =
        statusFault !== undefined
          ? statusFault.body !== undefined
            ? {
                status: statusFault.status,
                headers: { 'content-type': 'text/plain; charset=utf-8', ...statusFault.headers },
                body: Buffer.from(statusFault.body),
              }
            : ociErrorResponse(statusFault.status, errorCodeForStatus(statusFault.status), 'injected fault', {
                headers: statusFault.headers ?? {},
              })
          : await this.#handler({ server: this.name, method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const headOnly = method === 'HEAD';
      const shapesBody = !headOnly && response.status >= 200 && response.status < 300 && (response.body?.length ?? 0) > 0;
      const shaping: BodyShaping = shapesBody
        ? {
            corrupt: this.#faults.take('corrupt', target),
            cut: this.#faults.take('cut', target),
            pause: this.#faults.take('pause', target),
            throttle: this.#faults.take('throttle', target),
          }
        : {};
      await writeResponse(res, response, { headOnly, shaping, onBodyBytes: (count) => (bodyBytesSent += count) });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const failure = ociErrorResponse(500, 'UNKNOWN', `fake upstream failed: ${message}`);
      await writeResponse(res, failure, { headOnly: method === 'HEAD', shaping: {}, onBodyBytes: () => {} });
    }
  }
}

function queryRecord(params: URLSearchParams): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [key, value] of params) (record[key] ??= []).push(value);
  return record;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > MAX_REQUEST_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
