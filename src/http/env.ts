import type { HttpBindings } from '@hono/node-server';

/** Per-request values middleware and handlers share (declared once, STYLE.md habit 5). */
export interface AppVariables {
  /** X-Lading-Cache outcome, also logged. */
  cacheOutcome: string | undefined;
  /** Body bytes written for responses lading streams itself (blobs). */
  bodyBytes: number | undefined;
  /** The upstream that served the request, for the log line. */
  upstreamName: string | undefined;
}

export interface AppEnv {
  Bindings: HttpBindings;
  Variables: AppVariables;
}
