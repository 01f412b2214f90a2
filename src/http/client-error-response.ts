import type { Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.js';
import { rawErrorResponse } from './raw-error-response.js';

const ANSWERED_LINGER_MS = 5_000;

/**
 * Answers requests Node's HTTP parser refused (oversized head, malformed request, head or body
 * too slow) with an OCI body, as every other error; Node's default would send a bare status.
 * The statuses are Node's own (lib/_http_server.js socketOnError): 431, 413, 408, else 400.
 */
export function answerClientErrors(server: Server, logger: Logger, limits: { maxHeaderSizeBytes: number }): void {
  // The parser keeps failing on whatever else arrives, and each failure is another clientError.
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // Node writes nothing either when a response is already under way on this socket.
    const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, message] = answerFor(error, limits.maxHeaderSizeBytes);
    logger.debug('client error', { status, code: error.code });
    // end(), not destroy(): closing with unread request bytes would send a reset that can
    // overtake the answer. A client that never closes its side is cut after the linger time.
    socket.end(rawErrorResponse(status, 'UNSUPPORTED', message));
    setTimeout(() => socket.destroy(), ANSWERED_LINGER_MS).unref();
  });
}

function answerFor(error: NodeJS.ErrnoException, maxHeaderSizeBytes: number): [number, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, `request headers larger than ${maxHeaderSizeBytes} bytes`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'chunk extensions too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request not received in time'];
    default:
      return [400, 'malformed HTTP request'];
  }
}
