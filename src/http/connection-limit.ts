import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import { rawErrorResponse } from './raw-error-response.js';

/** A refused socket that neither reads our answer nor closes is destroyed after this. */
const REFUSED_LINGER_MS = 5_000;

export interface ConnectionLimit {
  /** Connections being served now. */
  open(): number;
  /** Connections refused so far. */
  refused(): number;
}

/**
 * Serves at most `maxConnections` connections at once. One more gets a plain `503` with an OCI
 * body and `Connection: close` instead of silence (Node's own `server.maxConnections` just
 * drops the socket, which clients report as a reset and retry at once).
 *
 * Works by wrapping the listeners of `event`: `'connection'` for plain HTTP, where http.Server's
 * own listener takes the socket; `'secureConnection'` for HTTPS, where it takes the socket after
 * the TLS handshake (so the answer is readable; handshakes are bounded by handshakeTimeout).
 */
export function limitConnections(server: Server, event: 'connection' | 'secureConnection', maxConnections: number): ConnectionLimit {
  const listeners = server.listeners(event) as ((socket: Socket) => void)[];
  server.removeAllListeners(event);
  let open = 0;
  let refused = 0;
  server.on(event, (socket: Socket) => {
    if (open >= maxConnections) {
      refused += 1;
      refuse(socket, maxConnections);
      return;
    }
    open += 1;
    socket.once('close', () => {
      open -= 1;
    });
    for (const listener of listeners) listener.call(server, socket);
  });
  return { open: () => open, refused: () => refused };
}

function refuse(socket: Socket, maxConnections: number): void {
  socket.on('error', () => socket.destroy()); // a reset from a client we turned away is no concern
  socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
  socket.end(
    rawErrorResponse(503, 'UNAVAILABLE', `lading serves at most ${maxConnections} connections at once; retry shortly`, { 'Retry-After': '1' }),
  );
  socket.resume(); // discard whatever request the client sends, so its FIN is seen and the socket closes
}
