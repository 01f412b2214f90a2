import type { HttpBindings } from '@hono/node-server';
import type { RequestKind, RequestOutcome } from '../stats/recorder.js';

/** Per-request values middleware and handlers share (declared once, STYLE.md habit 5). */
export interface AppVariables {
  /** X-Lading-Cache outcome, also logged. */
  cacheOutcome: string | undefined;
  /** Body bytes written for responses lading streams itself (blobs). */
  bodyBytes: number | undefined;
  /** The upstream that served the request, for the log line. */
  upstreamName: string | undefined;
  /** What the request was for and how it was answered, for stats. */
  requestKind: RequestKind | undefined;
  statsOutcome: RequestOutcome | undefined;
  /** The repository name as the client sent it, for topRepositories. */
  clientRepository: string | undefined;
  /** Where the request came from (X-Forwarded-For only from a trusted proxy), for logs and login limits. */
  clientAddress: string | undefined;
  /** The htpasswd user that logged in, when client auth is on. */
  clientUser: string | undefined;
}

export interface AppEnv {
  Bindings: HttpBindings;
  Variables: AppVariables;
}
